"""The CycleGAN kind: domains A (`data`) and B (`domain_b`) as two streams, two ResNet
generators and two PatchGANs, the history pools in the state, A | G(A) | F(G(A)) grids, folder
translation, and FID / label preservation / cycle error beside the identity baseline."""

import dataclasses
import functools
import os
from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgan.kinds.cyclegan import image_pool
from jaxgan.translation import samples as it
from jaxgan import images
from jaxgan import interface
from jaxgan import optimizers
from jaxgan import state as state_lib
from jaxgan.data import spec
from jaxgan.kinds.cyclegan import config as config_lib
from jaxgan.kinds.cyclegan import step as step_lib
from jaxgan.translation import metrics as translation_metrics
from jaxgan.translation import patchgan
from jaxgan.kinds.cyclegan import resnet_translator

GRID_EXAMPLES = 8
DIRECTIONS = ("a2b", "b2a")


@dataclasses.dataclass(frozen=True)
class CycleGANKind(interface.Kind):
  g_ab: nn.Module = None
  g_ba: nn.Module = None
  d_a: nn.Module = None
  d_b: nn.Module = None
  g_tx: optax.GradientTransformation = None
  d_tx: optax.GradientTransformation = None

  progress_keys = ("g_adv", "cycle", "d_a_loss", "d_b_loss")

  config_module = config_lib

  @classmethod
  def from_config(cls, config) -> "CycleGANKind":
    m = config.model
    shape_a, shape_b = tuple(config.data.image_shape), config_lib.shape_b(config)

    def generator(out_channels):
      return resnet_translator.ResNetTranslator(
          out_channels=out_channels, features=m.g_features, blocks=m.g_blocks,
          downsamplings=m.downsamplings, norm=m.norm, conv_impl=m.conv_impl)

    def discriminator():
      return patchgan.PatchDiscriminator(features=m.d_features, max_features=m.d_max_features,
                                         num_layers=m.d_layers, norm=m.norm,
                                         conv_impl=m.conv_impl)

    return cls(config=config, g_ab=generator(shape_b[-1]), g_ba=generator(shape_a[-1]),
               d_a=discriminator(), d_b=discriminator(),
               g_tx=optimizers.make(config.optim, config.optim.g_lr, config.num_steps),
               d_tx=optimizers.make(config.optim, config.optim.d_lr, config.num_steps))

  # -- data --------------------------------------------------------------------------------
  @property
  def shapes(self) -> dict[str, tuple]:
    return {"a": tuple(self.config.data.image_shape), "b": config_lib.shape_b(self.config)}

  def _domain(self, name: str, split: str = "") -> tuple[str, str, str]:
    """(dataset, split, data_dir) of domain `name`; `split` "" is the training split."""
    c = self.config
    if name == "a":
      return c.data.name, split or c.data.split, c.data.data_dir
    b = c.domain_b
    return b.name, split or b.split or c.data.split, b.data_dir or c.data.data_dir

  def streams(self) -> dict[str, spec.Stream]:
    streams = {}
    for offset, name in enumerate(step_lib.STREAMS):
      dataset, split, data_dir = self._domain(name)
      # Different seed offsets: the two domains are shuffled independently (unpaired).
      streams[name] = spec.Stream(dataset, split, {"image": spec.Feature(self.shapes[name])},
                                  self.config.batch_size, data_dir, seed_offset=offset)
    return streams

  # -- training ----------------------------------------------------------------------------
  def init(self) -> step_lib.CycleGANState:
    c = self.config
    keys = jax.random.split(jax.random.PRNGKey(c.seed), 5)
    a = jnp.zeros((1, *self.shapes["a"]), jnp.float32)
    b = jnp.zeros((1, *self.shapes["b"]), jnp.float32)
    init = state_lib.init_network
    return step_lib.CycleGANState(
        step=jnp.zeros((), jnp.int32), key=keys[4],
        g_ab=init(self.g_ab, keys[0], (a,), self.g_tx),
        g_ba=init(self.g_ba, keys[1], (b,), self.g_tx),
        d_a=init(self.d_a, keys[2], (a,), self.d_tx),
        d_b=init(self.d_b, keys[3], (b,), self.d_tx),
        pool_a=image_pool.create(c.loss.pool_size, self.shapes["a"]),
        pool_b=image_pool.create(c.loss.pool_size, self.shapes["b"]))

  @property
  def step(self) -> Callable:
    return step_lib.make_step(self.config, self.g_ab, self.g_ba, self.d_a, self.d_b,
                              self.g_tx, self.d_tx)

  def with_config_hyperparams(self, state):
    o = self.config.optim
    g = lambda n: n.replace(opt_state=optimizers.with_peak_lr(n.opt_state, o.g_lr))
    d = lambda n: n.replace(opt_state=optimizers.with_peak_lr(n.opt_state, o.d_lr))
    return state.replace(g_ab=g(state.g_ab), g_ba=g(state.g_ba), d_a=d(state.d_a),
                         d_b=d(state.d_b))

  # -- translating -------------------------------------------------------------------------
  @functools.cached_property
  def _translate(self) -> Callable:
    def translate(network, x, direction: str):
      module = self.g_ab if direction == "a2b" else self.g_ba
      return module.apply({"params": network.params, **network.collections}, x, train=False)
    return jax.jit(translate, static_argnames="direction")

  def translate(self, state, images_in, direction: str) -> np.ndarray:
    """The generator of `direction` on images_in, in batches of eval.batch_size."""
    network = state.g_ab if direction == "a2b" else state.g_ba
    return it.in_chunks(lambda _, x: self._translate(network, x, direction), [images_in],
                        self.config.eval.batch_size)

  def export_function(self, state, use_ema: bool) -> interface.Exportable:
    """The translator of `sample.direction` (a2b or b2a) in inference mode: images of its
    source domain [batch, H, W, C] in [-1, 1] -> the other domain's. CycleGAN keeps no EMA:
    raw and EMA exports are the same network."""
    del use_ema
    direction = self.config.sample.direction
    network = jax.device_get(state.g_ab if direction == "a2b" else state.g_ba)
    module = self.g_ab if direction == "a2b" else self.g_ba
    variables = {"params": network.params, **network.collections}
    source, target = (self.shapes["a"], self.shapes["b"])[::1 if direction == "a2b" else -1]

    def translate(images_in):
      return module.apply(variables, images_in, train=False)

    return interface.Exportable(
        translate, {"image": (source, "float32")}, "translated", target,
        f"{direction}: images [batch, *{source}] in [-1, 1] -> [batch, *{target}] "
        f"(--config.sample.direction picks the translator)")

  def _eval_source(self, name: str):
    dataset, split, data_dir = self._domain(name, self.config.eval_split)
    return it.open_source(dataset, split, data_dir)

  def visuals(self, state) -> dict[str, np.ndarray]:
    """Per direction, groups of real | translated | translated back."""
    pictures = {}
    for direction, (src, back) in zip(DIRECTIONS, (("a", "b2a"), ("b", "a2b"))):
      real = next(it.batches(self._eval_source(src), ["image"], GRID_EXAMPLES,
                             GRID_EXAMPLES))["image"]
      out = self.translate(state, real, direction)
      pictures[f"{direction}"] = it.triple_grid([real, out, self.translate(state, out, back)])
    return pictures

  def write_samples(self, state, out_dir: str, key) -> None:
    """Grids of both directions, sample.num_images translations per direction as
    out_dir/<a2b|b2a>/NNNNNN.png, and config.sample.input_dir translated (sample.direction)
    under the same file names."""
    del key  # The generators are deterministic.
    c = self.config
    for direction, src, back in (("a2b", "a", "b2a"), ("b2a", "b", "a2b")):
      real = next(it.batches(self._eval_source(src), ["image"], c.sample.num_images,
                             c.sample.num_images))["image"]
      out = self.translate(state, real, direction)
      images.save_png(it.triple_grid([real, out, self.translate(state, out, back)]),
                      os.path.join(out_dir, f"{direction}.png"))
      for index, image in enumerate(images.to_uint8(out)):
        images.save_png(image, os.path.join(out_dir, direction, f"{index:06d}.png"))
    if c.sample.input_dir:
      direction = c.sample.direction
      it.translate_folder(c.sample.input_dir,
                          c.sample.output_dir or os.path.join(out_dir, "translated"),
                          self.shapes["a" if direction == "a2b" else "b"],
                          lambda x: self.translate(state, x, direction))

  # -- evaluation --------------------------------------------------------------------------
  @functools.cached_property
  def scorers(self) -> dict:
    """Per direction, a scorer on the target domain's shape; a colour domain's digits are
    read by the classifier through their brightest channel."""
    to_digit = lambda shape: translation_metrics.max_channel if shape[-1] > 1 else None
    return {d: translation_metrics.TranslationScorer(self.config.eval, self.shapes[t],
                                                     to_digit(self.shapes[t]))
            for d, t in (("a2b", "b"), ("b2a", "a"))}

  def evaluate(self, state) -> dict[str, float]:
    """Per direction (keys METRIC/DIRECTION/WHAT): FID of the translations against the target
    domain's eval split, label preservation when records have labels, and the cycle error
    |F(G(x)) - x|_1; the baseline is the identity (channels matched to the target domain)."""
    c = self.config
    results = {}
    for direction, src, dst, back in (("a2b", "a", "b", "b2a"), ("b2a", "b", "a", "a2b")):
      source, target = self._eval_source(src), self._eval_source(dst)
      names = ["image"] + (["label"] if "label" in source[0] else [])
      scorer = self.scorers[direction]
      reference = scorer.reference(
          f"{dst}/{c.eval_split}",
          lambda: (b["image"] for b in it.batches(target, ["image"], c.eval.num_samples,
                                                  c.eval.batch_size)))
      cycle = []

      def scored():
        for batch in it.batches(source, names, c.eval.num_samples, c.eval.batch_size):
          out = self.translate(state, batch["image"], direction)
          cycle.append(np.mean(np.abs(self.translate(state, out, back) - batch["image"]),
                               axis=(1, 2, 3)))
          yield {"output": out, "baseline": it.to_channels(batch["image"], self.shapes[dst][-1]),
                 **({"label": batch["label"]} if "label" in batch else {})}

      for key, value in scorer.score(scored(), reference, "identity").items():
        metric, _, what = key.partition("/")
        results[f"{metric}/{direction}" + (f"/{what}" if what else "")] = value
      results[f"cycle_l1/{direction}"] = float(np.mean(np.concatenate(cycle)))
    return results

  @property
  def best_metric(self):
    if not self.config.eval.best_metric:
      return None
    return f"fid[{self.config.eval.feature_network}]/a2b/output", "min"
