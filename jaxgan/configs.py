"""The fields every experiment has, and the checks that run before anything is built."""

import math

import ml_collections

from jaxgan import losses
from jaxgan import models
from jaxgan import optimizers
from jaxgan import penalties
from jaxgan.data import sources
from jaxgan.errors import UserError
from jaxgan.kinds.gan import remedies


def base() -> ml_collections.ConfigDict:
  """Defaults shared by all GAN experiments; an experiment file overrides what it needs."""
  c = ml_collections.ConfigDict()
  c.kind = "gan"                    # What trains: see jaxgan/experiment.py KINDS.
  c.seed = 0
  c.batch_size = 64                 # Global, across all devices and hosts.
  c.num_steps = 10_000
  c.log_every = 100
  c.checkpoint_every = 1_000
  c.sample_every = 1_000
  c.keep_checkpoints = 3

  c.data = ml_collections.ConfigDict()
  c.data.name = "shipped_mnist"     # A shipped dataset or any TFDS catalog name.
  c.data.split = "train"
  c.data.data_dir = ""              # "": $JAXGAN_DATA_DIR or ~/.cache/jaxgan/tensorflow_datasets.
  c.data.image_shape = (28, 28, 1)

  c.model = ml_collections.ConfigDict()
  c.model.architecture = "dcgan_mnist"
  c.model.latent_dim = 64
  c.model.num_classes = 0           # >0 makes G and D conditional on the label.
  c.model.conv_impl = "auto"        # auto | xla | fast (see jaxgan/ops/conv.py).
  c.model.dtype = "float32"         # Compute: float32 | bfloat16 (params, optimizer stay float32).
  c.model.conditioning = "concat"   # concat | projection | acgan (see jaxgan/models/__init__.py).
  c.model.info_categorical = 0      # InfoGAN: categories of the categorical code (0: none).
  c.model.info_continuous = 0       # InfoGAN: number of continuous U(-1, 1) codes.
  # ResNet options (0 / False: the architecture's default; models.ARCHITECTURES lists who reads
  # which): widths, spectral norm in G and D, SAGAN self-attention at this resolution.
  c.model.g_channels = 0
  c.model.d_channels = 0
  c.model.g_spectral_norm = False
  c.model.d_spectral_norm = False
  c.model.attention_resolution = 0

  c.loss = ml_collections.ConfigDict()
  c.loss.name = "non_saturating"
  c.loss.aux_weight = 1.0           # ACGAN's class loss and InfoGAN's lambda, if D has heads.

  c.penalty = ml_collections.ConfigDict()
  c.penalty.name = "none"
  c.penalty.weight = 0.0

  c.optim = ml_collections.ConfigDict()
  c.optim.name = "adam"
  c.optim.g_lr = 2e-4
  c.optim.d_lr = 2e-4
  c.optim.b1 = 0.5
  c.optim.b2 = 0.999
  c.optim.n_dis = 1                 # Discriminator updates per generator update.
  c.optim.ema_decay = 0.999         # EMA of G's weights; 0 keeps a plain copy.
  c.optim.schedule = "constant"     # constant | linear (to 0) | cosine, over the run's updates.
  c.optim.grad_clip = 0.0           # Clip gradients to this global norm; 0: off.
  c.optim.rms_decay = 0.99          # rmsprop's squared-gradient decay (PyTorch's alpha).
  c.optim.momentum = 0.0            # sgd and rmsprop momentum.
  c.optim.d_clip = 0.0              # WGAN: clip every D weight to [-c, c] after each update; 0: off.

  # Mode-collapse remedies, all off (jaxgan/kinds/gan/remedies.py): PacGAN packing,
  # minibatch stddev, Unrolled GAN, DiffAugment.
  remedies.add_defaults(c)

  c.sample = ml_collections.ConfigDict()
  c.sample.num_images = 64          # Images written by --mode=sample.
  c.sample.grid_rows = 8
  c.sample.use_ema = True
  c.sample.checkpoint_step = -1     # -1: the latest checkpoint.

  # Evaluation (jaxgan/metrics/evaluator.py): --mode=eval, and every `eval_every` steps.
  c.eval_every = 0                  # Steps between evaluations while training; 0: never.
  c.eval = ml_collections.ConfigDict()
  c.eval.feature_network = "lenet-mnist"  # lenet-mnist | inception-v3 | random-cnn
  c.eval.metrics = ("fid", "kid", "is")   # Of fid kid is pr dc class_accuracy modes.
  c.eval.num_samples = 10_000       # Generated samples per number (the literature: 10k or 50k).
  c.eval.reference_split = "train"  # Real statistics come from this split of data.name...
  c.eval.num_reference = 0          # ...a seeded subset of this many images; 0: all of it.
  c.eval.batch_size = 500
  c.eval.kid_subsets = 100          # KID: mean and std over this many subsets...
  c.eval.kid_subset_size = 1000     # ...of this many samples from each side (Binkowski et al.).
  c.eval.best_metric = "fid"        # Keeps workdir/best by this EMA metric (eval_every); "": off.
  c.eval.inception_weights = ""     # .npz from jaxgan/metrics/convert_inception.py.
  c.eval.lenet_weights = ""         # "": the shipped jaxgan/metrics/weights/lenet_mnist.msgpack.
  c.eval.random_seed = 0            # Of the random-cnn feature network.
  c.eval.cache_dir = ""             # Reference statistics; "": <data dir>/jaxgan_reference_stats.

  # Several members trained in one program (jaxgan/sweep.py): seeds x every listed value.
  c.sweep = ml_collections.ConfigDict()
  c.sweep.seeds = 1                 # Seeds seed, seed+1, ... per hyperparameter point.
  c.sweep.g_lr = ()                 # e.g. --config.sweep.g_lr=1e-4,2e-4; (): optim.g_lr alone.
  c.sweep.d_lr = ()
  c.sweep.penalty_weight = ()
  c.sweep.ema_decay = ()
  c.sweep.member = -1               # --mode=export_member: the member to export.
  return c


def require(condition: bool, field: str, value, why: str) -> None:
  """Raises the one-line UserError `config.FIELD=VALUE: WHY` unless `condition` holds."""
  if not condition:
    raise UserError(f"config.{field}={value!r}: {why}")


def one_of(field: str, value, choices) -> None:
  require(value in choices, field, value, f"must be one of {sorted(choices)}")


def validate(c: ml_collections.ConfigDict, device_count: int, process_count: int = 1) -> None:
  """Raises UserError naming the first impossible field; runs before anything is built.

  Checks the fields every experiment has, then the kind's own (`Experiment.validate_config`).
  """
  from jaxgan import experiment  # The kinds registry imports the models; keep this module light.
  one_of("kind", c.kind, experiment.KINDS)
  for field in ("batch_size", "num_steps", "log_every", "checkpoint_every", "sample_every",
                "keep_checkpoints"):
    value = c[field]
    positive = field != "num_steps"
    require(isinstance(value, int) and (value > 0 if positive else value >= 0), field, value,
            "must be a positive integer" if positive else "must be a non-negative integer")
  require(c.batch_size % device_count == 0, "batch_size", c.batch_size,
          f"must be divisible by the {device_count} devices")
  require(c.batch_size % process_count == 0, "batch_size", c.batch_size,
          f"must be divisible by the {process_count} processes")
  require(bool(c.data.name), "data.name", c.data.name,
          f"must name a dataset ({sorted(sources.SHIPPED)} ship with jaxgan)")
  require(len(c.data.image_shape) == 3 and all(int(s) > 0 for s in c.data.image_shape),
          "data.image_shape", c.data.image_shape, "must be (height, width, channels)")
  require(c.sample.num_images > 0, "sample.num_images", c.sample.num_images, "must be positive")
  require(c.sample.grid_rows > 0, "sample.grid_rows", c.sample.grid_rows, "must be positive")
  if "eval" in c:
    validate_eval(c)
  experiment.KINDS[c.kind].validate_config(c)
  if "sweep" in c:
    from jaxgan import sweep  # pylint: disable=g-import-not-at-top
    sweep.validate(c, experiment.KINDS[c.kind].validate_config)


def validate_eval(c: ml_collections.ConfigDict) -> None:
  """The `eval` block; what the data and model allow is checked when the evaluator is built."""
  from jaxgan.metrics import evaluator  # Imports the feature networks; keep this module light.
  require(isinstance(c.eval_every, int) and c.eval_every >= 0, "eval_every", c.eval_every,
          "must be a non-negative integer (0: no evaluation while training)")
  for metric in c.eval.metrics:
    one_of("eval.metrics", metric, evaluator.METRICS)
  for field in ("num_samples", "batch_size", "kid_subsets", "kid_subset_size"):
    require(c.eval[field] > 0, f"eval.{field}", c.eval[field], "must be positive")
  require(c.eval.num_reference >= 0, "eval.num_reference", c.eval.num_reference,
          "must be >= 0 (0: the whole split)")
  require(not c.eval.best_metric or c.eval.best_metric in evaluator.DIRECTION,
          "eval.best_metric", c.eval.best_metric,
          f"must be '' (off) or one of {sorted(evaluator.DIRECTION)}")


def validate_gan(c: ml_collections.ConfigDict) -> None:
  """The GAN kind's fields: architecture, losses, penalties, optimizers."""
  one_of("model.architecture", c.model.architecture, models.ARCHITECTURES)
  made_for = models.ARCHITECTURES[c.model.architecture][1]
  require(made_for is None or tuple(made_for) == tuple(c.data.image_shape), "data.image_shape",
          tuple(c.data.image_shape), f"{c.model.architecture} makes images of shape {made_for}")
  require(c.model.latent_dim > 0, "model.latent_dim", c.model.latent_dim, "must be positive")
  require(c.model.num_classes >= 0, "model.num_classes", c.model.num_classes, "must be >= 0")
  one_of("model.conv_impl", c.model.conv_impl, ("auto", "xla", "fast"))
  one_of("model.dtype", c.model.get("dtype", "float32"), ("float32", "bfloat16"))
  validate_gan_model(c.model)
  one_of("loss.name", c.loss.name, losses.LOSSES)
  require(c.loss.aux_weight >= 0, "loss.aux_weight", c.loss.aux_weight, "must be >= 0")
  one_of("penalty.name", c.penalty.name, penalties.PENALTIES)
  require(c.penalty.weight >= 0, "penalty.weight", c.penalty.weight, "must be >= 0")
  validate_optim(c)
  require(c.optim.n_dis >= 1, "optim.n_dis", c.optim.n_dis, "must be >= 1")
  require(0.0 <= c.optim.ema_decay < 1.0, "optim.ema_decay", c.optim.ema_decay,
          "must be in [0, 1)")
  require(c.optim.d_clip >= 0, "optim.d_clip", c.optim.d_clip, "must be >= 0 (0: no clipping)")
  remedies.validate(c)


def validate_gan_model(m: ml_collections.ConfigDict) -> None:
  """Conditioning, InfoGAN codes and architecture options against what the architecture reads."""
  arch = models.ARCHITECTURES[m.architecture]
  one_of("model.conditioning", m.conditioning, arch.conditionings)
  require(m.conditioning != "acgan" or m.num_classes > 0, "model.conditioning", m.conditioning,
          "ACGAN's classifier needs model.num_classes > 0")
  for field in ("info_categorical", "info_continuous"):
    require(m[field] >= 0, f"model.{field}", m[field], "must be >= 0 (0: no such code)")
  defaults = base().model
  for field in ("g_channels", "d_channels", "g_spectral_norm", "d_spectral_norm",
                "attention_resolution", "minibatch_std"):
    require(m[field] == defaults[field] or field in arch.options, f"model.{field}", m[field],
            f"architecture {m.architecture!r} does not read it; use one of "
            f"{sorted(n for n, a in models.ARCHITECTURES.items() if field in a.options)}")
  for field in ("g_channels", "d_channels", "attention_resolution"):
    require(m[field] >= 0, f"model.{field}", m[field], "must be >= 0 (0: default / off)")


def validate_optim(c: ml_collections.ConfigDict, lr_fields=("g_lr", "d_lr")) -> None:
  one_of("optim.name", c.optim.name, optimizers.OPTIMIZERS)
  one_of("optim.schedule", c.optim.get("schedule", "constant"), optimizers.SCHEDULES)
  grad_clip = c.optim.get("grad_clip", 0.0)
  require(grad_clip >= 0, "optim.grad_clip", grad_clip, "must be >= 0 (0: no clipping)")
  rms_decay = c.optim.get("rms_decay", 0.99)
  require(0.0 <= rms_decay < 1.0, "optim.rms_decay", rms_decay, "must be in [0, 1)")
  momentum = c.optim.get("momentum", 0.0)
  require(0.0 <= momentum < 1.0, "optim.momentum", momentum, "must be in [0, 1)")
  for field in lr_fields:
    value = c.optim[field]
    require(math.isfinite(value) and value > 0, f"optim.{field}", value,
            "must be a finite positive number")
