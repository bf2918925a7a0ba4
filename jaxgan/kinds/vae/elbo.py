"""The VAE's objective and its likelihood estimate, as pure functions of arrays.

Everything is per example (summed over pixels and latent dimensions) and in nats. A model
enters through two functions: `encode(x) -> (mean, logvar)` of a diagonal Gaussian q(z|x), and
`log_likelihood(x, z) -> log p(x|z)` per example. The prior is N(0, I).

  ELBO(x)    = E_q[log p(x|z)] - KL(q(z|x) || p(z))                       (Kingma & Welling 2014)
  IWAE_k(x)  = E[log (1/k) sum_i p(x, z_i) / q(z_i|x)],  z_i ~ q(z|x)          (Burda et al. 2016)

ELBO <= IWAE_k <= IWAE_{k+1} <= log p(x), and IWAE_k -> log p(x) as k grows, so -IWAE_k with
a large k (1000 by convention) is the "importance-weighted NLL" papers report.
"""

import math
from typing import Callable

import jax
import jax.numpy as jnp
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

_LOG_2PI = math.log(2.0 * math.pi)


def _sum_per_example(values):
  return jnp.sum(values.reshape((values.shape[0], -1)), axis=-1)


def gaussian_kl(mean, logvar):
  """KL(N(mean, exp(logvar)) || N(0, I)) per example, in closed form."""
  return 0.5 * _sum_per_example(jnp.exp(logvar) + jnp.square(mean) - 1.0 - logvar)


def log_normal(x, mean, logvar):
  """log N(x; mean, diag(exp(logvar))) per example."""
  return -0.5 * _sum_per_example(
      _LOG_2PI + logvar + jnp.square(x - mean) * jnp.exp(-logvar))


def log_standard_normal(z):
  return -0.5 * _sum_per_example(_LOG_2PI + jnp.square(z))


def bernoulli_log_likelihood(x, logits):
  """log Bernoulli(x; sigmoid(logits)) per example, for x in {0, 1}; stable for any logit."""
  return _sum_per_example(x * logits - jax.nn.softplus(logits))


def gaussian_log_likelihood(x, mean, log_scale):
  """log N(x; mean, exp(log_scale)^2) per example: a density, so it can be positive."""
  return log_normal(x, mean, 2.0 * log_scale)


def discretized_logistic_log_likelihood(x, mean, log_scale, num_bins: int = 256):
  """log P(x) per example for x on the `num_bins` levels of [-1, 1], under a logistic of
  (mean, exp(log_scale)) integrated over each level's bin; the end bins take the tails
  (the single-component form of Salimans et al. 2017, PixelCNN++)."""
  half_bin = 1.0 / (num_bins - 1)
  inv_scale = jnp.exp(-log_scale)
  upper = inv_scale * (x - mean + half_bin)
  lower = inv_scale * (x - mean - half_bin)
  # log(sigmoid(u) - sigmoid(l)) = log sigmoid(u) + log(1 - exp(l - u)) + log sigmoid(-l),
  # exact for u > l and free of the cancellation of subtracting two close CDFs.
  log_bin = (jax.nn.log_sigmoid(upper) + jax.nn.log_sigmoid(-lower)
             + jnp.log(-jnp.expm1(lower - upper)))
  log_cdf_upper = jax.nn.log_sigmoid(upper)    # The lowest level owns (-inf, x + half_bin).
  log_sf_lower = jax.nn.log_sigmoid(-lower)    # The highest owns (x - half_bin, inf).
  log_p = jnp.where(x < -1.0 + half_bin, log_cdf_upper,
                    jnp.where(x > 1.0 - half_bin, log_sf_lower, log_bin))
  return _sum_per_example(log_p)


def noise_sharding(like, leading_axes: int = 0):
  """The sharding for noise shaped like `like` (with `leading_axes` new unsharded axes in
  front): under an explicit mesh, noise must be laid out as the batch it is combined with."""
  sharding = jax.typeof(like).sharding
  if sharding.mesh.empty:
    return None
  return NamedSharding(sharding.mesh, P(*([None] * leading_axes), *sharding.spec))


def reparameterize(key, mean, logvar, num_samples: int | None = None):
  """z = mean + exp(logvar / 2) * eps; with `num_samples`, a leading axis of that size."""
  shape = mean.shape if num_samples is None else (num_samples, *mean.shape)
  eps = jax.random.normal(key, shape, mean.dtype,
                          out_sharding=noise_sharding(mean, len(shape) - mean.ndim))
  return mean + jnp.exp(0.5 * logvar) * eps


def elbo(key, x, encode: Callable, log_likelihood: Callable, beta: float = 1.0) -> dict:
  """One-sample reparameterised ELBO per example, with the KL term in closed form.

  Returns {"elbo", "objective", "log_likelihood", "kl"} (each [N]); `objective` is
  E[log p(x|z)] - beta * KL, the beta-VAE objective (Higgins et al. 2017), which is the ELBO
  for beta = 1 and what training maximises.
  """
  mean, logvar = encode(x)
  z = reparameterize(key, mean, logvar)
  log_px = log_likelihood(x, z)
  kl = gaussian_kl(mean, logvar)
  return {"elbo": log_px - kl, "objective": log_px - beta * kl, "log_likelihood": log_px,
          "kl": kl}


def log_mean_exp(log_values, axis: int = 0):
  """log(mean(exp(v))) along `axis`, shifted by the max so no exp overflows or underflows."""
  count = log_values.shape[axis]
  return jax.nn.logsumexp(log_values, axis=axis) - math.log(count)


def log_importance_weights(key, x, mean, logvar, log_likelihood: Callable, num_samples: int):
  """[num_samples, N] values of log p(x, z_i) - log q(z_i|x) with z_i ~ q(z|x)."""
  z = reparameterize(key, mean, logvar, num_samples)
  flat_z = z.reshape((-1, z.shape[-1]))
  flat_x = jnp.broadcast_to(x, (num_samples, *x.shape)).reshape((-1, *x.shape[1:]))
  log_px = log_likelihood(flat_x, flat_z).reshape((num_samples, -1))
  log_prior = log_standard_normal(flat_z).reshape((num_samples, -1))
  log_q = log_normal(flat_z, jnp.tile(mean, (num_samples, 1)),
                     jnp.tile(logvar, (num_samples, 1))).reshape((num_samples, -1))
  return log_px + log_prior - log_q


def iwae_bound(key, x, encode: Callable, log_likelihood: Callable, num_samples: int,
               chunk_size: int | None = None):
  """IWAE_k(x) per example ([N]), with k = `num_samples` drawn `chunk_size` at a time.

  The decoder runs on chunk_size * N latents at once, so memory stays bounded for k = 1000;
  the log weights of all chunks are kept (k * N floats) and combined with one log-mean-exp.
  The weights are computed in float32; with jax_enable_x64 the log-mean-exp runs in float64.
  """
  chunk_size = min(chunk_size or num_samples, num_samples)
  if num_samples % chunk_size:
    raise ValueError(f"num_samples={num_samples} must be a multiple of chunk_size={chunk_size}")
  mean, logvar = encode(x)
  keys = jax.random.split(key, num_samples // chunk_size)
  weights = jax.lax.map(
      lambda k: log_importance_weights(k, x, mean, logvar, log_likelihood, chunk_size), keys)
  weights = weights.reshape((num_samples, -1))
  wide = jnp.float64 if jax.config.jax_enable_x64 else jnp.float32
  return log_mean_exp(weights.astype(wide), axis=0)
