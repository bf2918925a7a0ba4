"""2-D convolutions whose gradients XLA:CPU runs fast.

JAX differentiates a strided convolution into an input gradient that convolves a
zero-dilated ``dy`` (~4x slower than the forward convolution on XLA:CPU: 56 ms vs 14 ms for
the 64x32x32x64 -> 16x16x64 layer of the CIFAR discriminator), and a transposed convolution
into a weight gradient over a zero-dilated input (20-40x slower: ~1.1 s vs ~28 ms for the
CIFAR generator's layers, two cores). This module computes the same functions as
``lax.conv_general_dilated`` and ``lax.conv_transpose`` but, with ``impl='fast'``, through a
``jax.custom_vjp`` built from three primitives of one strided convolution
``y = conv(x, v, stride s, padding q)``, none of which dilates its input with zeros:

  * forward: ``lax.conv_general_dilated`` itself (Eigen's spatial convolution is fast),
    except for a few output channels, where one matmul and a sum of shifted slices is 5x
    faster;
  * input gradient: the *sub-pixel* form -- one stride-1 convolution of ``dy`` with the
    kernel regrouped into ``s*s`` phases stacked on the output channels, then
    depth-to-space and a crop (or, on small images where that convolution computes many
    rows the crop drops, one convolution per phase, interleaved);
  * weight gradient: one convolution over the batch (x's channels as its batch, ``dy``
    dilated by the stride as its kernel), the form JAX uses for a plain convolution.

A transposed convolution is the input gradient of a strided convolution with the flipped,
in/out-swapped kernel, so ``conv_transpose2d`` reuses the same three primitives with their
roles permuted (forward = input-gradient primitive, input gradient = forward primitive).

Layouts are NHWC inputs and HWIO kernels throughout. ``impl`` is ``'xla'`` (plain lax,
differentiated by JAX), ``'fast'`` (the custom VJP above) or ``'auto'`` (``'fast'`` when
``jax.default_backend() == 'cpu'`` at trace time, ``'xla'`` on GPU/TPU where cuDNN and the
TPU compiler already handle these gradients well). Numbers: ``benchmarks/conv_microbench.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Union

import jax
import jax.numpy as jnp
from jax import lax

from jaxgan.ops import batch_sharding
from jaxgan.ops import member_conv

Padding = Union[str, Sequence[tuple[int, int]]]
Pads = tuple[tuple[int, int], tuple[int, int]]

_DN = ("NHWC", "HWIO", "NHWC")
IMPLS = ("xla", "fast", "auto")


def resolve_impl(impl: str) -> str:
  """Maps 'auto' to 'fast' on CPU and to 'xla' elsewhere; checks the name."""
  if impl not in IMPLS:
    raise ValueError(f"conv impl must be one of {IMPLS}, got {impl!r}")
  if impl == "auto":
    return "fast" if jax.default_backend() == "cpu" else "xla"
  return impl


def _pair(v, name: str) -> tuple[int, int]:
  if isinstance(v, int):
    return (v, v)
  v = tuple(int(a) for a in v)
  if len(v) != 2:
    raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")
  return v


def _explicit_pads(padding) -> Pads | None:
  if isinstance(padding, str):
    return None
  pads = tuple(tuple(int(a) for a in p) for p in padding)
  if len(pads) != 2 or any(len(p) != 2 for p in pads):
    raise ValueError(
        f"padding must be 'SAME', 'VALID' or ((lo, hi), (lo, hi)), got {padding!r}")
  return pads  # type: ignore[return-value]


def conv_pads(in_hw, k_hw, strides, padding: Padding) -> Pads:
  """Explicit ((lo, hi), (lo, hi)) padding of ``lax.conv_general_dilated``."""
  pads = _explicit_pads(padding)
  if pads is not None:
    return pads
  p = lax.padtype_to_pads(tuple(in_hw), tuple(k_hw), tuple(strides), padding.upper())
  return tuple(tuple(int(a) for a in q) for q in p)  # type: ignore[return-value]


def _transpose_pad_1d(k: int, s: int, padding: str) -> tuple[int, int]:
  # The string rule of lax.conv_transpose (padding of the corresponding forward conv).
  padding = padding.upper()
  if padding == "SAME":
    total = k + s - 2
    lo = k - 1 if s > k - 1 else -(-total // 2)
  elif padding == "VALID":
    total = k + s - 2 + max(k - s, 0)
    lo = k - 1
  else:
    raise ValueError(f"padding must be 'SAME', 'VALID' or explicit pairs, got {padding!r}")
  return lo, total - lo


def conv_transpose_pads(k_hw, strides, padding: Padding) -> Pads:
  """Explicit padding of ``lax.conv_transpose`` (applied to the dilated input)."""
  pads = _explicit_pads(padding)
  if pads is not None:
    return pads
  return tuple(_transpose_pad_1d(k, s, padding) for k, s in zip(k_hw, strides))  # type: ignore


# --------------------------------------------------------------------------------------
# The three primitives of one strided convolution y = conv(x, v, s, q).
# x: (N, H, W, C), v: (KH, KW, C, O), y: (N, Ho, Wo, O). Padding may be negative (crop).


def _fwd(x, v, s, q):
  """y = conv(x, v, stride s, padding q)."""
  # lax.pad handles negative padding (cropping); the conv then sees only >= 0 padding.
  crop = [(min(lo, 0), min(hi, 0), 0) for lo, hi in q]
  if any(c[0] or c[1] for c in crop):
    x = lax.pad(x, jnp.zeros((), x.dtype), [(0, 0, 0), *crop, (0, 0, 0)])
  q = tuple((max(lo, 0), max(hi, 0)) for lo, hi in q)
  if v.shape[-1] <= _FEW_OUTPUTS:
    return _fwd_few_outputs(x, v, s, q)
  return member_conv.conv_general_dilated(x, v, s, q, dimension_numbers=_DN)


# Eigen's convolution is slow when it makes few channels (64 -> 3, 3x3 on 64x32x32: ~11 ms,
# ~20 GFLOP/s); up to this many output channels _fwd_few_outputs is used (~2 ms there).
_FEW_OUTPUTS = 4


def _fwd_few_outputs(x, v, s, q):
  """_fwd (q >= 0) as one matmul and a sum of shifted slices: every tap's outputs for every
  input pixel, z = x @ v (KH*KW*O values per pixel), then y[p] = sum_t z[s*p + t, t]."""
  kh, kw, c, o = v.shape
  n, h, w, _ = x.shape
  rows = n * h * w
  z = jnp.dot(batch_sharding.reshape(x, (rows, c), x),
              v.transpose(2, 0, 1, 3).reshape(c, kh * kw * o))
  z = batch_sharding.reshape(z, (n, h, w, kh * kw * o), x)
  z = jnp.pad(z, ((0, 0), q[0], q[1], (0, 0)))
  ho = (h + q[0][0] + q[0][1] - kh) // s[0] + 1
  wo = (w + q[1][0] + q[1][1] - kw) // s[1] + 1
  y = None
  for i in range(kh):
    for j in range(kw):
      t = i * kw + j
      tap = lax.slice(z, (0, i, j, t * o),
                      (n, i + s[0] * (ho - 1) + 1, j + s[1] * (wo - 1) + 1, (t + 1) * o),
                      (1, s[0], s[1], 1))
      y = tap if y is None else y + tap
  return y


def _dx(g, v, s, q, in_hw):
  """Input gradient of _fwd: the cotangent of x, shape (N, *in_hw, C), from dy = g.

  With j = i + q_lo = s*u + r (r the phase of the stride), dx[i] = sum_t g[u - t] v[s*t + r]:
  for all phases at once this is one stride-1 correlation of g with a (T, T, O, s*s*C)
  kernel (T = ceil(K/s); taps past K are zero), followed by depth-to-space. Only the rows u
  that reach [0, in_hw) are computed; for s = 1 this is exactly XLA's own input gradient.
  """
  kh, kw, c, o = v.shape
  sh, sw = s
  th, tw = -(-kh // sh), -(-kw // sw)
  vp = jnp.pad(v, ((0, th * sh - kh), (0, tw * sw - kw), (0, 0), (0, 0)))
  vp = vp.reshape(th, sh, tw, sw, c, o)[::-1, :, ::-1]         # flip the tap index t
  kern = vp.transpose(0, 2, 5, 1, 3, 4).reshape(th, tw, o, sh * sw * c)
  g_pads, crops, us = [], [], []
  for n_in, n_out, t, st, (lo, _) in zip(in_hw, g.shape[1:3], (th, tw), s, q):
    u0, u1 = lo // st, (n_in - 1 + lo) // st                 # first and last row u needed
    u = u1 - u0 + 1
    p_lo = t - 1 - u0
    g_pads.append((p_lo, u + t - 1 - n_out - p_lo))
    crops.append((lo - st * u0, n_in - (st * u - (lo - st * u0))))
    us.append(u)
  phases = _phase_rows(s, q, in_hw)
  if phases and (us[0] * us[1]) / (phases[0][0][1] * phases[1][0][1]) >= _SPLIT_PHASES_WASTE:
    return _dx_by_phase(g, kern, s, q, g_pads, us, c, phases)
  z = _fwd(g, kern, (1, 1), tuple(g_pads))
  n = z.shape[0]
  f = batch_sharding.reshape(z, (n, us[0], us[1], sh, sw, c), g).transpose(0, 1, 3, 2, 4, 5)
  f = batch_sharding.reshape(f, (n, us[0] * sh, us[1] * sw, c), g)
  if any(a or b for a, b in crops):
    f = lax.pad(f, jnp.zeros((), f.dtype),
                [(0, 0, 0), (-crops[0][0], crops[0][1], 0), (-crops[1][0], crops[1][1], 0),
                 (0, 0, 0)])
  return f


# The single convolution of _dx computes ceil(in/s) + 1 rows per phase where in/s are needed
# (25 rows for 16 on a 4x4 -> 8x8 transposed conv). At or above this ratio of computed to
# needed outputs, one convolution per phase is faster (CIFAR G's first two transposed convs
# 46 -> 29 and 35 -> 30 ms; at 1.13, the 16 -> 32 one, the single convolution wins).
_SPLIT_PHASES_WASTE = 1.2


def _phase_rows(s, q, in_hw):
  """Per axis and phase r, the (first, count) of the rows u of _dx's convolution that land in
  dx; None unless every phase has the same count (then dx interleaves the phases exactly)."""
  rows = []
  for n_in, st, (lo, _) in zip(in_hw, s, q):
    u0 = lo // st
    per = []
    for r in range(st):                     # rows j = s*u + r of padded dx in [lo, lo + n_in)
      first, last = -(-(lo - r) // st), (lo + n_in - 1 - r) // st
      per.append((first - u0, last - first + 1))
    if len({count for _, count in per}) != 1:
      return None
    rows.append(per)
  return rows


def _dx_by_phase(g, kern, s, q, g_pads, us, c, phases):
  """_dx's convolution split by phase (rh, rw), each computing only the rows dx keeps, then
  interleaved: dx row i = s*m + t is row m of phase r = (t + lo) % s."""
  sh, sw = s
  outs = {}
  for rh, (first_h, count_h) in enumerate(phases[0]):
    for rw, (first_w, count_w) in enumerate(phases[1]):
      phase = (rh * sw + rw) * c
      pads = ((g_pads[0][0] - first_h, g_pads[0][1] - (us[0] - first_h - count_h)),
              (g_pads[1][0] - first_w, g_pads[1][1] - (us[1] - first_w - count_w)))
      outs[rh, rw] = _fwd(g, kern[..., phase:phase + c], (1, 1), pads)
  (lo_h, _), (lo_w, _) = q
  y = jnp.stack([jnp.stack([outs[(th + lo_h) % sh, (tw + lo_w) % sw] for tw in range(sw)],
                           axis=3) for th in range(sh)], axis=2)   # (N, m_h, t_h, m_w, t_w, C)
  n, mh, _, mw, _, _ = y.shape
  return batch_sharding.reshape(y, (n, mh * sh, mw * sw, c), g)


def _dw(x, g, k_hw, s, q):
  """Weight gradient of _fwd: (KH, KW, C, O) from x and dy = g.

  dw[i, j, c, o] = sum_{n,h,w} xp[n, s*h + i, s*w + j, c] g[n, h, w, o] (xp: padded x) is one
  convolution over the batch: x's channels act as its batch, the examples as the contracted
  features, and g as a kernel dilated by the stride. This is the convolution JAX itself
  emits for the gradient of a plain strided convolution, which XLA:CPU runs at the speed of
  the forward one; written here it also serves the transposed convolution, whose own
  gradient JAX would emit with a dilated input (20-40x slower on CPU).
  """
  kh, kw = k_hw
  sh, sw = s
  _, ho, wo, _ = g.shape
  (qh0, _), (qw0, _) = q
  hp, wp = sh * (ho - 1) + kh, sw * (wo - 1) + kw            # the part of xp that is read
  xp = lax.pad(x, jnp.zeros((), x.dtype),
               [(0, 0, 0), (qh0, hp - x.shape[1] - qh0, 0), (qw0, wp - x.shape[2] - qw0, 0),
                (0, 0, 0)])
  dn = lax.ConvDimensionNumbers(lhs_spec=(3, 0, 1, 2), rhs_spec=(3, 0, 1, 2),
                                out_spec=(2, 3, 0, 1))
  return member_conv.conv_general_dilated(xp, g, (1, 1), "VALID", rhs_dilation=s,
                                          dimension_numbers=dn,
                                          out_sharding=batch_sharding.replicated(x, 4))


# --------------------------------------------------------------------------------------
# conv2d


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3))
def _conv2d_fast(x, w, strides, pads):
  return _fwd(x, w, strides, pads)


def _conv2d_fast_fwd(x, w, strides, pads):
  return _fwd(x, w, strides, pads), (x, w)


def _conv2d_fast_bwd(strides, pads, res, g):
  x, w = res
  dx = _dx(g, w, strides, pads, x.shape[1:3])
  dw = _dw(x, g, w.shape[:2], strides, pads)
  return dx, dw


_conv2d_fast.defvjp(_conv2d_fast_fwd, _conv2d_fast_bwd)


def _check(x, w, strides, name):
  if x.ndim != 4 or w.ndim != 4:
    raise ValueError(f"{name} wants NHWC x and HWIO w, got shapes {x.shape} and {w.shape}")
  if x.shape[-1] != w.shape[2]:
    raise ValueError(
        f"{name}: x has {x.shape[-1]} channels but the kernel {w.shape} expects {w.shape[2]}")
  if x.dtype != w.dtype:
    dt = jnp.promote_types(x.dtype, w.dtype)
    x, w = x.astype(dt), w.astype(dt)
  return x, w, _pair(strides, "strides")


def conv2d(x, w, strides=(1, 1), padding: Padding = "SAME", impl: str = "auto"):
  """``lax.conv_general_dilated(x, w, strides, padding, ('NHWC', 'HWIO', 'NHWC'))``.

  Args:
    x: (N, H, W, C) input.
    w: (KH, KW, C, O) kernel.
    strides: int or (sh, sw).
    padding: 'SAME', 'VALID' or ((lo, hi), (lo, hi)) (negative values crop).
    impl: 'xla', 'fast' or 'auto' (see the module docstring).
  """
  x, w, strides = _check(x, w, strides, "conv2d")
  impl = resolve_impl(impl)
  pads = conv_pads(x.shape[1:3], w.shape[:2], strides, padding)
  if impl == "xla":
    return lax.conv_general_dilated(x, w, strides, pads, dimension_numbers=_DN)
  return _conv2d_fast(x, w, strides, pads)


# --------------------------------------------------------------------------------------
# conv_transpose2d
#
# lax.conv_transpose(x, w, s, p) (transpose_kernel=False) is y = conv(dilate_s(x), w, 1, p).
# It equals the input gradient of the strided conv Y = conv(X, v, s, q) evaluated at dY = x,
# with v[k] = w[K-1-k] transposed to (K, K, O, I) and q = (K-1-p_lo, K-1-p_hi).


def _transpose_as_conv(w, pads):
  kh, kw = w.shape[:2]
  v = w[::-1, ::-1].transpose(0, 1, 3, 2)
  q = ((kh - 1 - pads[0][0], kh - 1 - pads[0][1]), (kw - 1 - pads[1][0], kw - 1 - pads[1][1]))
  return v, q


def _transpose_out_hw(in_hw, k_hw, strides, pads):
  return tuple((n - 1) * s + 1 + lo + hi - k + 1
               for n, k, s, (lo, hi) in zip(in_hw, k_hw, strides, pads))


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3))
def _conv_transpose2d_fast(x, w, strides, pads):
  v, q = _transpose_as_conv(w, pads)
  out_hw = _transpose_out_hw(x.shape[1:3], w.shape[:2], strides, pads)
  return _dx(x, v, strides, q, out_hw)


def _conv_transpose2d_fast_fwd(x, w, strides, pads):
  return _conv_transpose2d_fast(x, w, strides, pads), (x, w)


def _conv_transpose2d_fast_bwd(strides, pads, res, g):
  x, w = res
  v, q = _transpose_as_conv(w, pads)
  dx = _fwd(g, v, strides, q)                       # (N, H, W, I): same shape as x
  dv = _dw(g, x, v.shape[:2], strides, q)           # (K, K, O, I)
  dw = dv[::-1, ::-1].transpose(0, 1, 3, 2)
  return dx, dw


_conv_transpose2d_fast.defvjp(_conv_transpose2d_fast_fwd, _conv_transpose2d_fast_bwd)


def conv_transpose2d(x, w, strides=(1, 1), padding: Padding = "SAME", impl: str = "auto"):
  """``lax.conv_transpose(x, w, strides, padding, ('NHWC', 'HWIO', 'NHWC'))``.

  The semantics of flax's ``nn.ConvTranspose`` (``transpose_kernel=False``): explicit
  padding pairs pad the stride-dilated input; 'SAME'/'VALID' follow lax's rule (SAME gives
  ``out = in * stride``). The kernel is (KH, KW, in_features, out_features).
  """
  x, w, strides = _check(x, w, strides, "conv_transpose2d")
  impl = resolve_impl(impl)
  pads = conv_transpose_pads(w.shape[:2], strides, padding)
  out_hw = _transpose_out_hw(x.shape[1:3], w.shape[:2], strides, pads)
  if min(out_hw) < 1:
    raise ValueError(f"conv_transpose2d: padding {padding!r} leaves an empty output {out_hw}")
  if impl == "xla":
    return lax.conv_transpose(x, w, strides, pads, dimension_numbers=_DN)
  return _conv_transpose2d_fast(x, w, strides, pads)
