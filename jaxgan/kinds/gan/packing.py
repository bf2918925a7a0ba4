"""PacGAN packing (Lin et al. 2018, "PacGAN: The power of two samples in generative
adversarial networks").

The discriminator judges m samples at once: m real images concatenated along channels make
one real decision, m fakes one fake decision. A generator that puts too much mass on a few
modes produces packs whose members are too alike, which a packed D sees and one-sample D
cannot; the paper shows this penalises mode collapse without changing the optimum (packs
of i.i.d. samples from P and Q differ iff P and Q do). Only D's input layer changes: it
takes m * C channels.

`pack` groups consecutive examples: pack i holds examples m*i ... m*i + m - 1, channels of
the first member first. Real and fake batches go through the same function (the
`PackedDiscriminator` wrapper packs whatever it is given), so they are packed alike.
"""

import flax.linen as nn

from jaxgan.ops import batch_sharding


def pack(x, m: int):
  """[B, ..., C] -> [B / m, ..., m * C]: m consecutive examples concatenated along channels."""
  if m == 1:
    return x
  batch = x.shape[0]
  if batch % m:
    raise ValueError(f"pack: batch {batch} is not a multiple of the pack size {m}")
  # The packs keep the batch's sharding: each device packs its own examples.
  grouped = batch_sharding.reshape(x, (batch // m, m) + x.shape[1:], x)   # [B/m, m, ..., C]
  moved = grouped.transpose((0,) + tuple(range(2, x.ndim)) + (1, x.ndim))  # [B/m, ..., m, C]
  return moved.reshape((batch // m,) + x.shape[1:-1] + (m * x.shape[-1],))


def unpack(x, m: int):
  """The inverse of `pack`: [B / m, ..., m * C] -> [B, ..., C]."""
  if m == 1:
    return x
  channels = x.shape[-1] // m
  split = x.reshape(x.shape[:-1] + (m, channels))                # [B/m, ..., m, C]
  moved = split.transpose((0, x.ndim - 1) + tuple(range(1, x.ndim - 1)) + (x.ndim,))
  return moved.reshape((x.shape[0] * m,) + x.shape[1:-1] + (channels,))


def packed_shape(image_shape, m: int) -> tuple:
  """The input shape D is built for: (H, W, m * C)."""
  return tuple(image_shape[:-1]) + (m * image_shape[-1],)


class PackedDiscriminator(nn.Module):
  """D(pack(x, m)): one logit per pack of m examples. Unconditional only: a pack of examples
  of different classes has no one label to condition on."""
  inner: nn.Module
  pack_size: int = 2

  @nn.compact
  def __call__(self, x, y=None, train: bool = True):
    if y is not None:
      raise ValueError("PackedDiscriminator: packing is for unconditional discriminators")
    return self.inner(pack(x, self.pack_size), None, train)
