"""Edge and reflection padding of NHWC images built from slices and concatenation.

`jnp.pad`'s "edge" and "reflect" modes concatenate pieces that lose the batch sharding of an
explicit mesh (jaxgan/ops/batch_sharding.py), which jit then refuses; slices of `x` keep it.
"""

import jax.numpy as jnp


def _pad_axis(x, axis: int, before: int, after: int, mode: str):
  if before == after == 0:
    return x
  size = x.shape[axis]
  take = lambda start, stop: x[(slice(None),) * axis + (slice(start, stop),)]
  if mode == "edge":
    parts = [jnp.repeat(take(0, 1), before, axis=axis), x,
             jnp.repeat(take(size - 1, size), after, axis=axis)]
  elif mode == "reflect":
    if max(before, after) >= size:
      raise ValueError(f"reflect padding {max(before, after)} needs a side > it, got {size}")
    flip = lambda a: jnp.flip(a, axis=axis)
    parts = [flip(take(1, before + 1)), x, flip(take(size - 1 - after, size - 1))]
  else:
    raise ValueError(f"mode must be 'edge' or 'reflect', got {mode!r}")
  return jnp.concatenate([p for p in parts if p.shape[axis]], axis=axis)


def pad2d(x, top: int, bottom: int, left: int, right: int, mode: str):
  """x [N, H, W, C] padded on H and W like jnp.pad(..., mode)."""
  return _pad_axis(_pad_axis(x, 1, top, bottom, mode), 2, left, right, mode)
