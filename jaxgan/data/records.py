"""Random-access sources of records of named features: the one shape every dataset takes.

A source has `len(source)`, `source[i] -> {feature: np.ndarray}` and
`source.batch(indices) -> {feature: np.ndarray [len(indices), ...]}` (the pipeline's read).
`Source` gives `__getitems__` and `batch` from `record`; a generated dataset subclasses it and
computes record i from (split, i), or overrides `batch` to compute many at once.
"""

from typing import Mapping, Sequence

import numpy as np


class Source:
  """Base class: subclasses define `__len__` and `record(index)` (or `batch`)."""

  name: str = ""

  def __len__(self) -> int:
    raise NotImplementedError

  def record(self, index: int) -> dict[str, np.ndarray]:
    return {k: v[0] for k, v in self.batch(np.asarray([index])).items()}

  def batch(self, indices: Sequence[int]) -> dict[str, np.ndarray]:
    records = [self.record(int(i)) for i in indices]
    return {k: np.stack([r[k] for r in records]) for k in records[0]}

  def __getitem__(self, index: int) -> dict[str, np.ndarray]:
    index = int(index)
    if not -len(self) <= index < len(self):
      raise IndexError(f"record {index} of a source of {len(self)}")
    return self.record(index % len(self))

  def __getitems__(self, indices: Sequence[int]) -> list[dict[str, np.ndarray]]:
    batch = self.batch(np.asarray(indices))
    return [{k: v[j] for k, v in batch.items()} for j in range(len(indices))]


class ArraySource(Source):
  """A dict of equal-length arrays as a source (MNIST-sized tables; tests' stand-ins)."""

  def __init__(self, arrays: Mapping[str, np.ndarray], name: str = ""):
    lengths = {len(a) for a in arrays.values()}
    if len(lengths) != 1:
      raise ValueError(f"arrays of different lengths: { {k: len(a) for k, a in arrays.items()} }")
    self.arrays, self.name = dict(arrays), name
    self._length = lengths.pop()

  def __len__(self) -> int:
    return self._length

  def batch(self, indices) -> dict[str, np.ndarray]:
    indices = np.asarray(indices, np.int64)
    return {k: a[indices] for k, a in self.arrays.items()}


def as_source(made, name: str = "") -> Source:
  """A factory's result as a source: dicts of arrays are wrapped in ArraySource."""
  if isinstance(made, Mapping):
    return ArraySource(made, name)
  return made
