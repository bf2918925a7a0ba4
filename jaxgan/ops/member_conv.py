"""``lax.conv_general_dilated`` with a batching rule for sweeps: members one by one.

A vmapped sweep (jaxgan/sweep.py) maps the step over members that each have their own
kernels. JAX's batching rule for a convolution whose input and kernel both carry the member
axis folds the members into feature groups: one grouped convolution, which XLA:CPU runs
several times slower than the K plain convolutions it stands for (docs/performance.md). Here, when both operands
are batched, the rule instead computes each member's plain convolution (`MEMBER_LOOP`:
"unroll", K convolutions in the program, or "map", one `lax.map` loop) and stacks them; when
only one operand is batched it keeps JAX's rule, which folds the members into the batch
(input batched) or into the output channels (kernel batched) of one plain convolution.

Only jaxgan/ops/conv.py's fast (CPU) path calls this. Gradients: the function carries a
custom VJP that is `jax.vjp` of the plain convolution, so it differentiates exactly as lax
does (the fast path needs that only for gradients of gradients, e.g. gradient penalties).
"""

from __future__ import annotations

import functools

import jax
from jax import lax

# How a convolution with both operands batched is computed: "unroll" (K convolutions),
# "map" (a lax.map loop over members) or "group" (JAX's own rule: one grouped convolution).
MEMBER_LOOP = "unroll"


def conv_general_dilated(lhs, rhs, window_strides, padding, rhs_dilation=None,
                         dimension_numbers=None, out_sharding=None):
  """``lax.conv_general_dilated`` (the arguments jaxgan uses), batched member by member."""
  padding = padding if isinstance(padding, str) else tuple(tuple(p) for p in padding)
  fn = _conv_fn(tuple(window_strides), padding,
                None if rhs_dilation is None else tuple(rhs_dilation), dimension_numbers,
                out_sharding, MEMBER_LOOP)
  return fn(lhs, rhs)


@functools.lru_cache(maxsize=None)
def _conv_fn(strides, padding, rhs_dilation, dimension_numbers, out_sharding, member_loop):
  def plain(lhs, rhs):
    return lax.conv_general_dilated(lhs, rhs, strides, padding, rhs_dilation=rhs_dilation,
                                    dimension_numbers=dimension_numbers,
                                    out_sharding=out_sharding)

  if member_loop == "group":
    return plain

  @jax.custom_vjp
  @jax.custom_batching.custom_vmap
  def conv(lhs, rhs):
    return plain(lhs, rhs)

  @conv.def_vmap
  def conv_vmap(axis_size, in_batched, lhs, rhs):
    lhs_batched, rhs_batched = in_batched
    if not (lhs_batched and rhs_batched):  # JAX's rule: one plain convolution.
      out = jax.vmap(plain, in_axes=(0 if lhs_batched else None, 0 if rhs_batched else None))(
          lhs, rhs)
      return out, True
    if member_loop == "map":
      return lax.map(lambda pair: conv(*pair), (lhs, rhs)), True
    return jax.numpy.stack([conv(lhs[i], rhs[i]) for i in range(axis_size)]), True

  def conv_fwd(lhs, rhs):
    return conv(lhs, rhs), (lhs, rhs)

  def conv_bwd(res, g):
    _, vjp = jax.vjp(plain, *res)
    return vjp(g)

  conv.defvjp(conv_fwd, conv_bwd)
  return conv
