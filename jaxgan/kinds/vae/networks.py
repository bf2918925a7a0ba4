"""VAE encoders and decoders: the MLP of Kingma & Welling (2014) and a convolutional pair.

An encoder maps images [N, H, W, C] to the (mean, logvar) of a diagonal Gaussian q(z|x); a
decoder maps latents [N, D] to raw per-pixel outputs [N, H, W, C * outputs_per_pixel] that a
likelihood in jaxgan/kinds/vae/likelihoods.py reads (Bernoulli logits, or a location and a log-scale).
`VAE(encoder, decoder)` holds both, so one `init` creates all parameters, and
`apply(v, x, method="encode")` / `apply(v, z, method="decode")` run each half.
"""

import math
from typing import Callable, Sequence

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.models import layers

_HALVE = ((1, 1), (1, 1))    # k4 s2 p1: 28 -> 14 -> 7.
_DOUBLE = ((2, 2), (2, 2))   # The transposed k4 s2 p1 (PyTorch's p=1 is k-1-p on the dilated input).


class MLPEncoder(nn.Module):
  latent_dim: int
  hidden_sizes: Sequence[int] = (500,)

  @nn.compact
  def __call__(self, x):
    h = x.reshape((x.shape[0], -1))
    for size in self.hidden_sizes:
      h = nn.relu(nn.Dense(size)(h))
    return nn.Dense(self.latent_dim, name="mean")(h), nn.Dense(self.latent_dim, name="logvar")(h)


class MLPDecoder(nn.Module):
  image_shape: Sequence[int]
  outputs_per_pixel: int = 1
  hidden_sizes: Sequence[int] = (500,)

  @nn.compact
  def __call__(self, z):
    h = z
    for size in self.hidden_sizes:
      h = nn.relu(nn.Dense(size)(h))
    height, width, channels = self.image_shape
    out = nn.Dense(height * width * channels * self.outputs_per_pixel)(h)
    return out.reshape((z.shape[0], height, width, channels * self.outputs_per_pixel))


class ConvEncoder(nn.Module):
  """Two k4 s2 convolutions (32, 64 channels), a dense layer, then the Gaussian's parameters."""
  latent_dim: int
  features: Sequence[int] = (32, 64)
  dense_size: int = 256
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x):
    h = x
    for features in self.features:
      h = nn.relu(layers.Conv(features, (4, 4), 2, _HALVE, impl=self.conv_impl)(h))
    h = nn.relu(nn.Dense(self.dense_size)(h.reshape((h.shape[0], -1))))
    return nn.Dense(self.latent_dim, name="mean")(h), nn.Dense(self.latent_dim, name="logvar")(h)


class ConvDecoder(nn.Module):
  """The encoder mirrored: dense layers to a (H/4, W/4, 64) map, two k4 s2 transposed convs."""
  image_shape: Sequence[int]
  outputs_per_pixel: int = 1
  features: Sequence[int] = (64, 32)
  dense_size: int = 256
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, z):
    height, width, channels = self.image_shape
    scale = 2 ** len(self.features)
    base = (height // scale, width // scale, self.features[0])
    h = nn.relu(nn.Dense(self.dense_size)(z))
    h = nn.relu(nn.Dense(math.prod(base))(h)).reshape((z.shape[0], *base))
    for features in self.features[1:]:
      h = nn.relu(layers.ConvTranspose(features, (4, 4), 2, _DOUBLE, impl=self.conv_impl)(h))
    return layers.ConvTranspose(channels * self.outputs_per_pixel, (4, 4), 2, _DOUBLE,
                                impl=self.conv_impl)(h)


class VAE(nn.Module):
  encoder: nn.Module
  decoder: nn.Module

  def __call__(self, x, train: bool = False):
    """Encodes and decodes the posterior mean: used to create every parameter at once."""
    del train  # No dropout or batch statistics.
    mean, _ = self.encoder(x)
    return self.decoder(mean)

  def encode(self, x):
    return self.encoder(x)

  def decode(self, z):
    return self.decoder(z)


def _mlp(cfg, image_shape, outputs_per_pixel):
  hidden = tuple(cfg.vae.hidden_sizes)
  return VAE(MLPEncoder(cfg.model.latent_dim, hidden),
             MLPDecoder(tuple(image_shape), outputs_per_pixel, hidden[::-1]))


def _conv(cfg, image_shape, outputs_per_pixel):
  impl = cfg.model.conv_impl
  return VAE(ConvEncoder(cfg.model.latent_dim, conv_impl=impl),
             ConvDecoder(tuple(image_shape), outputs_per_pixel, conv_impl=impl))


# config.model.architecture -> a builder of (config, image_shape, outputs_per_pixel) -> VAE.
VAE_ARCHITECTURES: dict[str, Callable] = {
    "mlp_vae": _mlp,
    "conv_vae": _conv,
}
