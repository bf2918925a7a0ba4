"""What a config builds: networks, optimizers, the state initialiser and the step.

Training, sampling, evaluation and benchmarking all start here, so they agree on the model.
"""

import dataclasses
import functools
from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxgan import checkpoint
from jaxgan import models
from jaxgan import optimizers
from jaxgan import parallel
from jaxgan import state as state_lib
from jaxgan import steps


@dataclasses.dataclass(frozen=True)
class GANExperiment:
  config: object
  generator: nn.Module
  discriminator: nn.Module
  g_tx: optax.GradientTransformation
  d_tx: optax.GradientTransformation

  @property
  def image_shape(self) -> tuple:
    return tuple(self.config.data.image_shape)

  def init(self) -> state_lib.GANState:
    c = self.config
    return state_lib.create_gan_state(c.seed, self.generator, self.discriminator, self.g_tx,
                                      self.d_tx, c.model.latent_dim, self.image_shape,
                                      c.model.num_classes)

  @property
  def step(self) -> Callable:
    return steps.make_gan_step(self.config, self.generator, self.discriminator, self.g_tx,
                               self.d_tx)

  @property
  def examples_per_step(self) -> int:
    """Real images one step consumes: each discriminator update takes a fresh batch."""
    return self.config.batch_size * self.config.optim.n_dis

  def abstract_state(self, mesh):
    return checkpoint.abstract_with_sharding(jax.eval_shape(self.init), parallel.replicated(mesh))

  def init_state(self, mesh):
    return jax.jit(self.init, out_shardings=parallel.replicated(mesh))()

  def jit_step(self, mesh):
    return jax.jit(self.step, donate_argnums=0,
                   in_shardings=(parallel.replicated(mesh), parallel.batch_sharding(mesh)),
                   out_shardings=parallel.replicated(mesh))

  def fixed_latents(self, num: int, rows: int):
    """The noise (and labels: one class per grid row) behind every sample grid of a run."""
    c = self.config
    key = jax.random.fold_in(jax.random.PRNGKey(c.seed), 0x5A3B1E)
    z = jax.random.normal(key, (num, c.model.latent_dim), jnp.float32)
    labels = None
    if c.model.num_classes:
      cols = -(-num // rows)
      labels = (jnp.arange(num) // cols) % c.model.num_classes
    return z, labels

  @functools.cached_property
  def generate(self) -> Callable:
    """jitted (state, z, labels) -> images, from the EMA or the raw generator."""
    def run(state, z, labels, use_ema: bool):
      params = state.ema_params if use_ema else state.g.params
      return steps.generate(self.generator, params, state.g.collections, z, labels)
    return jax.jit(run, static_argnames="use_ema")


def build(config) -> GANExperiment:
  generator, discriminator = models.build_gan(config.model, config.data.image_shape)
  return GANExperiment(config=config, generator=generator, discriminator=discriminator,
                       g_tx=optimizers.make(config.optim, config.optim.g_lr),
                       d_tx=optimizers.make(config.optim, config.optim.d_lr))
