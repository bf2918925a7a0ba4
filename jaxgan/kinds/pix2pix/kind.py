"""The pix2pix kind: a U-Net G and a source-conditioned PatchGAN D on (source, target)
records, triple grids, folder translation, and L1/PSNR/SSIM/FID/label metrics beside the
trivial baseline."""

import dataclasses
import functools
import os
from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgan.translation import samples as it
from jaxgan import images
from jaxgan import interface
from jaxgan import optimizers
from jaxgan import state as state_lib
from jaxgan.data import spec
from jaxgan.kinds.pix2pix import config as config_lib
from jaxgan.kinds.pix2pix import step as step_lib
from jaxgan.translation import metrics as translation_metrics
from jaxgan.translation import patchgan
from jaxgan.kinds.pix2pix import unet

GRID_EXAMPLES = 16


@dataclasses.dataclass(frozen=True)
class Pix2PixKind(interface.Kind):
  generator: nn.Module = None
  discriminator: nn.Module = None
  g_tx: optax.GradientTransformation = None
  d_tx: optax.GradientTransformation = None

  progress_keys = ("d_loss", "g_adv", "g_rec")

  config_module = config_lib

  @classmethod
  def from_config(cls, config) -> "Pix2PixKind":
    m = config.model
    generator = unet.UNetGenerator(
        out_channels=config.data.image_shape[-1], features=m.g_features,
        max_features=m.g_max_features, depth=m.g_depth, dropout_blocks=m.dropout_blocks,
        norm=m.norm, conv_impl=m.conv_impl)
    discriminator = patchgan.PatchDiscriminator(
        features=m.d_features, max_features=m.d_max_features, num_layers=m.d_layers,
        norm=m.norm, conv_impl=m.conv_impl)
    return cls(config=config, generator=generator, discriminator=discriminator,
               g_tx=optimizers.make(config.optim, config.optim.g_lr, config.num_steps),
               d_tx=optimizers.make(config.optim, config.optim.d_lr, config.num_steps))

  # -- shapes and data ---------------------------------------------------------------------
  @property
  def target_shape(self) -> tuple:
    return tuple(self.config.data.image_shape)

  @property
  def source_shape(self) -> tuple:
    h, w, c = self.target_shape
    return (h, w, self.config.model.source_channels or c)

  def features(self, with_label: bool = False) -> dict:
    h, w, _ = self.target_shape
    features = {"source": spec.Feature(self.source_shape),
                "target": spec.Feature(self.target_shape)}
    if config_lib.uses_mask(self.config):
      features["mask"] = spec.Feature((h, w, 1))
    if with_label:
      features["label"] = spec.Feature((), "int32")
    return features

  def streams(self) -> dict[str, spec.Stream]:
    c = self.config
    return {step_lib.STREAM: spec.Stream(c.data.name, c.data.split, self.features(),
                                         c.batch_size, c.data.data_dir)}

  # -- training ----------------------------------------------------------------------------
  def init(self) -> step_lib.Pix2PixState:
    key = jax.random.PRNGKey(self.config.seed)
    init_key, run_key = jax.random.split(key)
    g_key, d_key = jax.random.split(init_key)
    source = jnp.zeros((1, *self.source_shape), jnp.float32)
    target = jnp.zeros((1, *self.target_shape), jnp.float32)
    g = state_lib.init_network(self.generator, g_key, (source,), self.g_tx)
    d = state_lib.init_network(self.discriminator, d_key, (target, source), self.d_tx)
    return step_lib.Pix2PixState(step=jnp.zeros((), jnp.int32), key=run_key, g=g, d=d)

  @property
  def step(self) -> Callable:
    return step_lib.make_step(self.config, self.generator, self.discriminator, self.g_tx,
                              self.d_tx)

  def with_config_hyperparams(self, state):
    o = self.config.optim
    return state.replace(
        g=state.g.replace(opt_state=optimizers.with_peak_lr(state.g.opt_state, o.g_lr)),
        d=state.d.replace(opt_state=optimizers.with_peak_lr(state.d.opt_state, o.d_lr)))

  # -- translating -------------------------------------------------------------------------
  @functools.cached_property
  def _translate(self) -> Callable:
    dropout = bool(self.config.model.test_dropout)

    def translate(g, source, key):
      return self.generator.apply({"params": g.params, **g.collections}, source, train=False,
                                  dropout=dropout, rngs={"dropout": key})
    return jax.jit(translate)

  def translate(self, state, source, mask=None, key=None):
    """G(source) with running statistics (and dropout as the paper, if model.test_dropout),
    pasted into the known pixels when loss.paste_context; in batches of eval.batch_size."""
    key = jax.random.PRNGKey(self.config.seed) if key is None else key
    output = it.in_chunks(
        lambda index, x: self._translate(state.g, x, jax.random.fold_in(key, index)),
        [source], self.config.eval.batch_size)
    if self.config.loss.paste_context and mask is not None:
      output = step_lib.composite(output, jnp.asarray(source), jnp.asarray(mask))
    return np.asarray(output)

  def export_function(self, state, use_ema: bool) -> interface.Exportable:
    """The translator G in inference mode (running statistics) without test-time dropout, so
    the file is a deterministic function: source [batch, H, W, C] in [-1, 1] -> G's output.
    pix2pix keeps no EMA of G: raw and EMA exports are the same network."""
    del use_ema
    g = jax.device_get(state.g)
    variables = {"params": g.params, **g.collections}

    def translate(source):
      return self.generator.apply(variables, source, train=False, dropout=False)

    return interface.Exportable(
        translate, {"source": (self.source_shape, "float32")}, "target", self.target_shape,
        f"source [batch, *{self.source_shape}] in [-1, 1] -> G's translation "
        f"[batch, *{self.target_shape}] (no dropout; not pasted into known pixels)")

  def _eval_source(self):
    c = self.config
    return it.open_source(c.data.name, c.eval_split, c.data.data_dir)

  def _names(self, source) -> list[str]:
    first = source[0]
    return [n for n in ("source", "target", "mask", "label") if n in first]

  def _triples(self, state, num: int):
    source = self._eval_source()
    batch = next(it.batches(source, self._names(source), num, num))
    output = self.translate(state, batch["source"], batch.get("mask"))
    return batch, output

  def visuals(self, state) -> dict[str, np.ndarray]:
    batch, output = self._triples(state, GRID_EXAMPLES)
    return {"triples": it.triple_grid([batch["source"], output, batch["target"]])}

  def write_samples(self, state, out_dir: str, key) -> None:
    """The triple grid, each output as out_dir/outputs/NNNNNN.png, and the translations of
    config.sample.input_dir under the same file names."""
    c = self.config
    batch, output = self._triples(state, c.sample.num_images)
    images.save_png(it.triple_grid([batch["source"], output, batch["target"]]),
                    os.path.join(out_dir, "triples.png"))
    for index, image in enumerate(images.to_uint8(output)):
      images.save_png(image, os.path.join(out_dir, "outputs", f"{index:06d}.png"))
    if c.sample.input_dir:
      it.translate_folder(c.sample.input_dir,
                          c.sample.output_dir or os.path.join(out_dir, "translated"),
                          self.source_shape, lambda x: self.translate(state, x, key=key))

  # -- evaluation --------------------------------------------------------------------------
  @property
  def baseline(self) -> str:
    """The trivial translator: the masked input for inpainting, the source elsewhere."""
    return "masked_input" if config_lib.uses_mask(self.config) else "identity"

  @functools.cached_property
  def scorer(self):
    return translation_metrics.TranslationScorer(self.config.eval, self.target_shape)

  def evaluate(self, state) -> dict[str, float]:
    """eval.num_samples records of eval_split: L1/PSNR/SSIM against the target, FID of the
    outputs against the targets, label preservation where records have labels; each for
    the outputs and for the baseline."""
    c = self.config
    source = self._eval_source()
    names = self._names(source)
    base_key = self.seed_key(interface.EVAL_SALT)
    reference = self.scorer.reference(
        f"{c.data.name}/{c.eval_split}/target",
        lambda: (b["target"] for b in it.batches(source, ["target"], c.eval.num_samples,
                                                   c.eval.batch_size)))

    def scored():
      for index, batch in enumerate(it.batches(source, names, c.eval.num_samples,
                                               c.eval.batch_size)):
        output = self.translate(state, batch["source"], batch.get("mask"),
                                jax.random.fold_in(base_key, index))
        yield {**batch, "output": output,
               "baseline": it.to_channels(batch["source"], self.target_shape[-1])}

    return self.scorer.score(scored(), reference, self.baseline)

  @property
  def best_metric(self):
    """eval.best_metric "fid": the outputs' FID; any other: their L1 to the target."""
    best = self.config.eval.best_metric
    if not best:
      return None
    if best == "fid":
      return f"fid[{self.config.eval.feature_network}]/output", "min"
    return "l1/output", "min"
