"""The GAN's train state: G, D, the EMA of G's weights, the step and the run's key."""

from typing import Any

import flax.struct
import jax
import jax.numpy as jnp

from jaxgan.state import Network
from jaxgan.state import init_network


@flax.struct.dataclass
class GANState:
  step: jax.Array
  key: jax.Array       # The run's root key; each step uses fold_in(key, step).
  g: Network
  d: Network
  ema_params: Any      # Exponential moving average of G's parameters, for sampling/eval.


def dummy_inputs(latent_dim: int, image_shape, num_classes: int, d_batch: int = 1):
  """One-example inputs for G and D (`d_batch` for D: a packed D takes packs of examples),
  used to initialise and to trace shapes."""
  labels = jnp.zeros((1,), jnp.int32) if num_classes else None
  z = jnp.zeros((1, latent_dim), jnp.float32)
  x = jnp.zeros((d_batch, *image_shape), jnp.float32)
  return (z, labels), (x, labels)


def create_gan_state(seed: int, generator, discriminator, g_tx, d_tx, latent_dim: int,
                     image_shape, num_classes: int, d_init_batch: int = 1) -> GANState:
  key = jax.random.PRNGKey(seed)
  init_key, run_key = jax.random.split(key)
  g_key, d_key = jax.random.split(init_key)
  g_inputs, d_inputs = dummy_inputs(latent_dim, image_shape, num_classes, d_init_batch)
  g = init_network(generator, g_key, g_inputs, g_tx)
  d = init_network(discriminator, d_key, d_inputs, d_tx)
  return GANState(step=jnp.zeros((), jnp.int32), key=run_key, g=g, d=d,
                  ema_params=jax.tree.map(jnp.copy, g.params))
