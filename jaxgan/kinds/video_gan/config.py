"""The video GAN kind's own config fields and their checks.

Shared fields (seed, batch_size, num_steps, ..., data, eval_every) come from jaxgan.configs;
`data.name` picks the Moving MNIST variant, which fixes the clip shape (T, H, W, 1).
"""

import ml_collections

from jaxgan import configs
from jaxgan import losses
from jaxgan import penalties
from jaxgan.data import moving_mnist
from jaxgan.errors import require


def default_config() -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.model = ml_collections.ConfigDict()
  c.model.generator = "mocogan"     # mocogan: an image G per frame | sprite: moving sprites.
  c.model.objects = 0               # sprite: sprites per video; 0: the dataset's digits.
  c.model.num_classes = 0           # sprite: 10 makes videos of the digit asked for
                                    # (one-digit data; D_I and D_V get a class projection).
  c.model.content_dim = 50          # z_C, fixed per video (MoCoGAN: 50).
  c.model.noise_dim = 10            # eps(t), the GRU's input per frame (MoCoGAN: 10).
  c.model.motion_dim = 10           # z_M(t), the GRU's width (MoCoGAN: 10).
  c.model.g_features = 256          # Image generator's 4x4 width; each ConvT halves it.
  c.model.d_features = 64           # D_I and D_V first width; each stage doubles it.
  c.model.d_spectral_norm = False   # Spectral norm on every layer of D_I and D_V.
  c.model.conv_impl = "auto"        # auto | xla | fast (jaxgan/ops/conv.py).
  c.model.context_frames = 0        # Continuation: G is given this many real frames; 0: off.
  c.model.image_frames = 1          # Frames per video D_I sees each step.

  c.loss = ml_collections.ConfigDict()
  c.loss.name = "non_saturating"    # Any of jaxgan.losses.
  c.loss.image_weight = 1.0         # Of D_I's terms in the D and G losses.
  c.loss.video_weight = 1.0         # Of D_V's terms.

  c.penalty = ml_collections.ConfigDict()
  c.penalty.name = "none"           # Any of jaxgan.penalties, on both discriminators.
  c.penalty.weight = 0.0

  c.optim = configs.two_network_optim(n_dis=1, ema_decay=0.999, **configs.RMSPROP_AND_SGD_FIELDS)

  c.strip = ml_collections.ConfigDict()
  c.strip.num_videos = 8            # Rows of the periodic strip (one video per row); EMA G
                                    # if sample.use_ema; --mode=sample writes sample.num_images.

  c.video_eval = ml_collections.ConfigDict()
  c.video_eval.num_videos = 1024    # Generated videos per evaluation.
  c.video_eval.num_reference = 2048  # Real training videos behind fvd's reference Gaussian.
  c.video_eval.batch_size = 128
  c.video_eval.c3d_weights = ""     # "": the shipped mmnist-c3d (sha256-checked).
  c.video_eval.floor = True         # Also score real test videos (the floor), once per process.
  return c


def variant(c) -> moving_mnist.Variant:
  return moving_mnist.VARIANTS[c.data.name]


def frame_shape(c) -> tuple:
  return variant(c).frame_shape


def validate(c) -> None:
  """UserError naming the first impossible field of the video GAN kind."""
  require(c.data.name in moving_mnist.VARIANTS, "data.name", c.data.name,
           f"the video GAN reads Moving MNIST: one of {sorted(moving_mnist.VARIANTS)}")
  t = frame_shape(c)[0]
  m = c.model
  for field in ("content_dim", "noise_dim", "motion_dim", "g_features", "d_features",
                "image_frames"):
    require(isinstance(m[field], int) and m[field] > 0, f"model.{field}", m[field],
             "must be a positive integer")
  require(m.g_features % 8 == 0, "model.g_features", m.g_features,
           "must be divisible by 8 (each ConvT stage halves it)")
  require(m.generator in ("mocogan", "sprite"), "model.generator", m.generator,
          "must be 'mocogan' (an image generator per frame) or 'sprite' (moving sprites)")
  require(isinstance(m.objects, int) and m.objects >= 0, "model.objects", m.objects,
          "must be an integer >= 0 (0: one sprite per digit of the dataset)")
  require(m.generator != "sprite" or not m.context_frames
          or (m.objects or variant(c).num_digits) == 1, "model.context_frames",
          m.context_frames, "the sprite generator continues one-digit videos only; use "
          "moving_mnist_small or --config.model.context_frames=0")
  require(m.num_classes in (0, 10), "model.num_classes", m.num_classes,
          "must be 0 (unconditional) or 10 (the digit of a one-digit video)")
  require(not m.num_classes or (m.generator == "sprite" and variant(c).num_digits == 1),
          "model.num_classes", m.num_classes, "class-conditional videos need "
          "--config.model.generator=sprite and one-digit data (moving_mnist_small)")
  require(0 <= m.context_frames < t, "model.context_frames", m.context_frames,
           f"must be in [0, {t}) for {c.data.name}'s {t} frames (0: no continuation)")
  require(m.conv_impl in ("auto", "xla", "fast"), "model.conv_impl", m.conv_impl,
           "must be one of ['auto', 'fast', 'xla']")
  require(c.loss.name in losses.LOSSES, "loss.name", c.loss.name,
           f"must be one of {sorted(losses.LOSSES)}")
  require(not losses.LOSSES[c.loss.name].g_reads_real, "loss.name", c.loss.name,
          "the sequence GAN's G update has no real batch; use one of "
          f"{sorted(n for n, l in losses.LOSSES.items() if not l.g_reads_real)}")
  for field in ("image_weight", "video_weight"):
    require(c.loss[field] >= 0, f"loss.{field}", c.loss[field], "must be >= 0")
  require(c.loss.image_weight + c.loss.video_weight > 0, "loss.video_weight",
           c.loss.video_weight, "image_weight and video_weight cannot both be 0")
  require(c.penalty.name in penalties.PENALTIES, "penalty.name", c.penalty.name,
           f"must be one of {sorted(penalties.PENALTIES)}")
  require(c.penalty.weight >= 0, "penalty.weight", c.penalty.weight, "must be >= 0")
  configs.validate_optim(c)
  require(c.optim.n_dis >= 1, "optim.n_dis", c.optim.n_dis, "must be >= 1")
  require(0.0 <= c.optim.ema_decay < 1.0, "optim.ema_decay", c.optim.ema_decay,
           "must be in [0, 1)")
  require(c.strip.num_videos > 0, "strip.num_videos", c.strip.num_videos, "must be positive")
  for field in ("num_videos", "num_reference", "batch_size"):
    require(c.video_eval[field] >= 2, f"video_eval.{field}", c.video_eval[field],
             "must be >= 2 (a covariance needs two samples)")
