"""Kernel Inception Distance (Bińkowski et al., 2018).

KID is the unbiased estimator of the squared MMD between two feature sets under
the polynomial kernel k(x, y) = (gamma x·y + coef0)^degree, with the defaults
gamma = 1/D, coef0 = 1, degree = 3 of the paper. Its expectation is 0 when the two
distributions are equal (so single estimates can be slightly negative), and it is
averaged over random subsets to bound memory and to give an error bar.

Computed in float64 numpy; inputs may be numpy or jax arrays.
"""

from __future__ import annotations

import numpy as np

__all__ = ["kid", "polynomial_mmd2_unbiased"]


def _poly_kernel(x: np.ndarray, y: np.ndarray, degree: int, gamma: float,
                 coef0: float) -> np.ndarray:
  return (gamma * (x @ y.T) + coef0) ** degree


def polynomial_mmd2_unbiased(x, y, degree: int = 3, gamma: float | None = None,
                             coef0: float = 1.0) -> float:
  """Unbiased MMD² between samples x [m, D] and y [n, D] under the polynomial kernel.

  MMD²_u = sum_{i!=j} k(x_i,x_j) / (m(m-1)) + sum_{i!=j} k(y_i,y_j) / (n(n-1))
          - 2 mean_{i,j} k(x_i,y_j)
  """
  x = np.asarray(x, np.float64)
  y = np.asarray(y, np.float64)
  m, n = len(x), len(y)
  if m < 2 or n < 2:
    raise ValueError(f"polynomial_mmd2_unbiased: need >= 2 samples per set, got {m} and {n}.")
  if gamma is None:
    gamma = 1.0 / x.shape[1]
  k_xx = _poly_kernel(x, x, degree, gamma, coef0)
  k_yy = _poly_kernel(y, y, degree, gamma, coef0)
  k_xy = _poly_kernel(x, y, degree, gamma, coef0)
  sum_xx = k_xx.sum() - np.trace(k_xx)
  sum_yy = k_yy.sum() - np.trace(k_yy)
  return float(sum_xx / (m * (m - 1)) + sum_yy / (n * (n - 1)) - 2.0 * k_xy.mean())


def kid(
  features_a,
  features_b,
  num_subsets: int = 100,
  subset_size: int = 1000,
  degree: int = 3,
  gamma: float | None = None,
  coef0: float = 1.0,
  seed: int = 0,
) -> dict:
  """KID between two [N, D] feature sets: mean and std of the unbiased MMD² over random subsets.

  Each of `num_subsets` rounds draws `subset_size` rows from each set without
  replacement (subset_size is clipped to the smaller set) and evaluates
  `polynomial_mmd2_unbiased`. The kernel (cubic, gamma = 1/D, coef0 = 1) is the
  paper's; 100 subsets of 1000 is the common setting of public implementations
  (e.g. torch-fidelity's defaults). Reported std is over subsets (ddof=0), an error
  bar of one subset's estimate, not of the mean.

  Returns:
    dict(mean=float, std=float). Multiply by 1e3 for the "KID x 10³" usually tabulated.
  """
  a = np.asarray(features_a, np.float64)
  b = np.asarray(features_b, np.float64)
  if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
    raise ValueError(f"kid: need two [N, D] arrays with equal D, got {a.shape} and {b.shape}.")
  if num_subsets < 1:
    raise ValueError(f"kid: num_subsets must be >= 1, got {num_subsets}.")
  m = min(int(subset_size), len(a), len(b))
  if m < 2:
    raise ValueError(f"kid: need >= 2 samples per set (got {len(a)} and {len(b)}).")
  rng = np.random.default_rng(seed)
  vals = np.empty((num_subsets,), np.float64)
  for i in range(num_subsets):
    xa = a[rng.choice(len(a), m, replace=False)]
    xb = b[rng.choice(len(b), m, replace=False)]
    vals[i] = polynomial_mmd2_unbiased(xa, xb, degree=degree, gamma=gamma, coef0=coef0)
  return {"mean": float(vals.mean()), "std": float(vals.std())}
