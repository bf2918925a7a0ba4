"""Image-to-image tasks generated from the shipped MNIST, as random-access sources.

Record i of a split is a function of (task, split, i) alone: its randomness comes from
`np.random.default_rng([SEED, task, split, i])`, so any worker can build any record, in any
order, and a resumed run reads the same data. Every record keeps the digit's `label`, for the
label-preservation metrics.

Paired (pix2pix):
  mnist_inpaint_centre / _boxes / _strokes   source = the digit with a hole (grey 128),
      target = the digit, mask = 255 in the hole, 0 elsewhere (uint8 [28, 28, 1], so it
      reaches the step as +1 / -1 like every uint8 feature); see jaxgan/data/masks.py
  mnist_edges2digit   source = the digit's outline (the one-pixel contour just outside the
      thresholded digit: its 3x3 dilation minus itself), target = the digit
Unpaired (CycleGAN), two domains of 28x28x3 images built from disjoint halves of each MNIST
split, so no record of one has its partner in the other:
  mnist_grey3    domain A: the first half's digits, grey (R = G = B)
  mnist_colour   domain B: the second half's digits, strokes tinted one random fully
                 saturated hue per record, on black
"""

import functools

import numpy as np

from jaxgan.data import masks
from jaxgan.data import records
from jaxgan.data import shipped_mnist

SEED = 1515
SPLITS = ("train", "test")
HOLE_VALUE = 128     # Grey: 0 in the model's [-1, 1], distinct from MNIST's black background.
TASKS = ("inpaint_centre", "inpaint_boxes", "inpaint_strokes", "edges2digit", "grey3", "colour")


@functools.lru_cache(maxsize=1)
def _mnist():
  arrays = shipped_mnist.load_arrays()
  for array in arrays.values():
    array.setflags(write=False)
  return arrays


def edges(digit: np.ndarray) -> np.ndarray:
  """uint8 [H, W]: 255 on the contour around the thresholded digit (3x3 dilation minus the
  digit), so the generator must fill the shape in, not copy it."""
  on = digit > 127
  padded = np.pad(on, 1)
  h, w = digit.shape
  dilated = np.stack([padded[r:r + h, c:c + w] for r in range(3) for c in range(3)]).any(0)
  return np.where(dilated & ~on, 255, 0).astype(np.uint8)


def tint(digit: np.ndarray, hue: float) -> np.ndarray:
  """uint8 [H, W, 3]: the grey digit times a fully saturated colour of `hue` in [0, 1)."""
  k = (np.array([5.0, 3.0, 1.0]) + hue * 6) % 6           # HSV -> RGB with S = V = 1.
  colour = 1 - np.clip(np.minimum(k, 4 - k), 0, 1)
  return np.round(digit[..., None].astype(np.float64) * colour).astype(np.uint8)


class MnistTask(records.Source):
  """A random-access source (data/records.py): len(), record(i) -> {feature: np.ndarray};
  the base class gives [i], batch(indices) and __getitems__."""

  def __init__(self, task: str, split: str):
    if task not in TASKS:
      raise ValueError(f"unknown MNIST task {task!r}; one of {TASKS}")
    if split not in SPLITS:
      raise ValueError(f"mnist_{task} has splits {list(SPLITS)}, not {split!r}")
    self.task, self.split = task, split
    count = len(_mnist()[f"{split}_labels"])
    half = count // 2
    # The unpaired domains split MNIST in two; the paired tasks use all of it.
    self._offset = half if task == "colour" else 0
    self._length = half if task in ("grey3", "colour") else count

  def __len__(self) -> int:
    return self._length

  def record(self, index: int) -> dict[str, np.ndarray]:
    index = int(index)
    if not 0 <= index < self._length:
      raise IndexError(f"mnist_{self.task}[{self.split}] has {self._length} records, not {index}")
    arrays = _mnist()
    mnist_index = self._offset + index
    digit = arrays[f"{self.split}_images"][mnist_index]
    label = np.int32(arrays[f"{self.split}_labels"][mnist_index])
    rng = np.random.default_rng([SEED, TASKS.index(self.task), SPLITS.index(self.split), index])
    if self.task.startswith("inpaint_"):
      hole = masks.make(self.task.removeprefix("inpaint_"), rng, *digit.shape)
      source = np.where(hole, HOLE_VALUE, digit).astype(np.uint8)
      return {"source": source[..., None], "target": digit[..., None],
              "mask": np.where(hole, 255, 0).astype(np.uint8)[..., None], "label": label}
    if self.task == "edges2digit":
      return {"source": edges(digit)[..., None], "target": digit[..., None], "label": label}
    if self.task == "grey3":
      return {"image": np.repeat(digit[..., None], 3, -1), "label": label}
    return {"image": tint(digit, rng.uniform()), "label": label}


def features(task: str) -> dict[str, tuple[tuple, str]]:
  """{feature: (shape, stored dtype)} of a task's records."""
  if task.startswith("inpaint_"):
    return {"source": ((28, 28, 1), "uint8"), "target": ((28, 28, 1), "uint8"),
            "mask": ((28, 28, 1), "uint8"), "label": ((), "int32")}
  if task == "edges2digit":
    return {"source": ((28, 28, 1), "uint8"), "target": ((28, 28, 1), "uint8"),
            "label": ((), "int32")}
  return {"image": ((28, 28, 3), "uint8"), "label": ((), "int32")}


# Dataset name -> factory(split) -> source, as data/sources.GENERATED lists them.
SOURCES = {f"mnist_{task}": functools.partial(MnistTask, task) for task in TASKS}
