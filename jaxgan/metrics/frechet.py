"""Fréchet distance between Gaussians fitted to features (FID for Inception pool3 features).

    d² = ||mu1 - mu2||² + tr(S1) + tr(S2) - 2 tr((S1 S2)^{1/2})        (Heusel et al., 2017)

Everything is float64 numpy; inputs may be numpy or jax arrays of any float dtype.

How the trace term is computed (method="eigh", the default)
-----------------------------------------------------------
S1 S2 is not symmetric, so its square root via scipy.linalg.sqrtm goes through a
complex Schur decomposition. With finite samples (N close to or below D) the
product is singular or nearly so; sqrtm then returns non-finite values or
spurious imaginary parts, which is why the reference implementation retries with
eps * I added to both covariances and throws away imaginary parts after a check.

We use instead that S1 S2 is similar to the symmetric PSD matrix
M = S1^{1/2} S2 S1^{1/2} (AB and BA have the same non-zero eigenvalues; take
A = S1^{1/2}, B = S1^{1/2} S2), so tr((S1 S2)^{1/2}) = sum_i sqrt(lambda_i(M)).
Both steps are symmetric eigendecompositions (LAPACK syevd), which are backward
stable, always real, and well defined for singular covariances; rounding can only
make eigenvalues that are truly 0 come out as ~ ±1e-16 * ||M||, which we set to
0 (see `_zero_tiny`). No eps, no retry, no complex arithmetic, and it is faster
than sqrtm at D=2048 (3 s vs 14 s on 2 CPU cores).

method="sqrtm" reproduces the reference recipe (scipy sqrtm of S1 S2, eps
retry, imaginary-part check) for comparison with published numbers; the two
agree to ~1e-6 relative on well-conditioned inputs.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg

from jaxgan.metrics.stats import moments

__all__ = ["frechet_distance", "fid_from_features", "trace_sqrt_product"]


def _as_f64(x, name: str, ndim: int) -> np.ndarray:
  a = np.asarray(x, dtype=np.float64)
  if a.ndim != ndim:
    raise ValueError(f"frechet_distance: {name} must have {ndim} dims, got shape {a.shape}.")
  if not np.all(np.isfinite(a)):
    raise ValueError(f"frechet_distance: {name} contains NaN or inf; check the features.")
  return a


def _zero_tiny(w: np.ndarray) -> np.ndarray:
  """Eigenvalues at rounding level (|w| <= D * eps * max|w|, as in np.linalg.pinv) -> 0.

  The square root amplifies rounding: an eigenvalue that is truly 0 but computed as
  1e-16 * ||M|| would add 1e-8 * sqrt(||M||) to the trace, and covariances from
  N < D samples have D - N + 1 of them. Dropping eigenvalues below the tolerance
  changes a true answer by at most sqrt(tol) each, the same bound the noise had.
  """
  tol = w.shape[0] * np.finfo(np.float64).eps * max(float(np.max(np.abs(w))), 1e-300)
  return np.where(w > tol, w, 0.0)


def _check_psd(w: np.ndarray, name: str) -> None:
  scale = max(float(np.max(np.abs(w))), 1e-300)
  if w.min() < -1e-6 * scale:
    warnings.warn(
      f"frechet_distance: {name} has a clearly negative eigenvalue ({w.min():.3g}, "
      f"largest |eig| {scale:.3g}); it is not a covariance matrix. Clipping to 0.",
      stacklevel=3,
    )


def trace_sqrt_product(sigma1, sigma2) -> float:
  """tr((S1 S2)^{1/2}) for symmetric PSD S1, S2, via eigh of S1^{1/2} S2 S1^{1/2}."""
  s1 = np.asarray(sigma1, np.float64)
  s2 = np.asarray(sigma2, np.float64)
  w1, v1 = np.linalg.eigh(s1)
  _check_psd(w1, "sigma1")
  r = (v1 * np.sqrt(_zero_tiny(w1))) @ v1.T
  m = r @ s2 @ r
  m = 0.5 * (m + m.T)  # exact symmetry for eigvalsh
  ev = np.linalg.eigvalsh(m)
  _check_psd(ev, "sigma1^1/2 sigma2 sigma1^1/2 (so sigma2)")
  return float(np.sum(np.sqrt(_zero_tiny(ev))))


def _trace_sqrt_product_sqrtm(s1: np.ndarray, s2: np.ndarray, eps: float = 1e-6) -> float:
  """Reference recipe: sqrtm(S1 S2), retried with eps*I if singular; imaginary parts checked."""
  def sqrtm(a):
    out = scipy.linalg.sqrtm(a)
    return out[0] if isinstance(out, tuple) else out

  covmean = sqrtm(s1 @ s2)
  if not np.all(np.isfinite(covmean)):
    offset = np.eye(s1.shape[0]) * eps
    covmean = sqrtm((s1 + offset) @ (s2 + offset))
  if np.iscomplexobj(covmean):
    if not np.allclose(np.diagonal(covmean).imag, 0.0, atol=1e-3):
      raise ValueError(
        "frechet_distance(method='sqrtm'): sqrtm has a large imaginary component "
        f"({np.max(np.abs(covmean.imag)):.3g}); use method='eigh'."
      )
    covmean = covmean.real
  return float(np.trace(covmean))


def frechet_distance(mu1, sigma1, mu2, sigma2, method: str = "eigh") -> float:
  """Fréchet (2-Wasserstein) distance² between N(mu1, sigma1) and N(mu2, sigma2), float64.

  Args:
    mu1, mu2: [D] means. sigma1, sigma2: [D, D] covariances (symmetric PSD).
    method: "eigh" (default; see module docstring for why) or "sqrtm" (reference recipe).
  Returns:
    The squared distance as a Python float (FID when the inputs are Inception statistics).
  """
  mu1 = _as_f64(mu1, "mu1", 1)
  mu2 = _as_f64(mu2, "mu2", 1)
  s1 = _as_f64(sigma1, "sigma1", 2)
  s2 = _as_f64(sigma2, "sigma2", 2)
  d = mu1.shape[0]
  for name, a, shape in (("mu2", mu2, (d,)), ("sigma1", s1, (d, d)), ("sigma2", s2, (d, d))):
    if a.shape != shape:
      raise ValueError(
        f"frechet_distance: {name} has shape {a.shape}, expected {shape} to match mu1 {mu1.shape}."
      )
  for name, s in (("sigma1", s1), ("sigma2", s2)):
    if not np.allclose(s, s.T, rtol=1e-5, atol=1e-8 * max(1.0, float(np.abs(s).max()))):
      raise ValueError(f"frechet_distance: {name} is not symmetric; pass a covariance matrix.")
  if method == "eigh":
    tr_covmean = trace_sqrt_product(s1, s2)
  elif method == "sqrtm":
    tr_covmean = _trace_sqrt_product_sqrtm(s1, s2)
  else:
    raise ValueError(f"frechet_distance: unknown method {method!r}; use 'eigh' or 'sqrtm'.")
  diff = mu1 - mu2
  return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * tr_covmean)


def fid_from_features(feats_a, feats_b, method: str = "eigh") -> float:
  """Fréchet distance between Gaussians fitted (float64, unbiased cov) to two [N, D] sets."""
  a = np.asarray(feats_a)
  b = np.asarray(feats_b)
  if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
    raise ValueError(
      f"fid_from_features: need two [N, D] arrays with equal D, got {a.shape} and {b.shape}."
    )
  if min(len(a), len(b)) < 2:
    raise ValueError("fid_from_features: need at least 2 samples in each set.")
  mu_a, sig_a = moments(a)
  mu_b, sig_b = moments(b)
  return frechet_distance(mu_a, sig_a, mu_b, sig_b, method=method)
