"""Ways of feeding a class label to a network."""

import jax
import jax.numpy as jnp


def concat_one_hot(h, y, num_classes: int):
  """Appends one_hot(y) to the features `h` (Mirza & Osindero's CGAN); no-op if unconditional."""
  if not num_classes:
    return h
  if y is None:
    raise ValueError(f"this network is conditional on {num_classes} classes but got no labels")
  return jnp.concatenate([h, jax.nn.one_hot(y, num_classes, dtype=h.dtype)], axis=-1)
