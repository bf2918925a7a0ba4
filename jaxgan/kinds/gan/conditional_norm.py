"""Conditional batch normalisation (de Vries et al. 2017; Miyato & Koyama 2018's generator):
batch statistics shared by all classes, a scale and an offset per class."""

import flax.linen as nn
import jax

from jaxgan.models import batch_norm


class ConditionalBatchNorm(nn.Module):
  """BN(x) * gamma[y] + beta[y]; an ordinary BatchNorm when `num_classes` is 0."""
  num_classes: int = 0

  @nn.compact
  def __call__(self, x, y=None, train: bool = True):
    conditional = self.num_classes > 0
    # momentum 0.9 and eps 1e-5 are PyTorch's BatchNorm defaults, as in models/dcgan.py.
    x = batch_norm.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5,
                             use_scale=not conditional, use_bias=not conditional)(x)
    if not conditional:
      return x
    if y is None:
      raise ValueError(f"conditional batch norm over {self.num_classes} classes got no labels")
    features = x.shape[-1]
    # A per-class table read as one_hot(y) @ table: a matmul shards with a sharded batch,
    # where a gather (nn.Embed) needs an explicit output sharding.
    one_hot = jax.nn.one_hot(y, self.num_classes, dtype=x.dtype)
    gamma = nn.Dense(features, use_bias=False, kernel_init=nn.initializers.ones,
                     name="gamma")(one_hot)
    beta = nn.Dense(features, use_bias=False, kernel_init=nn.initializers.zeros,
                    name="beta")(one_hot)
    shape = (x.shape[0],) + (1,) * (x.ndim - 2) + (features,)
    return x * gamma.reshape(shape) + beta.reshape(shape)
