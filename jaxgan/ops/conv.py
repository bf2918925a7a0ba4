"""2-D convolutions whose gradients XLA:CPU runs fast.

XLA:CPU lowers a convolution's *weight gradient* to a generic loop that is 5-20x slower
than the forward convolution (a 64x32x32x64 input with a 3x3 kernel: forward ~40-90 ms,
weight gradient ~0.9-1.5 s on two cores), and the input gradient of a strided convolution
(a convolution with lhs dilation) is 2-3x slower than the forward one. This module computes
the same functions as ``lax.conv_general_dilated`` and ``lax.conv_transpose`` but, with
``impl='fast'``, through a ``jax.custom_vjp`` built from three primitives of one strided
convolution ``y = conv(x, v, stride s, padding q)``:

  * forward: ``lax.conv_general_dilated`` itself (Eigen's spatial convolution is fast);
  * input gradient: the *sub-pixel* form -- one stride-1 convolution of ``dy`` with the
    kernel regrouped into ``s*s`` phases stacked on the output channels, then
    depth-to-space and a crop. It never dilates ``dy`` with zeros;
  * weight gradient: im2col, i.e. the ``kh*kw`` strided slices of the padded input are
    concatenated on the channel axis and contracted with ``dy`` in a single ``dot_general``
    over (batch, height, width). The batch is processed in chunks (a ``lax.scan``) so the
    patch matrix of one chunk stays in cache.

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
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

Padding = Union[str, Sequence[tuple[int, int]]]
Pads = tuple[tuple[int, int], tuple[int, int]]

_DN = ("NHWC", "HWIO", "NHWC")
IMPLS = ("xla", "fast", "auto")

# Patch-matrix bytes per chunk of the weight gradient's batch loop. Measured on a 2-core
# EPYC (512 KiB L2 per core, 32 MiB L3): 2-8 MiB chunks were 2-4x faster than one
# whole-batch patch matrix (see benchmarks/conv_microbench.py).
_DW_CHUNK_BYTES = 4 * 2**20


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


def _out_size(n: int, k: int, s: int, pad: tuple[int, int]) -> int:
  return (n + pad[0] + pad[1] - k) // s + 1


def _batch_sharding(x):
  """(mesh, batch axes, devices on them) of an explicitly sharded x; (None, None, 1) if not.

  Under an explicit mesh (``jax.make_mesh``'s default axis types) reshapes that touch a
  sharded batch and contractions over it need an ``out_sharding``; the helpers below give one.
  """
  sh = jax.typeof(x).sharding
  mesh = getattr(sh, "mesh", None)
  if mesh is None or mesh.empty:
    return None, None, 1
  axes = sh.spec[0] if len(sh.spec) else None
  names = () if axes is None else (axes if isinstance(axes, tuple) else (axes,))
  devices = 1
  for a in names:
    devices *= mesh.shape[a]
  return mesh, axes, devices


def _reshape(a, shape, ref):
  """a.reshape(shape) with ref's batch sharding on the leading dim of the result."""
  mesh, axes, _ = _batch_sharding(ref)
  if mesh is None:
    return a.reshape(shape)
  spec = (axes,) + (None,) * (len(shape) - 1)
  return lax.reshape(a, shape, out_sharding=NamedSharding(mesh, P(*spec)))


def _replicated(ref, ndim):
  mesh, _, _ = _batch_sharding(ref)
  return None if mesh is None else NamedSharding(mesh, P(*(None,) * ndim))


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
  return lax.conv_general_dilated(x, v, s, q, dimension_numbers=_DN)


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
  z = _fwd(g, kern, (1, 1), tuple(g_pads))
  n = z.shape[0]
  f = _reshape(z, (n, us[0], us[1], sh, sw, c), g).transpose(0, 1, 3, 2, 4, 5)
  f = _reshape(f, (n, us[0] * sh, us[1] * sw, c), g)
  if any(a or b for a, b in crops):
    f = lax.pad(f, jnp.zeros((), f.dtype),
                [(0, 0, 0), (-crops[0][0], crops[0][1], 0), (-crops[1][0], crops[1][1], 0),
                 (0, 0, 0)])
  return f


def _dw_chunk_size(n: int, devices: int, patch_bytes_per_example: int) -> int:
  """Examples per chunk: a multiple of `devices` dividing n, its patches per device within
  the budget (at least one example per device)."""
  best = devices
  for d in range(devices, n + 1, devices):
    if n % d == 0 and (d // devices) * patch_bytes_per_example <= _DW_CHUNK_BYTES:
      best = d
  return best


def _dw(x, g, k_hw, s, q):
  """Weight gradient of _fwd: (KH, KW, C, O) from x and dy = g, by im2col + one matmul.

  dw[i, j, c, o] = sum_{n,h,w} xp[n, s*h + i, s*w + j, c] g[n, h, w, o] (xp: padded x).
  The patch matrix is built on whichever side is smaller: the KH*KW strided windows of xp
  (Ho*Wo*KH*KW*C values per example) or the KH*KW shifted, stride-dilated copies of g on
  xp's grid (Hp*Wp*KH*KW*O values; wins when O is small, e.g. a 3-channel image layer).
  """
  kh, kw = k_hw
  sh, sw = s
  n, ho, wo, o = g.shape
  c = x.shape[-1]
  (qh0, _), (qw0, _) = q
  hp, wp = sh * (ho - 1) + kh, sw * (wo - 1) + kw            # the part of xp that is read
  xp = lax.pad(x, jnp.zeros((), x.dtype),
               [(0, 0, 0), (qh0, hp - x.shape[1] - qh0, 0), (qw0, wp - x.shape[2] - qw0, 0),
                (0, 0, 0)])
  acc_t = jnp.promote_types(x.dtype, jnp.float32)
  x_side = ho * wo * c <= hp * wp * o

  if x_side:
    def patches_dot(xb, gb):
      cols = [
          lax.slice(xb, (0, i, j, 0), (xb.shape[0], i + sh * (ho - 1) + 1,
                                       j + sw * (wo - 1) + 1, c), (1, sh, sw, 1))
          for i in range(kh) for j in range(kw)
      ]
      p = cols[0] if len(cols) == 1 else jnp.concatenate(cols, axis=-1)
      return lax.dot_general(p, gb, (((0, 1, 2), (0, 1, 2)), ((), ())),
                             preferred_element_type=acc_t,
                             out_sharding=_replicated(x, 2))            # (KH*KW*C, O)
    per_example = ho * wo * kh * kw * c
    out_shape = (kh * kw * c, o)
  else:
    def patches_dot(xb, gb):
      zero = jnp.zeros((), gb.dtype)
      cols = [
          lax.pad(gb, zero, [(0, 0, 0), (i, hp - sh * (ho - 1) - 1 - i, sh - 1),
                             (j, wp - sw * (wo - 1) - 1 - j, sw - 1), (0, 0, 0)])
          for i in range(kh) for j in range(kw)
      ]
      p = cols[0] if len(cols) == 1 else jnp.concatenate(cols, axis=-1)
      return lax.dot_general(xb, p, (((0, 1, 2), (0, 1, 2)), ((), ())),
                             preferred_element_type=acc_t,
                             out_sharding=_replicated(x, 2))            # (C, KH*KW*O)
    per_example = hp * wp * kh * kw * o
    out_shape = (c, kh * kw * o)

  mesh, _, devices = _batch_sharding(x)
  nb = _dw_chunk_size(n, devices, per_example * x.dtype.itemsize)
  if nb == n:
    r = patches_dot(xp, g)
  else:
    # Example a * (n // nb) + b goes to chunk b: the leading (nb) axis keeps the batch's
    # device blocks, so a sharded batch needs no communication to be chunked.
    xc = _reshape(xp, (nb, n // nb) + xp.shape[1:], x)
    gc = _reshape(g, (nb, n // nb) + g.shape[1:], x)

    def body(b, acc):
      return acc + patches_dot(lax.dynamic_index_in_dim(xc, b, 1, keepdims=False),
                               lax.dynamic_index_in_dim(gc, b, 1, keepdims=False))

    r = lax.fori_loop(0, n // nb, body, jnp.zeros(out_shape, acc_t))
  if x_side:
    r = r.reshape(kh, kw, c, o)
  else:
    r = r.reshape(c, kh, kw, o).transpose(1, 2, 0, 3)
  return r.astype(x.dtype)


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
