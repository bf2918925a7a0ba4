"""Flax convolution layers routed through jaxgan.ops.conv (fast gradients on CPU).

Drop-in for ``nn.Conv`` / ``nn.ConvTranspose`` on NHWC inputs with 2-D kernels: the same
parameter names ('kernel' (KH, KW, in, out), 'bias' (out,)), the same default initialisers
and the same function (``ConvTranspose`` is flax's with ``transpose_kernel=False``). ``impl``
picks the implementation: 'xla', 'fast' or 'auto' (fast on CPU) -- see jaxgan/ops/conv.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.ops import channels
from jaxgan.ops import conv as conv_ops

PaddingLike = Union[str, int, Sequence[Union[int, tuple[int, int]]]]


def _pair(v, name: str) -> tuple[int, int]:
  if isinstance(v, int):
    return (v, v)
  v = tuple(v)
  if len(v) != 2:
    raise ValueError(f"{name} must be an int or 2 ints for a 2-D convolution, got {v!r}")
  return v  # type: ignore[return-value]


def canonical_padding(padding: PaddingLike):
  """flax's padding forms -> 'SAME' | 'VALID' | ((lo, hi), (lo, hi))."""
  if isinstance(padding, str):
    if padding.upper() not in ("SAME", "VALID"):
      raise ValueError(f"padding {padding!r} is not supported; use 'SAME', 'VALID' or pairs")
    return padding.upper()
  if isinstance(padding, int):
    return ((padding, padding), (padding, padding))
  padding = tuple(padding)
  if len(padding) != 2:
    raise ValueError(f"padding must have 2 entries for a 2-D convolution, got {padding!r}")
  return tuple((p, p) if isinstance(p, int) else tuple(p) for p in padding)


def _as_nhwc(x):
  """Flattens extra leading batch dims (and adds a missing one), like flax's convolutions."""
  if x.ndim == 4:
    return x, None
  if x.ndim == 3:
    return x[None], lambda y: y[0]
  lead = x.shape[:-3]
  return x.reshape((-1,) + x.shape[-3:]), lambda y: y.reshape(lead + y.shape[1:])


class _Conv2D(nn.Module):
  """What Conv and ConvTranspose share: the fields, the parameters, dtype promotion, the bias
  and the batch dims. A subclass says which convolution runs (`_convolve`)."""
  features: int
  kernel_size: Sequence[int] | int
  strides: Sequence[int] | int = 1
  padding: PaddingLike = "SAME"
  use_bias: bool = True
  impl: str = "auto"
  dtype: Any = None
  param_dtype: Any = jnp.float32
  kernel_init: Any = nn.initializers.lecun_normal()
  bias_init: Any = nn.initializers.zeros_init()

  def _convolve(self, x, kernel, strides, padding):
    raise NotImplementedError

  @nn.compact
  def __call__(self, x):
    x, restore = _as_nhwc(x)
    kh, kw = _pair(self.kernel_size, "kernel_size")
    kernel = self.param("kernel", self.kernel_init, (kh, kw, x.shape[-1], self.features),
                        self.param_dtype)
    bias = (self.param("bias", self.bias_init, (self.features,), self.param_dtype)
            if self.use_bias else None)
    x, kernel, bias = nn.dtypes.promote_dtype(x, kernel, bias, dtype=self.dtype)
    y = self._convolve(x, kernel, _pair(self.strides, "strides"),
                       canonical_padding(self.padding))
    if bias is not None:
      y = channels.add_channels(y, bias)
    return y if restore is None else restore(y)


class Conv(_Conv2D):
  """``nn.Conv`` for 2-D NHWC inputs, computed by ``jaxgan.ops.conv.conv2d``."""

  def _convolve(self, x, kernel, strides, padding):
    return conv_ops.conv2d(x, kernel, strides, padding, impl=self.impl)


class ConvTranspose(_Conv2D):
  """``nn.ConvTranspose`` (``transpose_kernel=False``) for 2-D NHWC inputs, computed by
  ``jaxgan.ops.conv.conv_transpose2d``. Explicit padding pads the stride-dilated input:
  kernel 4, stride 2, padding ((2, 2), (2, 2)) is PyTorch's ConvTranspose2d(4, 2, 1)
  (out = 2 * in), up to the kernel's spatial flip."""

  def _convolve(self, x, kernel, strides, padding):
    return conv_ops.conv_transpose2d(x, kernel, strides, padding, impl=self.impl)
