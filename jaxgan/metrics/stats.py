"""Streaming first and second moments of feature batches, in float64.

FID needs the mean and covariance of ~50k feature vectors; holding them all is
50k x 2048 x 8 bytes = 800 MB. `RunningMoments` folds batches in as they come
off the feature network and never keeps more than one batch.

It keeps (count, mean, M2) where M2 is the sum of outer products of deviations
from the running mean, and combines batches with the pairwise update of Chan,
Golub & LeVeque (1979). Compared with accumulating raw sums of x x^T and
subtracting n mu mu^T at the end, this avoids catastrophic cancellation when
the features have a large mean relative to their spread (ReLU/pool features are
all positive). Two accumulators merge exactly, so per-host or per-device
moments can be reduced afterwards.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RunningMoments", "moments"]


class RunningMoments:
  """Accumulates mean and unbiased covariance of [N, D] features batch by batch.

  >>> acc = RunningMoments()
  >>> for batch in batches:          # numpy or jax arrays, [B, D] (or [B, ...] -> flattened)
  ...     acc.update(batch)
  >>> mu, sigma = acc.result()       # float64 [D], [D, D]

  Accumulators are mergeable: `a.merge(b)` returns the moments of the union.
  """

  def __init__(self, dim: int | None = None):
    self.count = 0
    self.dim = dim
    self._mean = None if dim is None else np.zeros((dim,), np.float64)
    self._m2 = None if dim is None else np.zeros((dim, dim), np.float64)

  # -- accumulation -------------------------------------------------------
  def update(self, batch) -> "RunningMoments":
    """Folds a batch [B, D] (extra trailing dims are flattened) in place; returns self."""
    x = np.asarray(batch, dtype=np.float64)
    if x.ndim == 1:
      raise ValueError(
        f"RunningMoments.update: batch has shape {x.shape}; pass [batch, features] "
        "(use x[None] for a single vector)."
      )
    x = x.reshape(x.shape[0], -1)
    if x.shape[0] == 0:
      return self
    if self.dim is None:
      self.dim = x.shape[1]
      self._mean = np.zeros((self.dim,), np.float64)
      self._m2 = np.zeros((self.dim, self.dim), np.float64)
    elif x.shape[1] != self.dim:
      raise ValueError(
        f"RunningMoments.update: batch has {x.shape[1]} features but the accumulator "
        f"holds {self.dim}; feed features from the same layer."
      )
    b_mean = x.mean(axis=0)
    xc = x - b_mean
    self._combine(x.shape[0], b_mean, xc.T @ xc)
    return self

  def _combine(self, n_b: int, mean_b: np.ndarray, m2_b: np.ndarray) -> None:
    n_a = self.count
    n = n_a + n_b
    delta = mean_b - self._mean
    self._mean = self._mean + delta * (n_b / n)
    self._m2 = self._m2 + m2_b + np.outer(delta, delta) * (n_a * n_b / n)
    self.count = n

  def merge(self, other: "RunningMoments") -> "RunningMoments":
    """Returns a new accumulator holding the moments of both (neither input changes)."""
    out = RunningMoments()
    for acc in (self, other):
      if acc.count == 0:
        continue
      if out.dim is None:
        out.dim = acc.dim
        out._mean = np.zeros((acc.dim,), np.float64)
        out._m2 = np.zeros((acc.dim, acc.dim), np.float64)
      elif acc.dim != out.dim:
        raise ValueError(
          f"RunningMoments.merge: feature sizes differ ({out.dim} vs {acc.dim})."
        )
      out._combine(acc.count, acc._mean, acc._m2)
    return out

  __add__ = merge

  # -- results ------------------------------------------------------------
  @property
  def mean(self) -> np.ndarray:
    if self.count == 0:
      raise ValueError("RunningMoments.mean: no samples accumulated yet.")
    return self._mean.copy()

  def covariance(self) -> np.ndarray:
    """Unbiased (N - 1 denominator) covariance, like np.cov(x, rowvar=False)."""
    if self.count < 2:
      raise ValueError(
        f"RunningMoments.covariance: needs at least 2 samples, has {self.count}."
      )
    return self._m2 / (self.count - 1)

  def result(self) -> tuple[np.ndarray, np.ndarray]:
    """(mu [D], sigma [D, D]) in float64."""
    return self.mean, self.covariance()

  def __repr__(self) -> str:
    return f"RunningMoments(count={self.count}, dim={self.dim})"


def moments(features, batch_size: int = 4096) -> tuple[np.ndarray, np.ndarray]:
  """(mu, sigma) of an in-memory [N, D] array, accumulated in float64 batches."""
  acc = RunningMoments()
  n = len(features)
  for start in range(0, n, batch_size):
    acc.update(features[start:start + batch_size])
  return acc.result()
