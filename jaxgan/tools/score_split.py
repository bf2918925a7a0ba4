"""Scores a real split of the config's dataset as if it were a generator: the reference
numbers that generated samples are read against (e.g. FID[lenet-mnist] of MNIST test vs train).

  python -m jaxgan.tools.score_split --config=experiments/dcgan_mnist.py --split=test

Uses the config's `eval` block (metrics, feature network, reference split and counts); prints
one JSON line.
"""

import json
import sys

from absl import app
from absl import flags
from ml_collections import config_flags

from jaxgan.errors import UserError
from jaxgan.metrics import evaluator

_CONFIG = config_flags.DEFINE_config_file("config", None, "An experiment file.",
                                          lock_config=True)
_SPLIT = flags.DEFINE_string("split", "test", "The split scored against eval.reference_split.")
flags.mark_flags_as_required(["config"])


def main(argv):
  del argv
  config = _CONFIG.value
  try:
    results = evaluator.Evaluator(config, tuple(config.data.image_shape)).evaluate_split(
        _SPLIT.value)
  except UserError as error:
    sys.exit(f"jaxgan: error: {error}")
  print(json.dumps({"dataset": config.data.name, "split": _SPLIT.value,
                    "reference_split": config.eval.reference_split, **results}))


if __name__ == "__main__":
  app.run(main)
