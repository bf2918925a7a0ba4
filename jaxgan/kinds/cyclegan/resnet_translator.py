"""CycleGAN's ResNet-block generator (Zhu et al. 2017, Appendix 7.2; after Johnson et al.
2016): c7s1-64, d128, d256, R256 x `blocks`, u128, u64, c7s1-C, tanh.

c7s1-k: 7x7 stride-1 conv, norm, ReLU, reflection-padded. dk: 3x3 stride-2 conv, norm, ReLU.
Rk: residual block of two reflection-padded 3x3 convs. uk: 3x3 stride-2 transposed conv
(doubles), norm, ReLU. The paper uses 6 blocks at 128x128 and 9 at 256x256 and up;
`blocks_for(size)` follows that (6 below 256). Image sides must be divisible by
2 ** downsamplings (28 and 32 are, with the 2 of the paper).
"""

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.models import layers
from jaxgan.models import norms
from jaxgan.models import padding

_HALVE3 = ((1, 1), (1, 1))    # Conv k3 s2 p1.
_DOUBLE3 = ((1, 2), (1, 2))   # ConvTranspose k3 s2, PyTorch's padding 1 + output_padding 1.


def blocks_for(size: int) -> int:
  return 9 if size >= 256 else 6


def _reflect(x, pad: int):
  return padding.pad2d(x, pad, pad, pad, pad, "reflect")


class ResidualBlock(nn.Module):
  features: int
  norm: str = "instance"
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x, train: bool):
    y = x
    for index in range(2):
      y = layers.Conv(self.features, (3, 3), (1, 1), "VALID", use_bias=self.norm == "none",
                      impl=self.conv_impl)(_reflect(y, 1))
      y = norms.make(self.norm, train)(y)
      if index == 0:
        y = nn.relu(y)
    return x + y


class ResNetTranslator(nn.Module):
  """image [N, H, W, C] in [-1, 1] -> image [N, H, W, out_channels] in [-1, 1]."""
  out_channels: int = 3
  features: int = 64
  blocks: int = 0            # Residual blocks; 0: blocks_for(min(H, W)).
  downsamplings: int = 2
  norm: str = "instance"
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x, train: bool = True):
    bias = self.norm == "none"
    blocks = self.blocks or blocks_for(min(x.shape[1], x.shape[2]))
    y = layers.Conv(self.features, (7, 7), (1, 1), "VALID", use_bias=bias,
                    impl=self.conv_impl)(_reflect(x, 3))
    y = nn.relu(norms.make(self.norm, train)(y))
    for i in range(1, self.downsamplings + 1):
      y = layers.Conv(self.features * 2 ** i, (3, 3), (2, 2), _HALVE3, use_bias=bias,
                      impl=self.conv_impl)(y)
      y = nn.relu(norms.make(self.norm, train)(y))
    for _ in range(blocks):
      y = ResidualBlock(self.features * 2 ** self.downsamplings, self.norm,
                        self.conv_impl)(y, train)
    for i in reversed(range(self.downsamplings)):
      y = layers.ConvTranspose(self.features * 2 ** i, (3, 3), (2, 2), _DOUBLE3, use_bias=bias,
                               impl=self.conv_impl)(y)
      y = nn.relu(norms.make(self.norm, train)(y))
    y = layers.Conv(self.out_channels, (7, 7), (1, 1), "VALID", impl=self.conv_impl)(_reflect(y, 3))
    return jnp.tanh(y)
