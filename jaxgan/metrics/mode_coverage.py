"""Mode-collapse measurements: 2D Gaussian-mixture benchmarks, Stacked MNIST, class accuracy.

2D mixtures (ring of 8, grid of 25)
-----------------------------------
Protocol of VEEGAN (Srivastava et al., 2017), reused by PacGAN (Lin et al., 2018):
draw 2500 generator samples; a sample is *high quality* if it lies within 3
standard deviations of its nearest mode centre; a mode is *captured* if it is the
nearest centre of at least one high-quality sample (our `min_count=1`). Report
the number of modes captured and the fraction of high-quality samples. Later papers
make the count threshold stricter to ignore stray samples; `min_count` is the knob
(e.g. 20 of 2500 keeps a mode only if it gets ~6% of its fair 312 share on the ring).

Data defaults:
  ring: 8 modes on a circle of radius 2, std 0.02 per coordinate, the mixture of
        Metz et al. (2017, Unrolled GANs) that most ring experiments copy.
  grid: 5 x 5 modes at {-4, -2, 0, 2, 4}², std 0.05 (variance 0.0025), the 2D-grid
        of VEEGAN / PacGAN.
Papers differ in these constants (some rings use radius 1 or std 0.01); pass the
values of the paper you compare against, and use the same `std` for scoring as
for the data.

Stacked MNIST (Metz et al., 2017; VEEGAN; PacGAN)
------------------------------------------------
Three MNIST digits stacked as RGB channels give 10³ = 1000 modes. A pretrained MNIST
classifier labels each channel of each generated image (26k images in PacGAN); we
count the modes hit and the KL divergence of the empirical mode histogram to the
uniform distribution over the 1000 modes.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
  "ring_modes",
  "grid_modes",
  "sample_ring",
  "sample_grid",
  "sample_mixture",
  "mode_coverage_2d",
  "stacked_mnist_modes",
  "class_accuracy",
]

RING_STD = 0.02
GRID_STD = 0.05


# -- 2D mixtures --------------------------------------------------------------
def ring_modes(num_modes: int = 8, radius: float = 2.0) -> np.ndarray:
  """[num_modes, 2] centres at angles 2 pi i / num_modes on a circle (first at (radius, 0))."""
  theta = 2.0 * np.pi * np.arange(num_modes) / num_modes
  return radius * np.stack([np.cos(theta), np.sin(theta)], axis=1)


def grid_modes(side: int = 5, spacing: float = 2.0) -> np.ndarray:
  """[side², 2] centres of a square grid centred at 0 (side=5, spacing=2: coords in {-4,...,4})."""
  coords = (np.arange(side) - (side - 1) / 2.0) * spacing
  xx, yy = np.meshgrid(coords, coords, indexing="ij")
  return np.stack([xx.ravel(), yy.ravel()], axis=1)


def sample_mixture(key_or_rng, n: int, centres, std: float):
  """n samples from the equal-weight isotropic Gaussian mixture on `centres`.

  key_or_rng: a jax PRNG key (returns a float32 jax array, jit-friendly when n is
  static) or a numpy Generator / int seed (returns a float64 numpy array).
  """
  centres_np = np.asarray(centres, np.float64)
  k = centres_np.shape[0]
  if isinstance(key_or_rng, jax.Array):
    k_mode, k_noise = jax.random.split(key_or_rng)
    idx = jax.random.randint(k_mode, (n,), 0, k)
    noise = jax.random.normal(k_noise, (n, centres_np.shape[1]), jnp.float32)
    return jnp.asarray(centres_np, jnp.float32)[idx] + std * noise
  rng = (key_or_rng if isinstance(key_or_rng, np.random.Generator)
         else np.random.default_rng(key_or_rng))
  idx = rng.integers(0, k, size=n)
  return centres_np[idx] + std * rng.standard_normal((n, centres_np.shape[1]))


def sample_ring(key_or_rng, n: int, num_modes: int = 8, radius: float = 2.0, std: float = RING_STD):
  """n samples of the ring mixture (defaults: 8 modes, radius 2, std 0.02)."""
  return sample_mixture(key_or_rng, n, ring_modes(num_modes, radius), std)


def sample_grid(key_or_rng, n: int, side: int = 5, spacing: float = 2.0, std: float = GRID_STD):
  """n samples of the grid mixture (defaults: 5x5 modes at {-4,-2,0,2,4}², std 0.05)."""
  return sample_mixture(key_or_rng, n, grid_modes(side, spacing), std)


def mode_coverage_2d(samples, centres, std: float, num_std: float = 3.0,
                     min_count: int = 1) -> dict:
  """Modes captured and sample quality for a 2D mixture benchmark (VEEGAN/PacGAN protocol).

  Args:
    samples: [N, 2] generator samples (2500 in VEEGAN / PacGAN).
    centres: [K, 2] mode centres (`ring_modes()` / `grid_modes()`).
    std: the per-coordinate std of the data modes (0.02 ring, 0.05 grid by default).
    num_std: a sample is high quality if within num_std * std of its nearest centre (3).
    min_count: a mode is covered if it is the nearest centre of at least this many
      high-quality samples (1 in VEEGAN / PacGAN; raise it to ignore stray samples).
  Returns:
    dict(modes_covered=int, high_quality_fraction=float,
         mode_histogram=int array [K] of high-quality samples per mode).
  """
  x = np.asarray(samples, np.float64)
  c = np.asarray(centres, np.float64)
  if x.ndim != 2 or c.ndim != 2 or x.shape[1] != c.shape[1]:
    raise ValueError(
      f"mode_coverage_2d: need samples [N, D] and centres [K, D], got {x.shape} and {c.shape}.")
  if x.shape[0] == 0:
    raise ValueError("mode_coverage_2d: no samples.")
  d2 = np.sum((x[:, None, :] - c[None, :, :]) ** 2, axis=-1)  # [N, K]; K is small
  nearest = np.argmin(d2, axis=1)
  dist = np.sqrt(d2[np.arange(len(x)), nearest])
  hq = dist <= num_std * std
  hist = np.bincount(nearest[hq], minlength=c.shape[0])
  return {
    "modes_covered": int(np.sum(hist >= min_count)),
    "high_quality_fraction": float(hq.mean()),
    "mode_histogram": hist,
  }


# -- Stacked MNIST ------------------------------------------------------------
def stacked_mnist_modes(digit_predictions) -> dict:
  """Mode counts for Stacked MNIST from the classifier's digit per channel.

  Args:
    digit_predictions: int [N, 3], predicted digit (0-9) of channels 0, 1, 2.
  Returns:
    dict(modes_covered=int (of 1000), kl_to_uniform=float (nats; KL(p_hat || U_1000)),
         kl_marginals=float (nats; the sum over channels of KL(channel's digits || U_10)),
         mode_histogram=int array [1000] indexed by 100*d0 + 10*d1 + d2).
    kl_to_uniform = kl_marginals + the channels' multi-information, so kl_marginals says how
    much of the imbalance is over- or under-produced digits and the rest how much is digits
    that come together in the channels.
  """
  p = np.asarray(digit_predictions)
  if p.ndim != 2 or p.shape[1] != 3 or p.shape[0] == 0:
    raise ValueError(
      f"stacked_mnist_modes: need int [N, 3] digit predictions, got shape {p.shape}.")
  if not np.issubdtype(p.dtype, np.integer):
    raise ValueError(
      f"stacked_mnist_modes: predictions must be integers, got {p.dtype}; take argmax first.")
  if p.min() < 0 or p.max() > 9:
    raise ValueError(
      f"stacked_mnist_modes: digits must be in 0..9, got range [{p.min()}, {p.max()}].")
  mode = p[:, 0].astype(np.int64) * 100 + p[:, 1] * 10 + p[:, 2]
  hist = np.bincount(mode, minlength=1000)
  q = hist / hist.sum()
  nz = q > 0
  kl = float(np.sum(q[nz] * np.log(q[nz] * 1000.0)))
  kl_marginals = 0.0
  for channel in range(3):
    m = np.bincount(p[:, channel], minlength=10) / len(p)
    kl_marginals += float(np.sum(m[m > 0] * np.log(m[m > 0] * 10.0)))
  return {"modes_covered": int(np.sum(hist > 0)), "kl_to_uniform": kl,
          "kl_marginals": kl_marginals, "mode_histogram": hist}


# -- class balance of an unconditional generator -----------------------------
def class_shares(logits, confidence: float = 0.9) -> dict:
  """How a classifier reads a set of samples: each class's share of its readings, and how
  many samples it reads with probability above `confidence`.

  Args:
    logits: float [N, C], the classifier's logits on the samples.
  Returns:
    dict(shares=float [C] (sum 1), share_min, share_max, kl_to_uniform (nats; KL(shares ||
         U_C)), confident=float (fraction of samples whose top probability > confidence)).
  """
  z = np.asarray(logits, np.float64)
  if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] < 2:
    raise ValueError(f"class_shares: need float [N, C>=2] logits, got shape {z.shape}.")
  z = z - z.max(axis=1, keepdims=True)
  probabilities = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
  shares = np.bincount(z.argmax(axis=1), minlength=z.shape[1]) / z.shape[0]
  nonzero = shares > 0
  return {"shares": shares, "share_min": float(shares.min()), "share_max": float(shares.max()),
          "kl_to_uniform": float(np.sum(shares[nonzero] * np.log(shares[nonzero] * len(shares)))),
          "confident": float(np.mean(probabilities.max(axis=1) > confidence))}


# -- conditional models -------------------------------------------------------
def class_accuracy(predicted_labels, intended_labels, num_classes: int) -> dict:
  """How often a classifier recognises the class a conditional generator was asked for.

  Args:
    predicted_labels: int [N], classifier predictions on generated samples.
    intended_labels: int [N], the labels the generator was conditioned on.
    num_classes: number of classes C.
  Returns:
    dict(per_class=float [C] (NaN for classes never requested), mean=float (mean over
         requested classes), overall=float (fraction of all samples correct)).
  """
  pred = np.asarray(predicted_labels).reshape(-1)
  want = np.asarray(intended_labels).reshape(-1)
  if pred.shape != want.shape or pred.size == 0:
    raise ValueError(
      f"class_accuracy: predicted {pred.shape} and intended {want.shape} labels must have equal,"
      " non-empty shapes."
    )
  if want.min() < 0 or want.max() >= num_classes:
    raise ValueError(f"class_accuracy: intended labels must be in [0, {num_classes}).")
  correct = (pred == want).astype(np.float64)
  totals = np.bincount(want, minlength=num_classes).astype(np.float64)
  hits = np.bincount(want, weights=correct, minlength=num_classes)
  with np.errstate(invalid="ignore", divide="ignore"):
    per_class = np.where(totals > 0, hits / np.maximum(totals, 1), np.nan)
  return {
    "per_class": per_class,
    "mean": float(np.nanmean(per_class)),
    "overall": float(correct.mean()),
  }
