"""2D Gaussian mixtures for mode-collapse studies: `ring8` and `grid25` (Metz et al. 2017;
VEEGAN; PacGAN), and the PNG plot of samples over the data density.

A point is stored as a 1x1 "image" with 2 channels, float32 [1, 1, 2], so the data
pipeline, the GAN step, checkpoints and sample grids treat it like any other dataset
(config.data.image_shape = (1, 1, 2)); the values are the coordinates themselves, not [-1, 1]
pixels, so the generator's output layer must be linear (models.ARCHITECTURES["mlp_2d"]).
The mixtures' constants are jaxgan.metrics.mode_coverage's, which also scores them.

Point i of a split is a pure function of (dataset, split, i): its mode and its Gaussian noise
come from a counter-based hash of those three numbers, so a batch of any indices is computed
at once and nothing is held in memory.
"""

import dataclasses

import numpy as np

from jaxgan.data import records
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


def _mix64(x: np.ndarray) -> np.ndarray:
  """SplitMix64's finaliser: a bijection of uint64 whose outputs look independent."""
  x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
  x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
  return x ^ (x >> np.uint64(31))


def uniforms(stream: int, indices, count: int) -> np.ndarray:
  """float64 [len(indices), count] in (0, 1), a pure function of (stream, index, column)."""
  with np.errstate(over="ignore"):
    base = np.asarray(indices, np.uint64)[:, None] * np.uint64(count) + np.arange(
        count, dtype=np.uint64)
    bits = _mix64(_mix64(base + np.uint64(stream) * np.uint64(0x9E3779B97F4A7C15)))
  return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


class MixtureSource(records.Source):
  """{"image": float32 [1, 1, 2]} points of one split of a mixture."""

  def __init__(self, name: str, split: str):
    if split not in SPLIT_SIZES:
      raise ValueError(f"{name} has splits {sorted(SPLIT_SIZES)}, not {split!r}")
    self.name, self.mixture = name, MIXTURES[name]
    self._stream = 1 + 2 * sorted(MIXTURES).index(name) + sorted(SPLIT_SIZES).index(split)
    self._length = SPLIT_SIZES[split]

  def __len__(self) -> int:
    return self._length

  def batch(self, indices) -> dict[str, np.ndarray]:
    u = uniforms(self._stream, indices, 3)
    centres = self.mixture.centres
    mode = np.minimum((u[:, 0] * len(centres)).astype(np.int64), len(centres) - 1)
    radius, angle = np.sqrt(-2 * np.log(u[:, 1])), 2 * np.pi * u[:, 2]   # Box-Muller.
    noise = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    points = np.asarray(centres, np.float64)[mode] + self.mixture.std * noise
    return {"image": points.astype(np.float32).reshape((-1, *POINT_SHAPE))}


def source(name: str, split: str) -> MixtureSource:
  return MixtureSource(name, split)


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
