"""The train-state PyTrees: everything needed to continue a run, and nothing static.

Optimizers and modules are not in the state: they are rebuilt from the config and bound to
the step with functools.partial, so a checkpoint is arrays only.
"""

from typing import Any

import flax.struct
import jax
import jax.numpy as jnp
import optax


@flax.struct.dataclass
class Network:
  params: Any
  collections: Any   # Mutable variable collections: batch statistics, spectral-norm vectors.
  opt_state: Any

  def variables(self, params=None) -> dict:
    return {"params": self.params if params is None else params, **self.collections}


@flax.struct.dataclass
class GANState:
  step: jax.Array
  key: jax.Array       # The run's root key; each step uses fold_in(key, step).
  g: Network
  d: Network
  ema_params: Any      # Exponential moving average of G's parameters, for sampling/eval.


def init_network(module, key, inputs: tuple, tx: optax.GradientTransformation) -> Network:
  variables = dict(module.init(key, *inputs, train=False))
  params = variables.pop("params")
  return Network(params=params, collections=variables, opt_state=tx.init(params))


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
