"""What a config builds: networks, optimizers, the state initialiser and the pure step.

Training, sampling, evaluation and benchmarking all start from `build(config)`, so they agree
on the model. An experiment kind (GAN, VAE, classifier, ...) is a subclass of `Experiment`
plus one line in `KINDS`; the training loop needs nothing else.
"""

import dataclasses
import functools
from typing import Any, Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxgan import checkpoint
from jaxgan import configs
from jaxgan import models
from jaxgan import optimizers
from jaxgan import parallel
from jaxgan import state as state_lib
from jaxgan import steps


@dataclasses.dataclass(frozen=True)
class Experiment:
  """The interface the training loop relies on."""
  config: Any

  @classmethod
  def from_config(cls, config) -> "Experiment":
    raise NotImplementedError

  @staticmethod
  def validate_config(config) -> None:
    """Raises UserError (via configs.require) for an impossible field of this kind."""
    del config

  @property
  def image_shape(self) -> tuple:
    return tuple(self.config.data.image_shape)

  def init(self):
    """Returns a fresh train state (a PyTree of arrays) from `config.seed`."""
    raise NotImplementedError

  @property
  def step(self) -> Callable:
    """The pure `(state, batch) -> (state, metrics)` function, not yet jitted."""
    raise NotImplementedError

  @property
  def examples_per_step(self) -> int:
    return self.config.batch_size

  def sample_grid(self, state):
    """Images [N, H, W, C] in [-1, 1] for the periodic sample grid, or None."""
    del state
    return None

  def evaluate(self, state) -> dict[str, float]:
    """Measurements of a trained state (--mode=eval, config.eval_every); names say what made
    them, e.g. `fid[lenet-mnist]`. The default kind has none."""
    del state
    return {}

  def abstract_state(self, mesh):
    return checkpoint.abstract_with_sharding(jax.eval_shape(self.init), parallel.replicated(mesh))

  def init_state(self, mesh):
    return jax.jit(self.init, out_shardings=parallel.replicated(mesh))()

  def jit_step(self, mesh):
    return jax.jit(self.step, donate_argnums=0,
                   in_shardings=(parallel.replicated(mesh), parallel.batch_sharding(mesh)),
                   out_shardings=parallel.replicated(mesh))


@dataclasses.dataclass(frozen=True)
class GANExperiment(Experiment):
  generator: nn.Module = None
  discriminator: nn.Module = None
  g_tx: optax.GradientTransformation = None
  d_tx: optax.GradientTransformation = None

  validate_config = staticmethod(configs.validate_gan)

  @classmethod
  def from_config(cls, config) -> "GANExperiment":
    generator, discriminator = models.build_gan(config.model, config.data.image_shape)
    return cls(config=config, generator=generator, discriminator=discriminator,
               g_tx=optimizers.make(config.optim, config.optim.g_lr),
               d_tx=optimizers.make(config.optim, config.optim.d_lr))

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

  def fixed_latents(self, num: int, rows: int, key=None):
    """Noise (and labels: one class per grid row) for sample grids; fixed per run by default."""
    c = self.config
    if key is None:
      key = jax.random.fold_in(jax.random.PRNGKey(c.seed), 0x5A3B1E)
    z = jax.random.normal(key, (num, c.model.latent_dim), jnp.float32)
    labels = None
    if c.model.num_classes:
      cols = -(-num // rows)
      labels = (jnp.arange(num) // cols) % c.model.num_classes
    return z, labels

  @functools.cached_property
  def generate(self) -> Callable:
    """jitted (state, z, labels, use_ema) -> images, from the EMA or the raw generator."""
    def run(state, z, labels, use_ema: bool):
      params = state.ema_params if use_ema else state.g.params
      return steps.generate(self.generator, params, state.g.collections, z, labels)
    return jax.jit(run, static_argnames="use_ema")

  def sample_grid(self, state):
    z, labels = self.fixed_latents(self.config.sample.num_images, self.config.sample.grid_rows)
    return self.generate(state, z, labels, use_ema=True)

  def sample(self, state, num: int, key, use_ema: bool, batch_size: int = 256):
    """`num` images from noise drawn with `key`, generated `batch_size` at a time."""
    z, labels = self.fixed_latents(num, self.config.sample.grid_rows, key)
    return jnp.concatenate([
        self.generate(state, z[i:i + batch_size],
                      None if labels is None else labels[i:i + batch_size], use_ema=use_ema)
        for i in range(0, num, batch_size)])


# config.kind -> the class that builds it.
KINDS: dict[str, type] = {
    "gan": GANExperiment,
}


def build(config) -> Experiment:
  return KINDS[config.kind].from_config(config)


# Kinds in their own modules subclass Experiment, so they load after it and add their own
# KINDS line as they finish ("classifier", "vae"): either import order then works.
from jaxgan import classifier as _classifier  # pylint: disable=g-import-not-at-top,unused-import
from jaxgan import vae as _vae  # pylint: disable=g-import-not-at-top,unused-import
