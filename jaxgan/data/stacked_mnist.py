"""Stacked MNIST (Metz et al. 2017; VEEGAN; PacGAN): three MNIST digits as the R, G and B
channels of one 28x28x3 image, so the data has 10^3 = 1,000 modes.

Built deterministically from the shipped MNIST: example i of a split stacks digits
perm_0[i], perm_1[i], perm_2[i] of the same MNIST split, with three seeded permutations, and its
label is the mode 100 * d_R + 10 * d_G + d_B. Each split has as many images as its MNIST split
(60,000 / 10,000); the modes are then close to uniform (60 images per mode on average).
"""

import numpy as np

from jaxgan.data import shipped_mnist

IMAGE_SHAPE = (28, 28, 3)
SEED = 1000


def load(split: str) -> dict[str, np.ndarray]:
  """{"image": uint8 [N, 28, 28, 3], "label": int32 mode in [0, 1000)}."""
  if split not in ("train", "test"):
    raise ValueError(f"stacked_mnist has splits ['test', 'train'], not {split!r}")
  arrays = shipped_mnist.load_arrays()
  images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"].astype(np.int32)
  rng = np.random.default_rng([SEED, ("train", "test").index(split)])
  order = [rng.permutation(len(images)) for _ in range(3)]
  stacked = np.stack([images[o] for o in order], axis=-1)
  modes = 100 * labels[order[0]] + 10 * labels[order[1]] + labels[order[2]]
  return {"image": stacked, "label": modes}
