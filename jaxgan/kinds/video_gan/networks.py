"""MoCoGAN-style video networks (Tulyakov et al. 2018, "MoCoGAN: Decomposing Motion and
Content for Video Generation"), at 32x32 or 64x64, grayscale or colour.

The generator splits a video's latent space in two: a content code z_C fixed for the whole
video, and a motion code z_M(t) per frame, the output of a recurrent cell (here
flax.linen.GRUCell) fed fresh noise eps(t) at every frame. One image generator, shared by
all frames, turns [z_C, z_M(t)] into frame t; it is the DCGAN generator of dcgan.py
(4x4 base, ConvT k4 s2 up to the frame size, batch norm, tanh), run over the B*T frames at
once. Two discriminators judge the result: an image discriminator D_I on single frames
(sampled by the step) and a video discriminator D_V with 3-D convolutions over whole clips.

Continuation ("frames continuous with the ones before"): with `context` frames [B, k, ...],
a frame encoder embeds each given frame; the GRU reads the k embeddings (so its state
carries where the digits are and how they move), the content code is read from their mean
(so it carries what the digits are), and the generator makes frames k..T-1 from there,
with fresh noise per frame. The output holds the k given frames followed by the generated
ones, and the discriminators judge that whole sequence.

Discriminators have no batch norm, so the gradient penalties of jaxgan.penalties (per-example
input gradients) apply; `spectral_norm` wraps every D layer (Miyato et al. 2018).
"""

from typing import Sequence

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.data import moving_mnist
from jaxgan.kinds.video_gan import conv3d
from jaxgan.kinds.video_gan import sprite_generator
from jaxgan.models import dcgan
from jaxgan.models import layers
from jaxgan.models import projection
from jaxgan.models import spectral
from jaxgan.ops import batch_sharding

_HALVE = ((1, 1), (1, 1))   # Conv k4 s2 p1


def _merge(x):
  """[B, T, ...] -> [B * T, ...], keeping the batch sharding on the merged axis."""
  return batch_sharding.reshape(x, (x.shape[0] * x.shape[1],) + x.shape[2:], x)


def _split(x, batch: int):
  return batch_sharding.reshape(x, (batch, x.shape[0] // batch) + x.shape[1:], x)


def _up_features(size: int, base_features: int) -> tuple[int, ...]:
  """Widths of the ConvT stages 4 -> ... -> size/2 (the last ConvT makes the image)."""
  stages = {32: 2, 64: 3}[size]
  return tuple(base_features // 2 ** (i + 1) for i in range(stages))


class FrameEncoder(nn.Module):
  """Frames [N, H, W, C] -> embeddings [N, features]: Conv k4 s2 + LReLU down to 4x4, Dense."""
  features: int = 128
  base_width: int = 32
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x):
    h = x
    for width in d_widths(x.shape[1], self.base_width):
      h = nn.leaky_relu(layers.Conv(width, (4, 4), (2, 2), _HALVE, impl=self.conv_impl)(h), 0.2)
    return nn.Dense(self.features)(h.reshape((h.shape[0], -1)))


class VideoGenerator(nn.Module):
  """`G(z_content [B, Dc], noise [B, T, De], context=None, train)` -> video [B, T, H, W, C].

  With `context` [B, k, H, W, C] (k < T) the first k output frames are the context itself and
  z_content is not used (the content is read from the context).
  """
  num_frames: int = 16
  frame_size: int = 32
  channels: int = 1
  motion_dim: int = 10           # GRU width: z_M(t)
  base_features: int = 256       # Image generator's 4x4 width; each ConvT halves it.
  encoder_features: int = 128
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, z_content, noise, context=None, labels=None, train: bool = True):
    del labels  # Unconditional; the config refuses model.num_classes for this generator.
    batch, steps = noise.shape[0], noise.shape[1]
    cell = nn.GRUCell(self.motion_dim, name="motion_gru")
    carry = jnp.zeros((batch, self.motion_dim), noise.dtype)
    first = 0
    if context is not None:
      first = context.shape[1]
      codes = _split(FrameEncoder(self.encoder_features, conv_impl=self.conv_impl,
                                  name="context_encoder")(_merge(context)), batch)
      # The context embeddings enter the GRU through the same width as the noise does.
      to_cell = nn.Dense(noise.shape[-1], name="context_to_gru")
      for t in range(first):
        carry, _ = cell(carry, to_cell(codes[:, t]))
      z_content = nn.Dense(z_content.shape[-1], name="context_to_content")(
          jnp.mean(codes, axis=1))
    motion = []
    for t in range(first, steps):
      carry, m = cell(carry, noise[:, t])
      motion.append(m)
    motion = jnp.stack(motion, axis=1)                         # [B, T - k, motion_dim]
    content = jnp.broadcast_to(z_content[:, None], (batch, steps - first, z_content.shape[-1]))
    latents = jnp.concatenate([content, motion], axis=-1)
    image_g = dcgan.DCGANGenerator(
        base_size=4, base_features=self.base_features,
        up_features=_up_features(self.frame_size, self.base_features),
        out_channels=self.channels, conv_impl=self.conv_impl, name="image_generator")
    frames = _split(image_g(_merge(latents), None, train=train), batch)
    if context is not None:
      frames = jnp.concatenate([context.astype(frames.dtype), frames], axis=1)
    return frames


def _logits(h, y, num_classes: int, spectral_norm: bool, train: bool):
  """The logits of flattened features h: Dense 1, plus (num_classes > 0) the class projection
  of Miyato & Koyama 2018 for labels y [N]."""
  h = h.reshape((h.shape[0], -1))
  if not num_classes:
    return spectral.apply(nn.Dense(1), h, enabled=spectral_norm, train=train)[:, 0]
  return projection.ProjectionOutput(num_classes, spectral_norm, name="output")(h, y, train)


class ImageDiscriminator(nn.Module):
  """D_I: frames [N, H, W, C] (and classes [N]) -> logits [N]. Conv k4 s2 (+ LReLU 0.2) down
  to 4x4, Dense 1 (+ the class projection)."""
  widths: Sequence[int] = (64, 128, 256)
  spectral_norm: bool = False
  num_classes: int = 0
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x, y=None, train: bool = True):
    h = x
    for width in self.widths:
      conv = layers.Conv(width, (4, 4), (2, 2), _HALVE, impl=self.conv_impl)
      h = nn.leaky_relu(spectral.apply(conv, h, enabled=self.spectral_norm, train=train), 0.2)
    return _logits(h, y, self.num_classes, self.spectral_norm, train)


class VideoDiscriminator(nn.Module):
  """D_V: clips [N, T, H, W, C] (and classes [N]) -> logits [N]. 3-D convs (kernel 3x4x4; the
  first strides space only, the others time and space) with LReLU 0.2, then Dense 1 (+ the
  class projection)."""
  widths: Sequence[int] = (64, 128, 256)
  spectral_norm: bool = False
  num_classes: int = 0
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x, y=None, train: bool = True):
    h = x
    for index, width in enumerate(self.widths):
      strides = (1, 2, 2) if index == 0 else (2, 2, 2)
      conv = conv3d.Conv3D(width, (3, 4, 4), strides, impl=self.conv_impl)
      h = nn.leaky_relu(spectral.apply(conv, h, enabled=self.spectral_norm, train=train), 0.2)
    return _logits(h, y, self.num_classes, self.spectral_norm, train)


def d_widths(frame_size: int, base: int) -> tuple[int, ...]:
  """Discriminator widths: one stride-2 stage per halving down to 4x4, doubling from `base`."""
  stages = {32: 3, 64: 4}[frame_size]
  return tuple(base * 2 ** i for i in range(stages))


def build(model_config, variant: moving_mnist.Variant) -> tuple[nn.Module, nn.Module, nn.Module]:
  """(G, D_I, D_V) for clips of the Moving MNIST `variant` from the kind's model config:
  G is MoCoGAN's (`model.generator="mocogan"`) or the moving sprites ("sprite")."""
  t, h, w, c = variant.frame_shape
  m = model_config
  if m.generator == "sprite":
    generator = sprite_generator.SpriteVideoGenerator(
        num_frames=t, frame_size=h, channels=c, digit_size=variant.digit_size,
        objects=m.objects or variant.num_digits, motion_dim=m.motion_dim,
        base_features=m.g_features, num_classes=m.num_classes, conv_impl=m.conv_impl)
  else:
    generator = VideoGenerator(num_frames=t, frame_size=h, channels=c, motion_dim=m.motion_dim,
                               base_features=m.g_features, conv_impl=m.conv_impl)
  image_d = ImageDiscriminator(widths=d_widths(h, m.d_features), spectral_norm=m.d_spectral_norm,
                               num_classes=m.num_classes, conv_impl=m.conv_impl)
  video_d = VideoDiscriminator(widths=d_widths(h, m.d_features), spectral_norm=m.d_spectral_norm,
                               num_classes=m.num_classes, conv_impl=m.conv_impl)
  return generator, image_d, video_d
