"""The Stacked MNIST mode histogram of a trained run, as a picture.

Samples `--num` images from the run's EMA (or raw) generator exactly as `--mode=eval` does,
reads each channel's digit with lenet-mnist, counts the 1,000 modes (100 d0 + 10 d1 + d2) and
draws them as 1,000 bars, sorted from the most to the least produced, over a line at the
uniform count; prints modes covered and KL to uniform (the numbers `--mode=eval` reports).

  python benchmarks/mode_histogram.py --config=experiments/dcgan_stacked_mnist_rpgan.py \\
      --workdir=runs/stacked_rpgan --out=docs/results/stacked_mnist_rpgan_modes.png
"""

import json
import os
import sys

from absl import app
from absl import flags
from ml_collections import config_flags
import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from jaxgan import train  # pylint: disable=wrong-import-position
from jaxgan.metrics import mode_coverage  # pylint: disable=wrong-import-position

_CONFIG = config_flags.DEFINE_config_file("config", None, "Experiment file.", lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory.")
_OUT = flags.DEFINE_string("out", None, "Where the PNG goes.")
_NUM = flags.DEFINE_integer("num", 26_000, "Samples (PacGAN's count).")
_EMA = flags.DEFINE_boolean("ema", True, "The EMA generator (else the raw one).")
_HEIGHT = 240


def draw(histogram: np.ndarray, height: int = _HEIGHT) -> np.ndarray:
  """uint8 [height, 1000, 3]: one white bar per mode, most produced first, on black; the
  uniform count as a red line. Bars are scaled so that 3x the uniform count fills the height."""
  counts = np.sort(np.asarray(histogram))[::-1]
  uniform = counts.sum() / counts.size
  scale = (height - 1) / (3 * uniform)
  picture = np.zeros((height, counts.size, 3), np.uint8)
  tops = height - np.minimum(np.round(counts * scale).astype(int), height)
  for column, top in enumerate(tops):
    picture[top:, column] = 255
  picture[height - 1 - int(round(uniform * scale)), :] = (255, 0, 0)
  return picture


def main(_):
  config = _CONFIG.value
  exp, state = train.restore_for_inference(config, _WORKDIR.value)
  sample_batch = exp.eval_sample_batch(state, _EMA.value)
  digits = []
  for index, start in enumerate(range(0, _NUM.value, config.eval.batch_size)):
    images, _ = sample_batch(index, min(config.eval.batch_size, _NUM.value - start))
    digits.append(exp.evaluator.extractor(images)["logits"].argmax(-1))
  modes = mode_coverage.stacked_mnist_modes(np.concatenate(digits))
  Image.fromarray(draw(modes["mode_histogram"])).save(_OUT.value)
  print(json.dumps({"modes_covered": modes["modes_covered"],
                    "kl_to_uniform": modes["kl_to_uniform"],
                    "kl_marginals": modes["kl_marginals"], "out": _OUT.value}))


if __name__ == "__main__":
  flags.mark_flags_as_required(["config", "workdir", "out"])
  app.run(main)
