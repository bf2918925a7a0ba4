"""A small MLP generator for 2D point data (ring8, grid25): ReLU layers, linear output.

The points are coordinates, not pixels in [-1, 1] (the grid spans [-4, 4]), so the output has
no tanh. The discriminator is mlp.MLPDiscriminator with the same widths.
"""

import math
from typing import Sequence

import flax.linen as nn

from jaxgan.models import conditioning


class PointGenerator(nn.Module):
  """z -> [Dense, ReLU]* -> Dense (linear) -> points of `image_shape` (1, 1, 2)."""
  image_shape: Sequence[int] = (1, 1, 2)
  hidden: Sequence[int] = (128, 128, 128)
  num_classes: int = 0

  @nn.compact
  def __call__(self, z, y=None, train: bool = True):
    h = conditioning.concat_one_hot(z, y, self.num_classes)
    for width in self.hidden:
      h = nn.relu(nn.Dense(width)(h))
    return nn.Dense(math.prod(self.image_shape))(h).reshape((z.shape[0], *self.image_shape))
