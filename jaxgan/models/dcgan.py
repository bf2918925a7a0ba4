"""DCGAN networks (Radford et al. 2016) at the exact sizes our PyTorch benchmark mirrors.

Paddings are PyTorch's: Conv(k4, s2, p1) halves the size and ConvTranspose(k4, s2, p1)
doubles it; for a transposed convolution PyTorch's padding p is k-1-p on the dilated input.
"""

from typing import Sequence

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.models import batch_norm
from jaxgan.models import conditioning
from jaxgan.models import heads
from jaxgan.models import layers
from jaxgan.models import minibatch_std

_HALVE = ((1, 1), (1, 1))    # Conv k4 s2 p1
_SAME3 = ((1, 1), (1, 1))    # Conv k3 s1 p1
_DOUBLE = ((2, 2), (2, 2))   # ConvTranspose k4 s2 p1


def _batch_norm(train: bool):
  # momentum 0.9 and eps 1e-5 are PyTorch's BatchNorm defaults (its momentum=0.1).
  return batch_norm.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5)


class DCGANGenerator(nn.Module):
  """z -> Dense(base) -> BN, ReLU -> [ConvT k4 s2 -> BN, ReLU]* -> (ConvT | Conv k3) -> tanh."""
  base_size: int = 7
  base_features: int = 128
  up_features: Sequence[int] = (64,)
  out_channels: int = 1
  final_conv: bool = False       # True: a last k3 conv makes the image; False: the last ConvT does
  num_classes: int = 0
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, z, y=None, train: bool = True):
    h = conditioning.concat_one_hot(z, y, self.num_classes)
    h = nn.Dense(self.base_size * self.base_size * self.base_features)(h)
    h = h.reshape((z.shape[0], self.base_size, self.base_size, self.base_features))
    h = nn.relu(_batch_norm(train)(h))
    for features in self.up_features:
      h = layers.ConvTranspose(features, (4, 4), (2, 2), _DOUBLE, impl=self.conv_impl)(h)
      h = nn.relu(_batch_norm(train)(h))
    if self.final_conv:
      h = layers.Conv(self.out_channels, (3, 3), (1, 1), _SAME3, impl=self.conv_impl)(h)
    else:
      h = layers.ConvTranspose(self.out_channels, (4, 4), (2, 2), _DOUBLE, impl=self.conv_impl)(h)
    return jnp.tanh(h)


class DCGANMnistDiscriminator(nn.Module):
  """Conv 64 k4s2 -> LReLU -> Conv 128 k4s2 -> BN -> LReLU -> Dense 1 (+ heads.py's heads).

  `features` widens it: the convolutions have `features` and 2 * `features` channels."""
  features: int = 64
  num_classes: int = 0
  conv_impl: str = "auto"
  aux_classes: int = 0                # ACGAN's classifier head
  code_dims: Sequence[int] = (0, 0)   # InfoGAN's Q head: (categorical, continuous)
  minibatch_std: int = 0              # Group size of the minibatch-stddev channel; 0: none.
  # False drops the BatchNorm: examples then do not interact in D, as the gradient
  # penalties (R1, R2) assume.
  batch_norm: bool = True

  @nn.compact
  def __call__(self, x, y=None, train: bool = True):
    h = layers.Conv(self.features, (4, 4), (2, 2), _HALVE, impl=self.conv_impl)(x)
    h = nn.leaky_relu(h, 0.2)
    h = layers.Conv(2 * self.features, (4, 4), (2, 2), _HALVE, impl=self.conv_impl)(h)
    h = nn.leaky_relu(_batch_norm(train)(h) if self.batch_norm else h, 0.2)
    h = minibatch_std.maybe_append(h, self.minibatch_std)
    features = h.reshape((h.shape[0], -1))
    logits = nn.Dense(1)(conditioning.concat_one_hot(features, y, self.num_classes))[:, 0]
    return heads.with_auxiliary(logits, features, train, self.aux_classes, self.code_dims)


class DCGANCifarDiscriminator(nn.Module):
  """The 7-conv CIFAR discriminator (3x3 and 4x4/2 alternating), LReLU 0.1, Dense 1."""
  num_classes: int = 0
  conv_impl: str = "auto"
  aux_classes: int = 0
  code_dims: Sequence[int] = (0, 0)
  minibatch_std: int = 0              # Group size of the minibatch-stddev channel; 0: none.

  @nn.compact
  def __call__(self, x, y=None, train: bool = True):
    h = x
    for features, kernel, stride in [(64, 3, 1), (64, 4, 2), (128, 3, 1), (128, 4, 2),
                                     (256, 3, 1), (256, 4, 2), (512, 3, 1)]:
      if features == 512:  # Karras et al. put it before the last convolution.
        h = minibatch_std.maybe_append(h, self.minibatch_std)
      h = layers.Conv(features, (kernel, kernel), (stride, stride), ((1, 1), (1, 1)),
                      impl=self.conv_impl)(h)
      h = nn.leaky_relu(h, 0.1)
    features = h.reshape((h.shape[0], -1))
    logits = nn.Dense(1)(conditioning.concat_one_hot(features, y, self.num_classes))[:, 0]
    return heads.with_auxiliary(logits, features, train, self.aux_classes, self.code_dims)
