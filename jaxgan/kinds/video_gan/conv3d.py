"""A 3-D convolution over clips [N, T, H, W, C], computed as one 2-D convolution.

XLA's CPU gradient of a 3-D convolution is many times slower than its forward pass (figures:
docs/performance.md). A kt x kh x kw convolution is the same as a kh x kw convolution over frames whose
channels are the kt neighbouring frames stacked, so we stack them (padding time like
'SAME') and run jaxgan's 2-D convolution (jaxgan.models.layers.Conv, fast gradients on CPU)
over [N * T_out, H, W, kt * C]. The kernel keeps nn.Conv's 3-D layout (kt, kh, kw, in, out).
"""

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.ops import batch_sharding
from jaxgan.ops import channels
from jaxgan.ops import conv as conv_ops


class Conv3D(nn.Module):
  """`nn.Conv(features, (kt, kh, kw), (st, sh, sw), 'SAME')` on [N, T, H, W, C] inputs."""
  features: int
  kernel_size: tuple = (3, 3, 3)
  strides: tuple = (1, 1, 1)
  use_bias: bool = True
  impl: str = "auto"
  kernel_init: Any = nn.initializers.lecun_normal()

  @nn.compact
  def __call__(self, x):
    n, t, h, w, c = x.shape
    kt, kh, kw = self.kernel_size
    st, sh, sw = self.strides
    kernel = self.param("kernel", self.kernel_init, (kt, kh, kw, c, self.features))
    # 'SAME' in time: out length ceil(t / st), padded as XLA pads (more at the end).
    t_out = -(-t // st)
    pad = max((t_out - 1) * st + kt - t, 0)
    x = jnp.pad(x, ((0, 0), (pad // 2, pad - pad // 2), (0, 0), (0, 0), (0, 0)))
    windows = jnp.stack([x[:, i * st:i * st + kt] for i in range(t_out)], axis=1)
    # [N, T_out, kt, H, W, C] -> [N * T_out, H, W, kt * C], frame-major like the kernel.
    stacked = batch_sharding.reshape(jnp.moveaxis(windows, 2, -2), (n * t_out, h, w, kt * c), x)
    flat_kernel = jnp.moveaxis(kernel, 0, 2).reshape((kh, kw, kt * c, self.features))
    padding = tuple(_same(size, k, s) for size, k, s in ((h, kh, sh), (w, kw, sw)))
    y = conv_ops.conv2d(stacked, flat_kernel, (sh, sw), padding, impl=self.impl)
    if self.use_bias:
      y = channels.add_channels(y, self.param("bias", nn.initializers.zeros_init(),
                                              (self.features,)))
    return batch_sharding.reshape(y, (n, t_out) + y.shape[1:], x)


def _same(size: int, kernel: int, stride: int) -> tuple[int, int]:
  out = -(-size // stride)
  pad = max((out - 1) * stride + kernel - size, 0)
  return (pad // 2, pad - pad // 2)
