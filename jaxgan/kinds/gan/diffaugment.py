"""Differentiable Augmentation (Zhao et al. 2020, "Differentiable Augmentation for
Data-Efficient GAN Training"): colour, translation and cutout on images in [-1, 1].

The same random transform T is applied to real and to fake images before D, D(T(x)) and
D(T(G(z))), and the generator's gradient flows back through T. Augmenting only the reals
would teach G to make augmented images; augmenting both but cutting the gradient would
leave G's loss looking at unaugmented fakes. Every transform here is a differentiable
function of the image given its key: the draw (offsets, factors, boxes) depends only on the
key, so the forward pass and its gradient path see one transform.

Operations (the paper's defaults, per example):
  color        brightness + U(-0.5, 0.5), saturation x U(0, 2), contrast x U(0.5, 1.5)
  translation  shift by whole pixels in [-H/8, H/8] x [-W/8, W/8], zeros shifted in
  cutout       a zeroed square of half the image side at a uniform random centre
"""

from typing import Sequence

import jax
import jax.numpy as jnp

from jaxgan.ops import batch_sharding

POLICIES = ("color", "translation", "cutout")


def parse_policy(policy: str) -> tuple[str, ...]:
  """"color,translation,cutout" -> ("color", "translation", "cutout"); "" -> ()."""
  return tuple(p.strip() for p in policy.split(",") if p.strip())


def _per_example(key, x, low, high):
  # Draws are replicated; laid out like x's (possibly device-sharded) batch.
  return batch_sharding.shard_like(
      jax.random.uniform(key, (x.shape[0],) + (1,) * (x.ndim - 1), x.dtype, low, high), x)


def color(key, x):
  """Brightness, saturation and contrast, each a random affine map per example."""
  k_brightness, k_saturation, k_contrast = jax.random.split(key, 3)
  x = x + _per_example(k_brightness, x, -0.5, 0.5)
  mean = jnp.mean(x, axis=-1, keepdims=True)
  x = (x - mean) * _per_example(k_saturation, x, 0.0, 2.0) + mean
  mean = jnp.mean(x, axis=(1, 2, 3), keepdims=True)
  return (x - mean) * _per_example(k_contrast, x, 0.5, 1.5) + mean


def translation_offsets(key, batch: int, height: int, width: int, ratio: float = 0.125):
  """Whole-pixel shifts (dy, dx) per example, each in [-round(ratio * side), +that]."""
  sy, sx = int(height * ratio + 0.5), int(width * ratio + 0.5)
  k_y, k_x = jax.random.split(key)
  return (jax.random.randint(k_y, (batch,), -sy, sy + 1),
          jax.random.randint(k_x, (batch,), -sx, sx + 1))


def translate(x, dy, dx):
  """out[b, i, j] = x[b, i - dy[b], j - dx[b]], zero where that falls outside."""
  _, height, width, _ = x.shape
  pad_y, pad_x = height, width   # Wider than any shift: the slice never leaves the padding.
  padded = jnp.pad(x, ((0, 0), (pad_y, pad_y), (pad_x, pad_x), (0, 0)))

  def one(image, oy, ox):
    return jax.lax.dynamic_slice(image, (pad_y - oy, pad_x - ox, 0),
                                 (height, width, image.shape[-1]))

  return jax.vmap(one)(padded, dy, dx)


def translation(key, x, ratio: float = 0.125):
  offsets = translation_offsets(key, x.shape[0], x.shape[1], x.shape[2], ratio)
  return translate(x, *batch_sharding.shard_like(offsets, x))


def cutout_mask(key, batch: int, height: int, width: int, ratio: float = 0.5):
  """[B, H, W, 1] of ones with one zeroed square (side ratio * image side) per example."""
  size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
  k_y, k_x = jax.random.split(key)
  centre_y = jax.random.randint(k_y, (batch, 1, 1), 0, height)
  centre_x = jax.random.randint(k_x, (batch, 1, 1), 0, width)
  rows = jnp.arange(height)[None, :, None]
  cols = jnp.arange(width)[None, None, :]
  top, left = centre_y - size_y // 2, centre_x - size_x // 2
  inside = ((rows >= top) & (rows < top + size_y) & (cols >= left) & (cols < left + size_x))
  return jnp.where(inside, 0.0, 1.0)[..., None]


def cutout(key, x, ratio: float = 0.5):
  mask = cutout_mask(key, x.shape[0], x.shape[1], x.shape[2], ratio).astype(x.dtype)
  return x * batch_sharding.shard_like(mask, x)


_OPS = {"color": color, "translation": translation, "cutout": cutout}


def augment(key, x, policy: Sequence[str]):
  """Applies the operations of `policy` in order, each with its own key from `key`.

  `x` is [B, H, W, C] in [-1, 1]. The same `key` gives the same transform, which is how a
  caller applies one transform to several inputs (or checks it).
  """
  for index, name in enumerate(policy):
    x = _OPS[name](jax.random.fold_in(key, index), x)
  return x
