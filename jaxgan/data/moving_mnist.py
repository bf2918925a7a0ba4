"""Moving MNIST (Srivastava et al. 2015), generated on the fly from the shipped MNIST.

Digits bounce inside a canvas: each starts at a uniform position with a velocity of fixed
speed in a uniform direction, moves in a straight line and reflects off the walls (the
velocity component that would leave the canvas changes sign). Overlapping digits are combined
by a pixel-wise maximum.

Record i of a split is a pure function of (variant, split, i, seed): the digits, start points
and directions come from a numpy generator seeded with those values, so any record can be
made in any order, on any host, without holding videos in memory (only MNIST itself, 55 MB).
Training videos use digits of the MNIST training split only, test videos the test split only.

Variants, selected by dataset name:

  moving_mnist        the standard: 2 digits, 20 frames, 64x64, 28x28 digits, 10k test videos
  moving_mnist_small  for a CPU: 1 digit, 16 frames, 32x32; the same geometry at half
                      resolution (trajectories are made on the 64x64 canvas, frames are then
                      2x2-average-pooled, so the digits are 14x14)

The speed is 0.1 of the free range (64 - 28 = 36 px) per frame, i.e. 3.6 px at 64x64, the
step length of the generator script published with the paper as we understand it.

Each record:
  "frames"       uint8 (T, H, W, 1)
  "labels"       int32 (digits,) the digit classes
  "trajectory"   float32 (T, digits, 2) each digit's top-left (row, col) on the output canvas,
                 before rounding
  "direction"    int32 () the first digit's initial heading in 8 bins of 45 degrees:
                 round(atan2(drow, dcol) / 45 deg) mod 8, so 0 right, 2 down, 4 left, 6 up
  "directions"   int32 (digits,) every digit's initial heading, binned so
  "digit_index"  int32 (digits,) the MNIST indices of the digits (of this split)
"""

import dataclasses
import functools
import math

import numpy as np

from jaxgan.data import records
from jaxgan.data import shipped_mnist

DIGIT_SIZE = 28        # MNIST digits, on the full-resolution canvas.
CANVAS = 64            # Trajectories are always computed on a 64x64 canvas.
STEP_FRACTION = 0.1    # Per-frame displacement as a fraction of the free range.
DIRECTIONS = 8
SEED = 2015            # Mixed with the config seed: the datasets differ from Stacked MNIST's.
SPLITS = ("train", "test")


@dataclasses.dataclass(frozen=True)
class Variant:
  num_digits: int
  num_frames: int
  size: int                      # Output canvas side: 64, or 32 (2x2 average pooled).
  num_videos: dict               # split -> number of records.

  @property
  def frame_shape(self) -> tuple:
    return (self.num_frames, self.size, self.size, 1)

  @property
  def digit_size(self) -> int:
    return DIGIT_SIZE * self.size // CANVAS


VARIANTS = {
    "moving_mnist": Variant(2, 20, 64, {"train": 60_000, "test": 10_000}),
    "moving_mnist_small": Variant(1, 16, 32, {"train": 60_000, "test": 10_000}),
}


def direction_bin(velocity) -> int:
  """The heading of a (drow, dcol) velocity in 8 bins of 45 degrees; 0 = right, 2 = down."""
  angle = math.atan2(float(velocity[0]), float(velocity[1]))
  return int(round(angle / (2 * math.pi / DIRECTIONS))) % DIRECTIONS


def trajectory(start, velocity, num_frames: int, free: float):
  """Positions [T, 2] of a point bouncing in [0, free]^2, and its velocities [T, 2].

  Reflection is exact: a step that crosses a wall ends where a ball bouncing at the wall
  would, and the crossing component of the velocity changes sign.
  """
  position = np.array(start, np.float64)
  velocity = np.array(velocity, np.float64)
  positions, velocities = [], []
  for _ in range(num_frames):
    positions.append(position.copy())
    velocities.append(velocity.copy())
    position = position + velocity
    for axis in range(2):
      if position[axis] < 0:
        position[axis], velocity[axis] = -position[axis], -velocity[axis]
      elif position[axis] > free:
        position[axis], velocity[axis] = 2 * free - position[axis], -velocity[axis]
  return np.stack(positions), np.stack(velocities)


def render(digits, positions, canvas: int = CANVAS) -> np.ndarray:
  """Frames uint8 [T, canvas, canvas]: each digit [28, 28] pasted at its rounded top-left
  position of every frame (positions [T, digits, 2]), overlaps combined by maximum."""
  num_frames = positions.shape[0]
  frames = np.zeros((num_frames, canvas, canvas), np.uint8)
  corners = np.rint(positions).astype(np.int64)
  size = digits.shape[-1]
  for t in range(num_frames):
    for d, digit in enumerate(digits):
      r, c = corners[t, d]
      window = frames[t, r:r + size, c:c + size]
      np.maximum(window, digit, out=window)
  return frames


def _pool2(frames: np.ndarray) -> np.ndarray:
  """2x2 average pooling of uint8 [T, H, W], rounded half up."""
  t, h, w = frames.shape
  blocks = frames.reshape(t, h // 2, 2, w // 2, 2).astype(np.uint16).sum(axis=(2, 4))
  return ((blocks + 2) // 4).astype(np.uint8)


@functools.lru_cache(maxsize=1)
def _mnist():
  arrays = shipped_mnist.load_arrays()
  for value in arrays.values():
    value.setflags(write=False)
  return arrays


class MovingMnistSource(records.Source):
  """A random-access source of Moving MNIST videos: `len(source)`, `source[i]` -> record."""

  def __init__(self, name: str, split: str, seed: int = 0, num_videos: int = 0):
    if name not in VARIANTS:
      raise ValueError(f"moving mnist variants are {sorted(VARIANTS)}, not {name!r}")
    if split not in SPLITS:
      raise ValueError(f"{name} has splits {list(SPLITS)}, not {split!r}")
    self.name, self.split, self.seed = name, split, int(seed)
    self.variant = VARIANTS[name]
    self._length = int(num_videos) or self.variant.num_videos[split]
    arrays = _mnist()
    self._images = arrays[f"{split}_images"]
    self._labels = arrays[f"{split}_labels"]

  def __len__(self) -> int:
    return self._length

  def __getitem__(self, index: int) -> dict:
    index = int(index)
    if not 0 <= index < self._length:
      raise IndexError(f"{self.name}/{self.split} has {self._length} videos, not index {index}")
    return self.record(index)

  def record(self, index: int) -> dict:
    v = self.variant
    rng = np.random.default_rng([SEED, self.seed, SPLITS.index(self.split), index])
    chosen = rng.integers(0, len(self._images), v.num_digits)
    free = CANVAS - DIGIT_SIZE
    paths, headings = [], []
    for _ in range(v.num_digits):
      start = rng.uniform(0.0, free, 2)
      theta = rng.uniform(0.0, 2 * math.pi)
      speed = STEP_FRACTION * free
      velocity = speed * np.array([math.sin(theta), math.cos(theta)])
      path, _ = trajectory(start, velocity, v.num_frames, free)
      paths.append(path)
      headings.append(velocity)
    positions = np.stack(paths, axis=1)                    # [T, digits, 2] on the 64 canvas
    frames = render(self._images[chosen], positions)
    scale = CANVAS // v.size
    if scale == 2:
      frames = _pool2(frames)
    return {
        "frames": frames[..., None],
        "labels": self._labels[chosen].astype(np.int32),
        "trajectory": (positions / scale).astype(np.float32),
        "direction": np.int32(direction_bin(headings[0])),
        "directions": np.array([direction_bin(h) for h in headings], np.int32),
        "digit_index": chosen.astype(np.int32),
    }

  def batch(self, indices) -> dict:
    """The records at `indices` stacked feature by feature."""
    made = [self[int(i)] for i in indices]
    return {key: np.stack([r[key] for r in made]) for key in made[0]}


def source(name: str, split: str, seed: int = 0) -> MovingMnistSource:
  """The factory sources.GENERATED holds (with the variant's name bound by partial)."""
  return MovingMnistSource(name, split, seed)
