"""The PatchGAN discriminator of pix2pix and CycleGAN (Isola et al. 2017, Sec. 3.2.2).

A stack of 4x4 convolutions that classifies every overlapping patch of the image as real or
fake, returning one logit per patch [N, H', W']: C64 (stride 2, no norm) - C128 - C256 -
C512 (stride 1) - a 1-channel conv, LeakyReLU 0.2. With `layers` = 3 strided stages the
receptive field is 70x70 (the paper's choice at 256x256). The receptive field scales to the
image: `layers_for(size)` takes the most stages whose field stays within 0.3 of the image's
side (70 at 256, 34 at 128, 16 at 28-64), so patches are parts of the image, not all of it.

`Conditional`: pix2pix's D sees the source and the (real or generated) target concatenated
on channels; CycleGAN's sees the image alone (`source=None`).
"""

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.models import layers
from jaxgan.models import norms

_PAD = ((1, 1), (1, 1))


def receptive_field(num_layers: int) -> int:
  """Receptive field (pixels) of the network with `num_layers` strided stages."""
  field = 1
  # Walk back from the output: final conv (k4 s1), the stride-1 stage, then the strided ones.
  for stride in [1, 1] + [2] * num_layers:
    field = (field - 1) * stride + 4
  return field


def layers_for(size: int, fraction: float = 0.3) -> int:
  """The most strided stages whose receptive field is at most `fraction` of `size`, >= 1."""
  num = 1
  while receptive_field(num + 1) <= fraction * size:
    num += 1
  return num


class PatchDiscriminator(nn.Module):
  """(image [N, H, W, C], source [N, H, W, C'] or None) -> patch logits [N, H', W']."""
  features: int = 64
  max_features: int = 512
  num_layers: int = 0        # Strided stages; 0: layers_for(min(H, W)).
  norm: str = "instance"
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x, source=None, train: bool = True):
    if source is not None:
      x = jnp.concatenate([source, x], axis=-1)
    num_layers = self.num_layers or layers_for(min(x.shape[1], x.shape[2]))
    y = layers.Conv(self.features, (4, 4), (2, 2), _PAD, impl=self.conv_impl)(x)
    y = nn.leaky_relu(y, 0.2)
    for stage in range(1, num_layers + 1):
      stride = 2 if stage < num_layers else 1
      width = min(self.features * 2 ** stage, self.max_features)
      y = layers.Conv(width, (4, 4), (stride, stride), _PAD, use_bias=self.norm == "none",
                      impl=self.conv_impl)(y)
      y = nn.leaky_relu(norms.make(self.norm, train)(y), 0.2)
    return layers.Conv(1, (4, 4), (1, 1), _PAD, impl=self.conv_impl)(y)[..., 0]
