"""The projection discriminator's output (Miyato & Koyama 2018):
D(x, y) = psi(phi(x)) + <embed(y), phi(x)>, i.e. a class-specific inner product added to the
unconditional logit, in place of concatenating the label."""

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models import spectral


class ProjectionOutput(nn.Module):
  """Features phi(x) [B, C] and labels y -> logits [B]; unconditional if `num_classes` is 0."""
  num_classes: int = 0
  spectral_norm: bool = True

  @nn.compact
  def __call__(self, features, y=None, train: bool = True):
    logits = spectral.apply(nn.Dense(1), features, enabled=self.spectral_norm, train=train)[:, 0]
    if not self.num_classes:
      return logits
    if y is None:
      raise ValueError(f"projection discriminator over {self.num_classes} classes got no labels")
    # embed(y) as one_hot(y) @ V: a matmul shards with the batch, where a gather would not.
    embedding = nn.Dense(features.shape[-1], use_bias=False,
                         kernel_init=nn.initializers.xavier_uniform(), name="embed")
    one_hot = jax.nn.one_hot(y, self.num_classes, dtype=features.dtype)
    class_vectors = spectral.apply(embedding, one_hot, enabled=self.spectral_norm, train=train)
    return logits + jnp.sum(class_vectors * features, axis=-1)
