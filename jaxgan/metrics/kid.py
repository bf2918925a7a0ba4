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


def _kernel_sum(x: np.ndarray, y: np.ndarray, degree: int, gamma: float, coef0: float,
                same: bool) -> float:
  """sum_ij k(x_i, y_j), or sum_{i!=j} k(x_i, x_j) when `same` (then y is x).

  In place and by repeated products: numpy's `** 3` on a 1000x1000 float64 matrix is a
  libm pow per element, which took as long as the matrix product itself on the 2-core CPU.
  `x @ x.T` (the same buffer transposed) is a symmetric rank-k update, half a product.
  """
  k = x @ x.T if same else x @ y.T
  k *= gamma
  k += coef0
  total = _power_sum(k, degree)
  if same:  # The diagonal, k(x_i, x_i), from the rows' squared norms.
    total -= float(np.sum((gamma * np.einsum("ij,ij->i", x, x) + coef0) ** degree))
  return total


def _power_sum(k: np.ndarray, degree: int) -> float:
  if float(degree) != int(degree) or degree < 1:
    return float(np.sum(k ** degree))
  power = k.copy() if degree > 1 else k
  for _ in range(int(degree) - 1):
    power *= k
  return float(power.sum())


def _mmd2_terms(x: np.ndarray, y: np.ndarray, degree: int, gamma: float, coef0: float,
                xx: float | None = None) -> tuple[float, float]:
  """(the x-x term, the y-y term minus twice the x-y term) of the unbiased MMD²; the x-x
  term is computed unless given."""
  m, n = len(x), len(y)
  if xx is None:
    xx = _kernel_sum(x, x, degree, gamma, coef0, same=True) / (m * (m - 1))
  yy = _kernel_sum(y, y, degree, gamma, coef0, same=True) / (n * (n - 1))
  xy = _kernel_sum(x, y, degree, gamma, coef0, same=False) / (m * n)
  return xx, yy - 2.0 * xy


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
  xx, rest = _mmd2_terms(x, y, degree, gamma, coef0)
  return float(xx + rest)


def kid(
  features_a,
  features_b,
  num_subsets: int = 100,
  subset_size: int = 1000,
  degree: int = 3,
  gamma: float | None = None,
  coef0: float = 1.0,
  seed: int = 0,
  cache: dict | None = None,
) -> dict:
  """KID between two [N, D] feature sets: mean and std of the unbiased MMD² over random subsets.

  Each of `num_subsets` rounds draws `subset_size` rows from each set without
  replacement (subset_size is clipped to the smaller set) and evaluates
  `polynomial_mmd2_unbiased`. The kernel (cubic, gamma = 1/D, coef0 = 1) is the
  paper's; 100 subsets of 1000 is the common setting of public implementations
  (e.g. torch-fidelity's defaults). Reported std is over subsets (ddof=0), an error
  bar of one subset's estimate, not of the mean.

  `cache`: a dict the caller keeps for one fixed `features_a` (an evaluator's reference
  features): it holds the a-a terms of the subsets, which depend only on `features_a`, the
  sizes and the seed, so scoring a second generator against the same reference skips them.

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
  if gamma is None:
    gamma = 1.0 / a.shape[1]
  key = (len(a), len(b), m, num_subsets, seed, degree, gamma, coef0)
  a_terms = cache.get(key) if cache is not None else None
  rng = np.random.default_rng(seed)
  vals = np.empty((num_subsets,), np.float64)
  xx_terms = []
  for i in range(num_subsets):
    xa = a[rng.choice(len(a), m, replace=False)]
    xb = b[rng.choice(len(b), m, replace=False)]
    xx, rest = _mmd2_terms(xa, xb, degree, gamma, coef0,
                           None if a_terms is None else a_terms[i])
    xx_terms.append(xx)
    vals[i] = xx + rest
  if cache is not None:
    cache[key] = xx_terms
  return {"mean": float(vals.mean()), "std": float(vals.std())}
