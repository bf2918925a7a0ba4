"""Inception Score (Salimans et al., 2016) from classifier logits, in float64.

    IS = exp( E_x KL( p(y|x) || p(y) ) ),   p(y) = E_x p(y|x)

computed per split of the samples (10 splits of 50k in the original protocol);
the mean and std over splits are reported. Everything is done in log space:
log p(y|x) by a float64 log-softmax and log p(y) by a log-mean-exp over the
split, so confident classifiers (logits ~ ±100, or -inf) give exact answers.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

__all__ = ["inception_score", "log_softmax64"]


def log_softmax64(logits) -> np.ndarray:
  """float64 log-softmax over the last axis; -inf logits give -inf log-probs."""
  x = np.asarray(logits, np.float64)
  return x - logsumexp(x, axis=-1, keepdims=True)


def _split_score(logp: np.ndarray) -> float:
  n = logp.shape[0]
  log_py = logsumexp(logp, axis=0) - np.log(n)  # log of the split's marginal p(y)
  p = np.exp(logp)
  # p * (log p - log p_y), with 0 * anything = 0 (log p = -inf where p = 0).
  # A class no sample predicts has log p_y = -inf; its terms are all 0 anyway.
  pos = p > 0
  safe = np.where(pos, logp, 0.0) - np.where(np.isfinite(log_py), log_py, 0.0)
  terms = np.where(pos, p * safe, 0.0)
  kl = terms.sum(axis=1)
  return float(np.exp(kl.mean()))


def inception_score(logits, num_splits: int = 10) -> dict:
  """Inception Score of [N, C] classifier logits.

  Args:
    logits: [N, C] pre-softmax scores (numpy or jax; any float dtype; -inf allowed).
      For the standard IS these are the 1008-way logits of the Inception net; any
      classifier works for dataset-specific variants (e.g. an MNIST classifier).
    num_splits: the samples are cut, in order, into this many near-equal contiguous
      splits (np.array_split); shuffle beforehand if order is correlated with class.
  Returns:
    dict(mean=float, std=float) over splits (std with ddof=0, as in the original code).
  """
  logp = log_softmax64(logits)
  if logp.ndim != 2:
    raise ValueError(f"inception_score: logits must be [N, C], got shape {logp.shape}.")
  if not np.all(np.isfinite(logp) | (logp == -np.inf)):
    raise ValueError("inception_score: logits contain NaN or +inf (or a row is all -inf).")
  n = logp.shape[0]
  if not 1 <= num_splits <= n:
    raise ValueError(f"inception_score: num_splits must be in [1, N={n}], got {num_splits}.")
  scores = np.array([_split_score(s) for s in np.array_split(logp, num_splits, axis=0)])
  return {"mean": float(scores.mean()), "std": float(scores.std())}
