"""A sequence generator that carries each frame's content into the next: a sprite moved by a
recurrent motion model.

Each video has `objects` sprites (small images, `sprite_size` square, made once per video by
a DCGAN generator from the content code z_C, so every frame shows the same digits) and, for
each sprite, a trajectory of its top-left corner. Frame t+1 is frame t with every sprite
translated by its velocity (jaxgan/kinds/video_gan/warp.py: bilinear, differentiable in the
sprite and the position); overlapping sprites combine by a pixel-wise maximum, as Moving
MNIST's digits do.

Motion: a GRU (`motion_dim` wide) reads, at every frame, the per-frame noise eps(t), each
sprite's position and velocity, and adds a velocity change to each sprite (its output layer
starts at zero, so an untrained G moves at constant velocity). Positions live on an unbounded
line and are folded into the canvas (warp.fold), so a constant velocity is a bounce off the
walls. The first positions and velocities come from z_C and eps(0).

Continuation: given k frames of a one-sprite video, the sprite is cut out of the last given
frame around its centre of mass, the given frames' centres of mass are the positions the
GRU reads for t < k, and the GRU's velocity change at t = k - 1 corrects the last observed
velocity; generation then goes on from there. The output holds the k given frames first.

With `num_classes` > 0 the sprite generator is told the class (a one-hot input), so the
video shows the digit asked for.
"""

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.kinds.video_gan import warp
from jaxgan.models import dcgan
from jaxgan.ops import batch_sharding


def sprite_size(digit_size: int) -> int:
  """The sprite side: the digit plus a margin, rounded up to a multiple of 8 (a DCGAN from 4x4)."""
  return 8 * -(-(digit_size + 2) // 8)


class SpriteVideoGenerator(nn.Module):
  """`G(z_content [B, Dc], noise [B, T, De], context=None, labels=None, train)` -> videos
  [B, T, H, W, C] in [-1, 1]."""
  num_frames: int = 16
  frame_size: int = 32
  channels: int = 1
  digit_size: int = 14           # Side of the box each sprite's ink must stay in.
  objects: int = 1
  motion_dim: int = 32           # The motion GRU's width.
  base_features: int = 128       # The sprite generator's 4x4 width; each ConvT halves it.
  num_classes: int = 0
  conv_impl: str = "auto"

  @property
  def free(self) -> float:
    """The range of a box's top-left coordinate that keeps the box on the canvas."""
    return float(self.frame_size - self.digit_size)

  @property
  def margin(self) -> float:
    """The sprite's top-left, relative to its digit box's."""
    return (sprite_size(self.digit_size) - self.digit_size) / 2.0

  @nn.compact
  def __call__(self, z_content, noise, context=None, labels=None, train: bool = True):
    batch, steps = noise.shape[0], noise.shape[1]
    k = 0 if context is None else context.shape[1]
    if k:
      sprites, positions, velocities = self._read_context(context)
      if self.is_initializing():  # One set of parameters, with or without given frames.
        self._sprites(z_content, labels, train)
        self._start(z_content, noise[:, 0])
    else:
      sprites = self._sprites(z_content, labels, train)
      positions, velocities = self._start(z_content, noise[:, 0])
      self.sow("intermediates", "first_motion", (positions, velocities))
    cell = nn.GRUCell(self.motion_dim, name="motion_gru")
    change = nn.Dense(2 * self.objects, kernel_init=nn.initializers.zeros, name="velocity_change")
    carry = jnp.zeros((batch, self.motion_dim), noise.dtype)
    corners = []
    position, velocity = positions[:, 0], velocities[:, 0]
    for t in range(steps):
      if t < k:   # A given frame: its observed position and velocity.
        position, velocity = positions[:, t], velocities[:, t]
      folded = warp.fold(position, self.free)
      if t >= k:
        corners.append(folded)
      state = jnp.concatenate([noise[:, t], folded.reshape(batch, -1) / self.free - 0.5,
                               velocity.reshape(batch, -1)], axis=-1)
      carry, out = cell(carry, state)
      velocity = velocity + change(out).reshape(batch, self.objects, 2)
      position = position + velocity
    corners = jnp.stack(corners, axis=1)                       # [B, T - k, objects, 2]
    self.sow("intermediates", "sprites", sprites)
    self.sow("intermediates", "corners", corners)
    frames = self._render(sprites, corners)
    if k:
      frames = jnp.concatenate([context.astype(frames.dtype), frames], axis=1)
    return frames

  def _sprites(self, z_content, labels, train):
    """Ink [B, objects, S, S, C] in [0, 1] from the content code (and class)."""
    batch = z_content.shape[0]
    codes = z_content
    if self.objects > 1:
      codes = nn.Dense(self.objects * z_content.shape[-1], name="content_to_sprites")(z_content)
    codes = batch_sharding.reshape(codes, (batch * self.objects, z_content.shape[-1]), codes)
    if labels is not None:
      labels = jnp.repeat(labels, self.objects)
    size = sprite_size(self.digit_size)
    stages = {8: 1, 16: 2, 32: 3, 64: 4}[size]
    sprite_g = dcgan.DCGANGenerator(
        base_size=4, base_features=self.base_features,
        up_features=tuple(self.base_features // 2 ** (i + 1) for i in range(stages - 1)),
        out_channels=self.channels, num_classes=self.num_classes, conv_impl=self.conv_impl,
        name="sprite_generator")
    sprites = sprite_g(codes, labels if self.num_classes else None, train=train)
    return batch_sharding.reshape((sprites + 1.0) / 2.0, (batch, self.objects) + sprites.shape[1:],
                                  sprites)

  def _start(self, z_content, first_noise):
    """First positions [B, 1, objects, 2] in [0, free] and velocities [B, 1, objects, 2]."""
    batch = z_content.shape[0]
    h = nn.relu(nn.Dense(64, name="start_hidden")(jnp.concatenate([z_content, first_noise], -1)))
    start = nn.Dense(4 * self.objects, name="start")(h).reshape(batch, 1, self.objects, 4)
    # Velocities start on the scale of a tenth of the free range per frame.
    return self.free * nn.sigmoid(start[..., :2]), 0.1 * self.free * start[..., 2:]

  def _read_context(self, context):
    """From given frames [B, k, H, W, C]: the sprite cut from the last one [B, 1, S, S, C] and
    the digit boxes' positions and velocities [B, k, 1, 2] (from centres of mass)."""
    if self.objects != 1:
      raise ValueError("continuation reads one sprite per video; the config refuses more")
    batch, k = context.shape[:2]
    ink = jnp.clip((context.astype(jnp.float32) + 1.0) / 2.0, 0.0, 1.0)
    centres = warp.centre_of_mass(ink.reshape((batch * k,) + ink.shape[2:]))
    boxes = jnp.clip(centres.reshape(batch, k, 1, 2) - (self.digit_size - 1) / 2.0, 0.0,
                     self.free)
    steps = jnp.diff(boxes, axis=1)
    velocities = jnp.concatenate([steps[:, :1] if k > 1 else jnp.zeros_like(boxes[:, :1]),
                                  steps], axis=1)
    size = sprite_size(self.digit_size)
    sprite = warp.extract(ink[:, -1], boxes[:, -1, 0] - self.margin, size)
    return sprite[:, None], boxes, velocities

  def _render(self, sprites, corners):
    """Frames [B, T', H, W, C] in [-1, 1] from sprites [B, O, S, S, C] and box corners
    [B, T', O, 2]."""
    layers = [warp.place(sprites[:, o], corners[:, :, o] - self.margin, self.frame_size)
              for o in range(self.objects)]
    ink = layers[0]
    for layer in layers[1:]:
      ink = jnp.maximum(ink, layer)
    return 2.0 * jnp.clip(ink, 0.0, 1.0) - 1.0
