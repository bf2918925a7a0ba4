"""2D Gaussian mixtures for mode-collapse studies: `ring8` and `grid25` (Metz et al. 2017;
VEEGAN; PacGAN), and the PNG plot of samples over the data density.

A point is stored as a 1x1 "image" with 2 channels, float32 [N, 1, 1, 2], so the data
pipeline, the GAN step, checkpoints and sample grids treat it like any other dataset
(config.data.image_shape = (1, 1, 2)); the values are the coordinates themselves, not [-1, 1]
pixels, so the generator's output layer must be linear (models.ARCHITECTURES["mlp_2d"]).
The mixtures' constants are jaxgan.metrics.mode_coverage's, which also scores them.
"""

import dataclasses

import numpy as np

from jaxgan.metrics import mode_coverage

POINT_SHAPE = (1, 1, 2)
SPLIT_SIZES = {"train": 100_000, "test": 10_000}


@dataclasses.dataclass(frozen=True)
class Mixture:
  centres: np.ndarray   # [K, 2]
  std: float            # Per coordinate, for the data and for scoring.
  extent: float         # Plots show [-extent, extent]^2.


MIXTURES = {
    "ring8": Mixture(mode_coverage.ring_modes(8, 2.0), mode_coverage.RING_STD, 2.6),
    "grid25": Mixture(mode_coverage.grid_modes(5, 2.0), mode_coverage.GRID_STD, 5.2),
}


def load(name: str, split: str) -> dict[str, np.ndarray]:
  """{"image": float32 [N, 1, 1, 2]} drawn with a fixed seed per (dataset, split)."""
  mixture = MIXTURES[name]
  if split not in SPLIT_SIZES:
    raise ValueError(f"{name} has splits {sorted(SPLIT_SIZES)}, not {split!r}")
  seed = [sorted(MIXTURES).index(name), sorted(SPLIT_SIZES).index(split)]
  points = mode_coverage.sample_mixture(np.random.default_rng(seed), SPLIT_SIZES[split],
                                        mixture.centres, mixture.std)
  return {"image": points.astype(np.float32).reshape((-1, *POINT_SHAPE))}


def render(name: str, points, size: int = 320) -> np.ndarray:
  """uint8 [size, size, 3]: the data density in blue, `points` [N, ...2] as red dots."""
  mixture = MIXTURES[name]
  xy = np.asarray(points, np.float64).reshape(-1, 2)
  axis = np.linspace(-mixture.extent, mixture.extent, size)
  gx, gy = np.meshgrid(axis, axis[::-1])                    # Row 0 is the top (y = +extent).
  # Each mode drawn with a 4x wider std than the data's, so it shows at plot resolution.
  width = max(mixture.std * 4, 2.5 * (axis[1] - axis[0]))
  density = sum(np.exp(-((gx - cx) ** 2 + (gy - cy) ** 2) / (2 * width ** 2))
                for cx, cy in mixture.centres)
  shade = np.clip(density, 0, 1)[..., None]
  image = (255 * (1 - shade * np.array([0.6, 0.4, 0.0]))).astype(np.uint8)   # White -> blue.
  pixel = np.round((xy + mixture.extent) / (2 * mixture.extent) * (size - 1)).astype(int)
  cols, rows = pixel[:, 0], size - 1 - pixel[:, 1]
  inside = (rows >= 0) & (rows < size) & (cols >= 0) & (cols < size)
  for dr in (0, 1):
    for dc in (0, 1):
      r, c = np.clip(rows[inside] + dr, 0, size - 1), np.clip(cols[inside] + dc, 0, size - 1)
      image[r, c] = (220, 30, 30)
  return image
