"""How the VAE scores pixels. Data comes from the pipeline as float32 images in [-1, 1]; each
likelihood says how the step turns them into what the decoder models:
  bernoulli            dynamically binarised pixels: x ~ Bernoulli((image + 1) / 2), drawn
                       afresh every step (the test set once, with a fixed seed);
  gaussian             dequantised pixels in [0, 1]: (level + u) / 256, u ~ U[0, 1); a density;
  logistic             the 256 levels of [-1, 1] under a discretised logistic: a probability.
"""

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp

from jaxgan.kinds.vae import elbo

_MIN_LOG_SCALE = -7.0         # Keeps a decoder's scale from collapsing onto exact pixels.


class Likelihood(NamedTuple):
  outputs_per_pixel: int
  prepare: Callable      # (key, images in [-1, 1]) -> the data x the model scores.
  log_prob: Callable     # (x, decoder outputs) -> log p(x|z) per example.
  mean_image: Callable   # decoder outputs -> the mean of p(x|z), mapped to [-1, 1].


def _split_location_scale(out):
  location, log_scale = jnp.split(out, 2, axis=-1)
  return location, jnp.maximum(log_scale, _MIN_LOG_SCALE)


def _binarise(key, images):
  uniform = jax.random.uniform(key, images.shape, out_sharding=elbo.noise_sharding(images))
  return (uniform < (images + 1.0) * 0.5).astype(jnp.float32)


def _dequantise(key, images):
  levels = jnp.round((images + 1.0) * 127.5)
  uniform = jax.random.uniform(key, images.shape, out_sharding=elbo.noise_sharding(images))
  return (levels + uniform) / 256.0


def _gaussian_log_prob(x, out):
  location, log_scale = _split_location_scale(out)
  return elbo.gaussian_log_likelihood(x, jax.nn.sigmoid(location), log_scale)


def _logistic_log_prob(x, out):
  location, log_scale = _split_location_scale(out)
  return elbo.discretized_logistic_log_likelihood(x, location, log_scale)


LIKELIHOODS: dict[str, Likelihood] = {
    "bernoulli": Likelihood(1, _binarise, elbo.bernoulli_log_likelihood,
                            lambda out: 2.0 * jax.nn.sigmoid(out) - 1.0),
    "gaussian": Likelihood(2, _dequantise, _gaussian_log_prob,
                           lambda out: 2.0 * jax.nn.sigmoid(jnp.split(out, 2, -1)[0]) - 1.0),
    "logistic": Likelihood(2, lambda key, images: images, _logistic_log_prob,
                           lambda out: jnp.clip(jnp.split(out, 2, -1)[0], -1.0, 1.0)),
}
