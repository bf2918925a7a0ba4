"""The shipped LeNet MNIST weights: load them (checked by sha256) or export them from a run.

  model, variables = load_lenet_mnist()
  logits, features = model.apply(variables, images_in_minus1_1, return_features=True)

They are the params of `experiments/classifier_mnist.py` trained with seed 0 (how, and their
test accuracy: jaxgan/metrics/weights/README.md). Re-export after retraining with

  python -m jaxgan.classifier_weights --config=experiments/classifier_mnist.py \
      --workdir=runs/classifier_mnist

which writes the msgpack file and prints its sha256 and test accuracy; update LENET_MNIST_SHA256.
"""

import hashlib
import os

import flax.serialization
import jax
import jax.numpy as jnp

from jaxgan.errors import UserError
from jaxgan.models import classifier

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics", "weights")
LENET_MNIST_PATH = os.path.join(WEIGHTS_DIR, "lenet_mnist.msgpack")
LENET_MNIST_SHA256 = ""


def sha256_of(path: str) -> str:
  with open(path, "rb") as f:
    return hashlib.sha256(f.read()).hexdigest()


def _expected_shapes(module) -> dict:
  x = jnp.zeros((1, 28, 28, 1), jnp.float32)
  return jax.eval_shape(lambda: module.init(jax.random.PRNGKey(0), x, train=False))


def load_lenet_mnist(path: str = LENET_MNIST_PATH, expected_sha256: str | None = None):
  """(LeNet module, variables {"params": ...}) of the shipped MNIST classifier.

  Raises UserError if the file is missing, differs from the shipped bytes (sha256), or does
  not hold LeNet's parameters.
  """
  expected_sha256 = LENET_MNIST_SHA256 if expected_sha256 is None else expected_sha256
  if not os.path.exists(path):
    raise UserError(f"{path} is missing: reinstall jaxgan, or train experiments/"
                    f"classifier_mnist.py and export it with python -m jaxgan.classifier_weights")
  with open(path, "rb") as f:
    data = f.read()
  digest = hashlib.sha256(data).hexdigest()
  if expected_sha256 and digest != expected_sha256:
    raise UserError(f"{path} has sha256 {digest}, not the shipped {expected_sha256}: restore "
                    f"it (git checkout / reinstall jaxgan) or pass expected_sha256 for a retrained one")
  module = classifier.LeNet(num_classes=10)
  expected = _expected_shapes(module)
  try:
    variables = flax.serialization.msgpack_restore(data)
    same = (jax.tree.structure(variables) == jax.tree.structure(expected) and all(
        a.shape == b.shape for a, b in zip(jax.tree.leaves(variables), jax.tree.leaves(expected))))
  except Exception:  # msgpack raises several types for bytes that are not its format.
    same = False
  if not same:
    raise UserError(f"{path} does not hold LeNet(num_classes=10) parameters; restore the "
                    f"shipped file or re-export it with python -m jaxgan.classifier_weights")
  return module, jax.tree.map(jnp.asarray, variables)


def save_lenet_mnist(params, path: str = LENET_MNIST_PATH) -> str:
  """Writes {"params": params} as msgpack; returns the file's sha256."""
  os.makedirs(os.path.dirname(path), exist_ok=True)
  data = flax.serialization.msgpack_serialize({"params": jax.device_get(params)})
  with open(path, "wb") as f:
    f.write(data)
  return hashlib.sha256(data).hexdigest()


def main(argv):
  del argv
  from absl import flags  # Only the command line reads flags.
  from jaxgan import train
  config, workdir = flags.FLAGS.config, flags.FLAGS.workdir
  exp, state = train.restore_for_inference(config, workdir)
  digest = save_lenet_mnist(state.net.params, flags.FLAGS.out)
  results = exp.evaluate(state)
  print(f"wrote {flags.FLAGS.out} (step {int(state.step)}): sha256 {digest}, "
        f"test_accuracy {results['test_accuracy']:.4f}")


if __name__ == "__main__":
  from absl import app
  from absl import flags
  from ml_collections import config_flags
  config_flags.DEFINE_config_file("config", None, "experiments/classifier_mnist.py",
                                  lock_config=True)
  flags.DEFINE_string("workdir", None, "The trained classifier's run directory.")
  flags.DEFINE_string("out", LENET_MNIST_PATH, "Where to write the msgpack file.")
  flags.mark_flags_as_required(["config", "workdir"])
  app.run(main)
