"""pix2pix's U-Net generator (Isola et al. 2017, Sec. 3.2.1 and Appendix 6.1.1).

An encoder of 4x4 stride-2 convolutions (LeakyReLU 0.2) down to a 1x1 bottleneck, a decoder
of 4x4 stride-2 transposed convolutions (ReLU), and a skip connection from every encoder
level to the decoder level of the same size (channels concatenated). Dropout (rate 0.5) in
the innermost decoder blocks is the only noise: the paper found input noise ignored and
keeps dropout on at test time, so the `dropout` argument is separate from `train`.

Depth scales to the image: the input is edge-padded to the next power of two (28 -> 32) and
halved down to 1x1, so every output pixel sees the whole image; the output is cropped back.
Widths start at `features` and double per level up to `max_features` (64 and 512 in the
paper at 256x256, 8 levels). Norm layers follow the reference code: none on the outermost
encoder conv nor on the innermost (1x1) one.
"""

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models import layers
from jaxgan.models import norms
from jaxgan.models import padding
from jaxgan.ops import batch_sharding

_DOWN = ((1, 1), (1, 1))  # Conv k4 s2 p1: halves.
_UP = ((2, 2), (2, 2))    # ConvTranspose k4 s2 (PyTorch p1): doubles.


def depth_for(height: int, width: int) -> int:
  """Levels that bring the padded image to 1x1: ceil(log2(min side))."""
  return max(1, math.ceil(math.log2(min(height, width))))


def padded_size(size: int, depth: int) -> int:
  return -(-size // 2 ** depth) * 2 ** depth


class UNetGenerator(nn.Module):
  """source [N, H, W, C] in [-1, 1] -> image [N, H, W, out_channels] in [-1, 1]."""
  out_channels: int = 3
  features: int = 64
  max_features: int = 512
  depth: int = 0             # Levels; 0: depth_for(H, W) (down to 1x1).
  dropout_blocks: int = 3    # Innermost decoder blocks with dropout (3 in the paper).
  dropout_rate: float = 0.5
  norm: str = "instance"
  conv_impl: str = "auto"

  def _dropout(self, y, active: bool):
    """nn.Dropout, with the mask laid out like the batch (flax draws it replicated, which an
    explicitly sharded batch refuses; see jaxgan/ops/batch_sharding.py)."""
    if not active or self.dropout_rate == 0:
      return y
    keep = 1.0 - self.dropout_rate
    mask = jax.random.bernoulli(self.make_rng("dropout"), keep, y.shape)
    mask = batch_sharding.shard_like(mask, y)
    return jnp.where(mask, y / keep, 0.0).astype(y.dtype)

  @nn.compact
  def __call__(self, x, train: bool = True, dropout: bool | None = None):
    dropout = train if dropout is None else dropout
    n, h, w, _ = x.shape
    depth = self.depth or depth_for(h, w)
    ph, pw = padded_size(h, depth), padded_size(w, depth)
    if (ph, pw) != (h, w):  # Edge padding keeps the border's value (MNIST's black) going.
      top, left = (ph - h) // 2, (pw - w) // 2
      x = padding.pad2d(x, top, ph - h - top, left, pw - w - left, "edge")
    widths = [min(self.features * 2 ** i, self.max_features) for i in range(depth)]

    skips, y = [], x
    for level, width in enumerate(widths):
      if level:
        y = nn.leaky_relu(y, 0.2)
      y = layers.Conv(width, (4, 4), (2, 2), _DOWN, use_bias=self.norm == "none",
                      impl=self.conv_impl)(y)
      if 0 < level < depth - 1:
        y = norms.make(self.norm, train)(y)
      skips.append(y)

    y = skips.pop()
    for level in reversed(range(depth)):
      width = widths[level - 1] if level else self.out_channels
      outermost = level == 0
      y = nn.relu(y)
      y = layers.ConvTranspose(width, (4, 4), (2, 2), _UP,
                               use_bias=outermost or self.norm == "none",
                               impl=self.conv_impl)(y)
      if outermost:
        break
      y = norms.make(self.norm, train)(y)
      if depth - 1 - level < self.dropout_blocks:  # Innermost decoder blocks first.
        y = self._dropout(y, dropout)
      y = jnp.concatenate([y, skips.pop()], axis=-1)
    y = jnp.tanh(y)
    if (ph, pw) != (h, w):
      y = y[:, top:top + h, left:left + w]
    return y
