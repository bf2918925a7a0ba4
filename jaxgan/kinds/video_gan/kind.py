"""The video GAN kind: a sequence GAN on Moving MNIST (MoCoGAN's generator, or moving sprites).

It consumes one stream, "train", of clips {"frames": uint8 (T, H, W, 1)} (and "labels" when
class-conditional) from the Moving MNIST variant named by `data.name`; its state is G, D_I,
D_V (each with its optimizer state) and the EMA of G. It draws a strip (one row per video, frames left to right), writes strips and
GIFs in --mode=sample, and evaluates with jaxgan/kinds/video_gan/metrics.py.
"""

import dataclasses
import functools
import os
from typing import Callable

import flax.linen as nn
import jax
import numpy as np
import optax

from jaxgan import images
from jaxgan import interface
from jaxgan import optimizers
from jaxgan import sweep
from jaxgan.data import spec
from jaxgan.kinds.video_gan import config as config_lib
from jaxgan.kinds.video_gan import step as step_lib
from jaxgan.kinds.video_gan import visuals as visuals_lib
from jaxgan.kinds.video_gan import metrics as video_metrics
from jaxgan.kinds.video_gan import networks as video_models

_STRIP_SALT = 0x57A1D   # Keys of the fixed strip latents, apart from training's.


@dataclasses.dataclass(frozen=True)
class VideoGANKind(interface.Kind):
  generator: nn.Module = None
  image_d: nn.Module = None
  video_d: nn.Module = None
  g_tx: optax.GradientTransformation = None
  d_tx: optax.GradientTransformation = None

  progress_keys = ("d_loss", "g_loss")
  sweep_axes = sweep.ADVERSARIAL_AXES
  best_metric = (f"fvd[{video_metrics.C3D}]/ema", "min")
  config_module = config_lib

  @classmethod
  def from_config(cls, config) -> "VideoGANKind":
    generator, image_d, video_d = video_models.build(config.model, config_lib.variant(config))
    # Schedules run over each network's own updates: D makes n_dis per step.
    return cls(config=config, generator=generator, image_d=image_d, video_d=video_d,
               g_tx=optimizers.make(config.optim, config.optim.g_lr, config.num_steps),
               d_tx=optimizers.make(config.optim, config.optim.d_lr,
                                    config.num_steps * config.optim.n_dis))

  @property
  def frame_shape(self) -> tuple:
    return config_lib.frame_shape(self.config)

  @property
  def examples_per_step(self) -> int:
    """Clips one step consumes: each D update takes a fresh batch."""
    return self.config.batch_size * self.config.optim.n_dis

  def streams(self) -> dict:
    c = self.config
    features = {"frames": spec.Feature(self.frame_shape, "uint8")}
    if c.model.num_classes:
      features["labels"] = spec.Feature((1,), "int32")
    return {"train": spec.Stream(c.data.name, c.data.split, features, self.examples_per_step,
                                 c.data.data_dir)}

  def init(self) -> step_lib.VideoGANState:
    m = self.config.model
    return step_lib.create_state(self.config.seed, self.generator, self.image_d, self.video_d,
                                 self.g_tx, self.d_tx, self.frame_shape, m.content_dim,
                                 m.noise_dim, m.context_frames, m.num_classes)

  @property
  def step(self) -> Callable:
    return step_lib.make_step(self.config, self.generator, self.image_d, self.video_d,
                              self.g_tx, self.d_tx)

  def with_config_hyperparams(self, state):
    o = self.config.optim
    lr = lambda net, value: net.replace(opt_state=optimizers.with_peak_lr(net.opt_state, value))
    return state.replace(g=lr(state.g, o.g_lr), image_d=lr(state.image_d, o.d_lr),
                         video_d=lr(state.video_d, o.d_lr))

  # -- generating ----------------------------------------------------------------------------
  @functools.cached_property
  def generate(self) -> Callable:
    """jitted (state, z, noise, context, labels, use_ema) -> videos [B, T, H, W, C] in
    [-1, 1]."""
    def run(state, z, noise, context, labels, use_ema: bool):
      params = state.ema_params if use_ema else state.g.params
      return step_lib.generate(self.generator, params, state.g.collections, z, noise, context,
                               labels)
    return jax.jit(run, static_argnames="use_ema")

  def latents(self, key, num: int):
    m = self.config.model
    return step_lib.latents(key, num, self.frame_shape[0], m.content_dim, m.noise_dim)

  def asked_labels(self, start: int, num: int):
    """The digits a conditional G is asked for in videos start..start+num: 0-9 in turn
    ([num] int32), or None when unconditional."""
    if not self.config.model.num_classes:
      return None
    return (np.arange(start, start + num) % self.config.model.num_classes).astype(np.int32)

  def real_context(self, split: str, start: int, num: int):
    """The first context_frames frames of real videos start..start+num, or None."""
    k = self.config.model.context_frames
    if not k:
      return None
    evaluator = self.evaluator
    return evaluator.real_videos(split, start, num)[:, :k]

  def videos(self, state, key, num: int, use_ema: bool, context_start: int = 0):
    z, noise = self.latents(key, num)
    context = self.real_context("test", context_start, num)
    labels = self.asked_labels(0, num)
    return np.asarray(jax.device_get(self.generate(state, z, noise, context, labels, use_ema)))

  def export_function(self, state, use_ema: bool) -> interface.Exportable:
    """G in inference mode (its running statistics), the EMA or raw weights: content noise
    z [Dc] and per-frame noise [T, De] (both N(0, I)), given frames [k, H, W, C] in [-1, 1]
    when model.context_frames = k > 0, a digit when conditional -> videos [T, H, W, C]."""
    m = self.config.model
    params = jax.device_get(state.ema_params if use_ema else state.g.params)
    collections = jax.device_get(state.g.collections)
    t, *frame = self.frame_shape
    inputs = {"z": ((m.content_dim,), "float32"), "noise": ((t, m.noise_dim), "float32")}
    if m.context_frames:
      inputs["context"] = ((m.context_frames, *frame), "float32")
    if m.num_classes:
      inputs["label"] = ((), "int32")

    def generate(*arrays):
      named = dict(zip(inputs, arrays))
      return step_lib.generate(self.generator, params, collections, named["z"], named["noise"],
                               named.get("context"), named.get("label"))

    shape = tuple(self.frame_shape)
    return interface.Exportable(generate, inputs, "videos", shape,
                                f"{', '.join(inputs)} -> videos [batch, *{shape}] in [-1, 1]")

  def visuals(self, state) -> dict:
    c = self.config
    key = jax.random.fold_in(jax.random.PRNGKey(c.seed), _STRIP_SALT)
    generated = self.videos(state, key, c.strip.num_videos, c.sample.use_ema)
    return {"samples": visuals_lib.strip(generated, context_frames=c.model.context_frames)}

  def write_samples(self, state, out_dir: str, key) -> None:
    """strip.png, animation.gif and one strip_NNN.png for each of sample.num_images videos,
    from noise drawn with key (continuation: given the first frames of test videos)."""
    c = self.config
    generated = self.videos(state, key, c.sample.num_images, c.sample.use_ema)
    k = c.model.context_frames
    images.save_png(visuals_lib.strip(generated, context_frames=k),
                    os.path.join(out_dir, "strip.png"))
    for index, video in enumerate(generated):
      images.save_png(visuals_lib.strip(video[None], context_frames=k),
                      os.path.join(out_dir, f"strip_{index:03d}.png"))
    rows = int(np.ceil(np.sqrt(len(generated))))
    visuals_lib.save_gif(generated, os.path.join(out_dir, "animation.gif"), rows)

  # -- evaluating ----------------------------------------------------------------------------
  @functools.cached_property
  def evaluator(self) -> video_metrics.Evaluator:
    e = self.config.video_eval
    return video_metrics.Evaluator(self.config.data.name, e.num_videos, e.num_reference,
                                   e.batch_size, self.config.model.context_frames,
                                   e.c3d_weights)

  @functools.cached_property
  def _floor(self) -> dict:
    return self.evaluator.floor()

  def evaluate(self, state) -> dict[str, float]:
    """fvd[mmnist-c3d], content_consistency[lenet-mnist], acd[lenet-mnist], LeNet's confidence
    and entropy on the first frame (and, conditional, the class accuracy of every frame) of
    the raw and the EMA generator (and PSNR/SSIM per generated frame in continuation mode,
    beside the copy-last-frame baseline), the floor (real test videos, `.../real_test`) and
    the sample counts."""
    c = self.config
    key = self.seed_key(interface.EVAL_SALT)
    batch = c.video_eval.batch_size
    results = {}
    for tag, use_ema in (("raw", False), ("ema", True)):
      def generate(start, size, context, use_ema=use_ema):
        z, noise = self.latents(jax.random.fold_in(key, start), batch)
        if context is not None and len(context) < batch:  # A fixed shape: one compilation.
          context = np.concatenate([context, np.repeat(context[-1:], batch - len(context), 0)])
        labels = self.asked_labels(start, batch)
        return np.asarray(self.generate(state, z, noise, context, labels, use_ema))[:size]
      asked = None
      if c.model.num_classes:
        asked = lambda start, size: self.asked_labels(start, size)[:, None]
      results.update(self.evaluator.evaluate(generate, tag, labels=asked))
    if c.video_eval.floor:
      results.update(self._floor)
    return {**results, **self.evaluator.sample_counts()}
