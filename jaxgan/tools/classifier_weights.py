"""Exports a trained `experiments/classifier_mnist.py` run as the lenet-mnist feature network.

  python -m jaxgan.tools.classifier_weights --config=experiments/classifier_mnist.py \
      --workdir=runs/classifier_mnist

writes jaxgan/metrics/weights/lenet_mnist.msgpack (or --out) and prints its sha256 and the
run's test accuracy. The shipped file is checked against `features.LENET_SHA256`: update that
constant, and the numbers in the README that it made, whenever the shipped weights change.
"""

import hashlib
import os

import flax.serialization
import jax
from absl import app
from absl import flags
from ml_collections import config_flags

from jaxgan import train
from jaxgan.metrics import features


def save_lenet(params, path: str) -> str:
  """Writes {"params": params} as flax msgpack (what features.load_lenet reads); its sha256."""
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  data = flax.serialization.to_bytes({"params": jax.device_get(params)})
  with open(path, "wb") as f:
    f.write(data)
  return hashlib.sha256(data).hexdigest()


def main(argv):
  del argv
  exp, state = train.restore_for_inference(flags.FLAGS.config, flags.FLAGS.workdir)
  digest = save_lenet(state.net.params, flags.FLAGS.out)
  results = exp.evaluate(state)
  print(f"wrote {flags.FLAGS.out} (step {int(state.step)}): sha256 {digest}, "
        f"test_accuracy {results['test_accuracy']:.4f}")


if __name__ == "__main__":
  config_flags.DEFINE_config_file("config", None, "experiments/classifier_mnist.py",
                                  lock_config=True)
  flags.DEFINE_string("workdir", None, "The trained classifier's run directory.")
  flags.DEFINE_string("out", features.LENET_WEIGHTS, "Where to write the msgpack file.")
  flags.mark_flags_as_required(["config", "workdir"])
  app.run(main)
