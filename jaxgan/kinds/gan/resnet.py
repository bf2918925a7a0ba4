"""ResNet generator and discriminator for 32x32 images, in the style of SNGAN.

Miyato et al. 2018 (Appendix B.4, after Gulrajani et al. 2017): G maps z through a Dense layer
to 4x4x256, three up-sampling residual blocks (256 channels), BN, ReLU, a 3x3 convolution and
tanh. D has four residual blocks of 128 channels (the first two down-sample; the first is the
"optimized" block that starts from the image), ReLU, a global sum pool and a Dense output,
with spectral normalisation on every layer. Options: SAGAN's self-attention at one
resolution (Zhang et al. 2019), conditional BN in G with a projection D (Miyato & Koyama 2018),
concatenated one-hot labels (CGAN), and the auxiliary heads of ACGAN / InfoGAN.
"""

from typing import Sequence

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.kinds.gan import attention
from jaxgan.models import batch_norm
from jaxgan.kinds.gan import conditional_norm
from jaxgan.models import conditioning
from jaxgan.models import heads
from jaxgan.models import layers
from jaxgan.models import projection
from jaxgan.models import spectral

_PAD3 = ((1, 1), (1, 1))
_PAD1 = ((0, 0), (0, 0))


def _conv(x, features, kernel, *, sn: bool, train: bool, impl: str):
  padding = _PAD3 if kernel == 3 else _PAD1
  layer = layers.Conv(features, (kernel, kernel), (1, 1), padding, impl=impl)
  return spectral.apply(layer, x, enabled=sn, train=train)


def _upsample(x):
  return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)   # nearest neighbour, x2


def _downsample(x):
  return nn.avg_pool(x, (2, 2), (2, 2))


class GeneratorBlock(nn.Module):
  """BN-ReLU-up-conv3-BN-ReLU-conv3, plus up-conv1 on the shortcut."""
  features: int
  num_classes: int = 0            # > 0: conditional batch norm
  spectral_norm: bool = False
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x, y=None, train: bool = True):
    conv = lambda h, f, k: _conv(h, f, k, sn=self.spectral_norm, train=train, impl=self.conv_impl)
    norm = lambda h: conditional_norm.ConditionalBatchNorm(self.num_classes)(h, y, train)
    h = _upsample(nn.relu(norm(x)))
    h = conv(h, self.features, 3)
    h = conv(nn.relu(norm(h)), self.features, 3)
    return h + conv(_upsample(x), self.features, 1)


class DiscriminatorBlock(nn.Module):
  """(ReLU)-conv3-ReLU-conv3-(avgpool), plus a conv1/avgpool shortcut when the shape changes.
  The `first` ("optimized") block has no leading ReLU and pools before its shortcut conv."""
  features: int
  downsample: bool = True
  first: bool = False
  spectral_norm: bool = True
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x, train: bool = True):
    conv = lambda h, f, k: _conv(h, f, k, sn=self.spectral_norm, train=train, impl=self.conv_impl)
    h = x if self.first else nn.relu(x)
    h = conv(nn.relu(conv(h, self.features, 3)), self.features, 3)
    if self.downsample:
      h = _downsample(h)
    shortcut = x
    if self.first:
      shortcut = conv(_downsample(x), self.features, 1)
    elif self.downsample or x.shape[-1] != self.features:
      shortcut = conv(x, self.features, 1)
      shortcut = _downsample(shortcut) if self.downsample else shortcut
    return h + shortcut


class ResNetGenerator(nn.Module):
  base_size: int = 4
  channels: int = 256
  num_blocks: int = 3
  out_channels: int = 3
  num_classes: int = 0            # labels feed conditional BN ...
  concat_labels: bool = False     # ... or, if True, are concatenated to z (CGAN)
  spectral_norm: bool = False     # SAGAN normalises G too
  attention_resolution: int = 0   # 0: no self-attention block
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, z, y=None, train: bool = True):
    sn = self.spectral_norm
    h = conditioning.concat_one_hot(z, y, self.num_classes if self.concat_labels else 0)
    h = spectral.apply(nn.Dense(self.base_size * self.base_size * self.channels), h,
                       enabled=sn, train=train)
    h = h.reshape((z.shape[0], self.base_size, self.base_size, self.channels))
    norm_classes = 0 if self.concat_labels else self.num_classes
    for _ in range(self.num_blocks):
      h = GeneratorBlock(self.channels, norm_classes, sn, self.conv_impl)(h, y, train)
      if h.shape[1] == self.attention_resolution:
        h = attention.SelfAttention(spectral_norm=sn)(h, train)
    h = nn.relu(batch_norm.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5)(h))
    h = _conv(h, self.out_channels, 3, sn=sn, train=train, impl=self.conv_impl)
    return jnp.tanh(h)


class ResNetDiscriminator(nn.Module):
  channels: int = 128
  downsample: Sequence[bool] = (True, True, False, False)
  num_classes: int = 0            # labels enter through the projection ...
  concat_labels: bool = False     # ... or, if True, are concatenated to the pooled features
  spectral_norm: bool = True
  attention_resolution: int = 0
  aux_classes: int = 0            # ACGAN's classifier head
  code_dims: Sequence[int] = (0, 0)   # InfoGAN's Q head: (categorical, continuous)
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x, y=None, train: bool = True):
    h, attended = x, False
    for index, down in enumerate(self.downsample):
      h = DiscriminatorBlock(self.channels, down, index == 0, self.spectral_norm,
                             self.conv_impl)(h, train)
      if h.shape[1] == self.attention_resolution and not attended:   # once, at the first fit
        h = attention.SelfAttention(spectral_norm=self.spectral_norm)(h, train)
        attended = True
    features = jnp.sum(nn.relu(h), axis=(1, 2))   # global sum pooling
    if self.concat_labels:
      labelled = conditioning.concat_one_hot(features, y, self.num_classes)
      logits = spectral.apply(nn.Dense(1), labelled, enabled=self.spectral_norm, train=train)[:, 0]
    else:
      logits = projection.ProjectionOutput(self.num_classes, self.spectral_norm)(features, y, train)
    return heads.with_auxiliary(logits, features, train, self.aux_classes, self.code_dims)
