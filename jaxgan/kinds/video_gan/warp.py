"""Differentiable translation of images, and the geometry of a point bouncing in a box.

`place` draws a small image (a sprite) on an empty canvas with its top-left corner at a real
(row, col) position; `extract` is its transpose, cutting a sprite out of a canvas. Both use
the bilinear (triangle) kernel, separably: a shift by an integer is exact, a shift by a half
pixel averages two neighbours, and pixels that fall off the canvas are dropped. Gradients
flow to the images and to the positions.

`fold` maps an unbounded straight-line coordinate onto [0, free] as a ball bouncing between
two walls does (a triangle wave), so a constant velocity in unfolded coordinates is the
bouncing motion of Moving MNIST.
"""

import jax.numpy as jnp


def shift_matrix(offset, out_size: int, in_size: int):
  """Weights [..., out_size, in_size] that move index j of the input to out index j + offset
  (offset [...], real-valued), interpolating bilinearly."""
  out_index = jnp.arange(out_size, dtype=jnp.float32)[:, None]
  in_index = jnp.arange(in_size, dtype=jnp.float32)[None, :]
  distance = out_index - in_index - jnp.asarray(offset, jnp.float32)[..., None, None]
  return jnp.maximum(0.0, 1.0 - jnp.abs(distance))


def place(sprite, corner, canvas: int):
  """Sprites [B, S, S, C] drawn at corners [B, T, 2] (row, col) on empty canvas x canvas
  frames: [B, T, canvas, canvas, C]."""
  size = sprite.shape[1]
  rows = shift_matrix(corner[..., 0], canvas, size)      # [B, T, H, S]
  cols = shift_matrix(corner[..., 1], canvas, size)      # [B, T, W, S]
  return jnp.einsum("bthi,bijc,btwj->bthwc", rows, sprite, cols)


def extract(frame, corner, size: int):
  """The size x size window of frames [B, H, W, C] whose top-left is at corners [B, 2]:
  [B, size, size, C] (outside the frame reads 0). The transpose of `place`."""
  rows = shift_matrix(corner[:, 0], frame.shape[1], size)   # [B, H, S]
  cols = shift_matrix(corner[:, 1], frame.shape[2], size)   # [B, W, S]
  return jnp.einsum("bhi,bhwc,bwj->bijc", rows, frame, cols)


def fold(position, free: float):
  """An unbounded coordinate reflected into [0, free] (a ball bouncing between 0 and free)."""
  period = 2.0 * free
  return free - jnp.abs(jnp.mod(position, period) - free)


def centre_of_mass(ink):
  """(row, col) [N, 2] of the centre of mass of non-negative images [N, H, W, C]; an empty
  image has the canvas centre."""
  n, h, w = ink.shape[:3]
  mass = jnp.sum(ink, axis=(1, 2, 3)) + 1e-6
  rows = jnp.sum(ink, axis=(2, 3)) @ jnp.arange(h, dtype=jnp.float32)
  cols = jnp.sum(ink, axis=(1, 3)) @ jnp.arange(w, dtype=jnp.float32)
  centre = jnp.stack([rows, cols], -1) / mass[:, None]
  empty_weight = 1e-6 / mass[:, None]
  return centre + empty_weight * jnp.asarray([(h - 1) / 2, (w - 1) / 2], jnp.float32)
