"""Stacked MNIST (Metz et al. 2017; VEEGAN; PacGAN): three MNIST digits as the R, G and B
channels of one 28x28x3 image, so the data has 10^3 = 1,000 modes.

Built deterministically from the shipped MNIST: example i of a split stacks digits
perm_0[i], perm_1[i], perm_2[i] of the same MNIST split, with three seeded permutations, and its
label is the mode 100 * d_R + 10 * d_G + d_B. Each split has as many images as its MNIST split
(60,000 / 10,000); the modes are then close to uniform (60 images per mode on average).
Only MNIST itself (47 MB) and the three permutations are held; a stacked image is made when
it is read.
"""

import functools

import numpy as np

from jaxgan.data import records
from jaxgan.data import shipped_mnist

IMAGE_SHAPE = (28, 28, 3)
SEED = 1000


@functools.lru_cache(maxsize=1)
def _mnist() -> dict[str, np.ndarray]:
  return shipped_mnist.load_arrays()


class StackedMnistSource(records.Source):
  """{"image": uint8 [28, 28, 3], "label": int32 mode in [0, 1000)}."""

  name = "stacked_mnist"

  def __init__(self, split: str):
    if split not in ("train", "test"):
      raise ValueError(f"stacked_mnist has splits ['test', 'train'], not {split!r}")
    arrays = _mnist()
    self._images = arrays[f"{split}_images"]
    self._labels = arrays[f"{split}_labels"].astype(np.int32)
    rng = np.random.default_rng([SEED, ("train", "test").index(split)])
    self._order = np.stack([rng.permutation(len(self._images)) for _ in range(3)])

  def __len__(self) -> int:
    return len(self._images)

  def batch(self, indices) -> dict[str, np.ndarray]:
    chosen = self._order[:, np.asarray(indices, np.int64)]       # [3, n] MNIST indices.
    image = np.stack([self._images[c] for c in chosen], axis=-1)
    digits = self._labels[chosen]
    return {"image": image, "label": 100 * digits[0] + 10 * digits[1] + digits[2]}


def source(split: str) -> StackedMnistSource:
  return StackedMnistSource(split)


def load(split: str) -> dict[str, np.ndarray]:
  """The whole split as arrays (180 MB for train): for tests and small evaluations."""
  made = source(split)
  return made.batch(np.arange(len(made)))
