"""The GAN kind: G and D from the model registry, the n_dis-step update, samples, metrics."""

import dataclasses
import functools
from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgan import images
from jaxgan import interface
from jaxgan.kinds.gan import architectures as models
from jaxgan import optimizers
from jaxgan import sweep
from jaxgan.kinds.gan import precision
from jaxgan.data import spec
from jaxgan.data import synthetic
from jaxgan.kinds.gan import config as config_lib
from jaxgan.kinds.gan import remedies
from jaxgan.kinds.gan import state as state_lib
from jaxgan.kinds.gan import step as step_lib
from jaxgan.metrics import evaluator as evaluator_lib
from jaxgan.kinds.gan import codes as codes_lib


@dataclasses.dataclass(frozen=True)
class GANKind(interface.Kind):
  generator: nn.Module = None
  discriminator: nn.Module = None
  g_tx: optax.GradientTransformation = None
  d_tx: optax.GradientTransformation = None

  progress_keys = ("d_loss", "g_loss")
  sweep_axes = sweep.ADVERSARIAL_AXES

  config_module = config_lib

  @classmethod
  def convolutional(cls, config) -> bool:
    architecture = models.ARCHITECTURES.get(config.model.architecture)
    return bool(architecture and architecture.convolutional)

  @classmethod
  def from_config(cls, config) -> "GANKind":
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

  @property
  def image_shape(self) -> tuple:
    return tuple(self.config.data.image_shape)

  @property
  def examples_per_step(self) -> int:
    """Real images one step consumes: each discriminator update takes a fresh batch."""
    return self.config.batch_size * self.config.optim.n_dis

  def streams(self) -> dict[str, spec.Stream]:
    c = self.config
    # 2D mixtures are float points in model units; images are stored as uint8.
    dtype = "float32" if c.data.name in synthetic.MIXTURES else "uint8"
    features = {"image": spec.Feature(self.image_shape, dtype)}
    if c.model.num_classes:
      features["label"] = spec.Feature((), "int32", below=c.model.num_classes)
    return {step_lib.STREAM: spec.Stream(c.data.name, c.data.split, features,
                                         self.examples_per_step, c.data.data_dir)}

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
    return step_lib.make_gan_step(self.config, self.generator, self.discriminator, self.g_tx,
                                  self.d_tx)

  # -- sampling ----------------------------------------------------------------------------
  def fixed_latents(self, num: int, rows: int, key=None):
    """Noise (and labels: one class per grid row) for sample grids; fixed per run by default."""
    c = self.config
    if key is None:
      key = self.seed_key(interface.SAMPLES_SALT)
    z = jax.random.normal(key, (num, c.model.latent_dim), jnp.float32)
    z = codes_lib.append(z, codes_lib.grid(num, rows, *self.code_dims), self.code_dims[0])
    labels = None
    if c.model.num_classes:
      cols = -(-num // rows)
      labels = (jnp.arange(num) // cols) % c.model.num_classes
    return z, labels

  def standing_collections(self, state, params):
    """G's collections with BatchNorm statistics of `params` itself, computed on
    `optim.ema_bn_samples` samples of fixed noise (step.standing_collections)."""
    num = self.config.optim.get("ema_bn_samples", 0) or 1024
    z, labels = self.fixed_latents(num, num, jax.random.fold_in(state.key, 0xB47C))
    return step_lib.standing_collections(self.generator, params, state.g.collections, z, labels)

  @functools.cached_property
  def sampling_variables(self) -> Callable:
    """jitted (state, use_ema) -> (params, collections) to sample with. The EMA generator's
    BatchNorm statistics are its own (`optim.ema_bn_samples`; 0: the raw G's running
    averages). Computed once per batch of calls, not per generated batch."""
    bn_samples = self.config.optim.get("ema_bn_samples", 0)

    def run(state, use_ema: bool):
      if not use_ema:
        return state.g.params, state.g.collections
      if not bn_samples:
        return state.ema_params, state.g.collections
      return state.ema_params, self.standing_collections(state, state.ema_params)
    return jax.jit(run, static_argnames="use_ema")

  @functools.cached_property
  def apply_generator(self) -> Callable:
    """jitted (params, collections, z, labels) -> images, in inference mode."""
    return jax.jit(functools.partial(step_lib.generate, self.generator))

  def generate(self, state, z, labels, use_ema: bool):
    """Images from the EMA or the raw generator (`sampling_variables`)."""
    return self.apply_generator(*self.sampling_variables(state, use_ema), z, labels)

  def sample(self, state, num: int, key, use_ema: bool, batch_size: int = 256):
    """`num` images from noise drawn with `key`, generated `batch_size` at a time."""
    z, labels = self.fixed_latents(num, self.config.sample.grid_rows, key)
    variables = self.sampling_variables(state, use_ema)
    return jnp.concatenate([
        self.apply_generator(*variables, z[i:i + batch_size],
                             None if labels is None else labels[i:i + batch_size])
        for i in range(0, num, batch_size)])

  def visuals(self, state) -> dict[str, np.ndarray]:
    """The EMA generator on the run's fixed latents: a grid, or for 2D points one plot."""
    c = self.config
    if c.data.name in synthetic.MIXTURES:  # 2D points: one plot over the density.
      z, labels = self.fixed_latents(2500, 1)
      plot = synthetic.render(c.data.name, self.generate(state, z, labels, True))
      generated = plot[None].astype(jnp.float32) / 127.5 - 1.0
    else:
      z, labels = self.fixed_latents(c.sample.num_images, c.sample.grid_rows)
      generated = self.generate(state, z, labels, use_ema=True)
    return {"samples": images.make_grid(jax.device_get(generated), c.sample.grid_rows)}

  def write_samples(self, state, out_dir: str, key) -> None:
    c = self.config.sample
    generated = np.asarray(jax.device_get(self.sample(state, c.num_images, key, c.use_ema)))
    images.write_folder(generated, out_dir, c.grid_rows)

  def export_function(self, state, use_ema: bool) -> interface.Exportable:
    """G in inference mode with the weights and BatchNorm statistics that samples use
    (`sampling_variables`): noise (and, conditional, a class label) -> images in [-1, 1]."""
    c = self.config
    params, collections = jax.device_get(self.sampling_variables(state, use_ema))
    variables = {"params": params, **collections}
    inputs = {"z": ((c.model.latent_dim + codes_lib.input_dim(*self.code_dims),), "float32")}
    what = "z ~ N(0, I)"
    if c.model.num_classes:
      inputs["label"] = ((), "int32")
      what += f" and label in [0, {c.model.num_classes})"

    def generate(z, label=None):
      return self.generator.apply(variables, z, label, train=False)

    return interface.Exportable(generate, inputs, "images", self.image_shape,
                                f"{what} -> images [batch, *{self.image_shape}] in [-1, 1]")

  # -- evaluation --------------------------------------------------------------------------
  @functools.cached_property
  def evaluator(self) -> evaluator_lib.Evaluator:
    return evaluator_lib.Evaluator(self.config, self.image_shape)

  def eval_sample_batch(self, state, use_ema: bool) -> Callable:
    """sample_batch for `Evaluator.evaluate`: fixed noise per batch index (the same for raw
    and EMA, and across evaluations, so their differences are not sampling noise);
    conditional models cycle through the classes (`fixed_latents`, which also appends
    InfoGAN codes)."""
    key = self.seed_key(interface.EVAL_SALT)
    variables = self.sampling_variables(state, use_ema)

    def sample_batch(index: int, size: int):
      z, labels = self.fixed_latents(size, size, jax.random.fold_in(key, index))
      return self.apply_generator(*variables, z, labels), labels

    return sample_batch

  def evaluate(self, state) -> dict[str, float]:
    """config.eval's metrics of the raw and the EMA generator (`fid[lenet-mnist]/raw`,
    `.../ema`), the sample counts behind them, and the floor (`floor/fid[lenet-mnist]`: real
    test images scored the same way); see jaxgan/metrics/evaluator.py."""
    results = {}
    for tag, use_ema in (("raw", False), ("ema", True)):
      results.update(self.evaluator.evaluate(self.eval_sample_batch(state, use_ema), tag))
    return {**results, **self.evaluator.sample_counts(), **self.evaluator.floor()}

  @property
  def best_metric(self) -> tuple[str, str] | None:
    return self.evaluator.best_key  # Builds the feature network: bad eval fields fail here.
