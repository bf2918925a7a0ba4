"""The vanilla GAN of Goodfellow et al.: fully connected G and D with leaky ReLU."""

import math
from typing import Sequence

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.models import conditioning
from jaxgan.models import heads
from jaxgan.models import minibatch_std


class MLPGenerator(nn.Module):
  """z -> hidden layers -> tanh image of `image_shape`."""
  image_shape: Sequence[int] = (28, 28, 1)
  hidden: Sequence[int] = (128, 128)
  num_classes: int = 0
  negative_slope: float = 0.2

  @nn.compact
  def __call__(self, z, y=None, train: bool = True):
    h = conditioning.concat_one_hot(z, y, self.num_classes)
    for width in self.hidden:
      h = nn.leaky_relu(nn.Dense(width)(h), self.negative_slope)
    h = nn.Dense(math.prod(self.image_shape))(h)
    return jnp.tanh(h).reshape((z.shape[0], *self.image_shape))


class MLPDiscriminator(nn.Module):
  """image -> hidden layers -> one logit (+ heads.py's heads on the last hidden layer)."""
  hidden: Sequence[int] = (128, 128)
  num_classes: int = 0
  negative_slope: float = 0.2
  aux_classes: int = 0
  code_dims: Sequence[int] = (0, 0)
  minibatch_std: int = 0       # Group size of the minibatch-stddev feature; 0: none.

  @nn.compact
  def __call__(self, x, y=None, train: bool = True):
    h = conditioning.concat_one_hot(x.reshape((x.shape[0], -1)), y, self.num_classes)
    for width in self.hidden:
      h = nn.leaky_relu(nn.Dense(width)(h), self.negative_slope)
    h = minibatch_std.maybe_append(h, self.minibatch_std)
    logits = nn.Dense(1)(h)[:, 0]
    return heads.with_auxiliary(logits, h, train, self.aux_classes, self.code_dims)
