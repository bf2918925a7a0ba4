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
from jaxgan import precision
from jaxgan import state as state_lib
from jaxgan import steps
from jaxgan.data import synthetic
from jaxgan.kinds.gan import remedies
from jaxgan.models import codes as codes_lib


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

  def with_config_hyperparams(self, state):
    """A restored `state` with the learning rates of this config (they live in the optimizer
    state): the config given on resume wins. Kinds with one network (`state.net`) and
    `optim.lr` are handled here."""
    if hasattr(state, "net"):
      return state.replace(net=state.net.replace(
          opt_state=optimizers.with_peak_lr(state.net.opt_state, self.config.optim.lr)))
    return state

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
    generator, discriminator = precision.apply_policy(
        config.model.get("dtype", "float32"), generator,
        remedies.wrap_discriminator(config, discriminator))
    # Schedules run over each network's own updates: D makes n_dis per step.
    g_updates = config.num_steps
    d_updates = config.num_steps * config.optim.n_dis
    return cls(config=config, generator=generator, discriminator=discriminator,
               g_tx=optimizers.make(config.optim, config.optim.g_lr, g_updates),
               d_tx=optimizers.make(config.optim, config.optim.d_lr, d_updates))

  def with_config_hyperparams(self, state):
    o = self.config.optim
    return state.replace(
        g=state.g.replace(opt_state=optimizers.with_peak_lr(state.g.opt_state, o.g_lr)),
        d=state.d.replace(opt_state=optimizers.with_peak_lr(state.d.opt_state, o.d_lr)))

  @property
  def code_dims(self) -> tuple[int, int]:
    """InfoGAN's (categorical, continuous) code sizes; (0, 0) for other GANs."""
    return self.config.model.info_categorical, self.config.model.info_continuous

  def init(self) -> state_lib.GANState:
    c = self.config
    g_input_dim = c.model.latent_dim + codes_lib.input_dim(*self.code_dims)
    return state_lib.create_gan_state(c.seed, self.generator, self.discriminator, self.g_tx,
                                      self.d_tx, g_input_dim, self.image_shape,
                                      c.model.num_classes,
                                      d_init_batch=c.model.get("pack", 1))

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
    z = codes_lib.append(z, codes_lib.grid(num, rows, *self.code_dims), self.code_dims[0])
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
    if self.config.data.name in synthetic.MIXTURES:  # 2D points: one plot over the density.
      z, labels = self.fixed_latents(2500, 1)
      plot = synthetic.render(self.config.data.name, self.generate(state, z, labels, True))
      return plot[None].astype(jnp.float32) / 127.5 - 1.0
    z, labels = self.fixed_latents(self.config.sample.num_images, self.config.sample.grid_rows)
    return self.generate(state, z, labels, use_ema=True)

  @functools.cached_property
  def evaluator(self):
    from jaxgan.metrics import evaluator  # pylint: disable=import-outside-toplevel
    return evaluator.Evaluator(self.config, self.image_shape)

  def evaluate(self, state) -> dict[str, float]:
    """config.eval's metrics of the raw and the EMA generator (`fid[lenet-mnist]/raw`,
    `.../ema`) and the sample counts behind them; see jaxgan/metrics/evaluator.py."""
    from jaxgan.metrics import evaluator  # pylint: disable=import-outside-toplevel
    results = {}
    for tag, use_ema in (("raw", False), ("ema", True)):
      sample_batch = evaluator.gan_sample_batch(self, state, use_ema, self.config.seed)
      results.update(self.evaluator.evaluate(sample_batch, tag))
    return {**results, **self.evaluator.sample_counts()}

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
  from jaxgan import sweep  # pylint: disable=g-import-not-at-top  (it wraps the kinds)
  if sweep.is_sweep(config):
    return sweep.SweepExperiment.from_config(config)
  return KINDS[config.kind].from_config(config)


# Kinds in their own modules subclass Experiment, so they load after it and add their own
# KINDS line as they finish ("classifier", "vae"): either import order then works.
from jaxgan import classifier as _classifier  # pylint: disable=g-import-not-at-top,unused-import
from jaxgan import vae as _vae  # pylint: disable=g-import-not-at-top,unused-import
