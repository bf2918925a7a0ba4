"""The fields every experiment has, and the checks that run before anything is built."""

import math

import ml_collections

from jaxgan import losses
from jaxgan import models
from jaxgan import optimizers
from jaxgan import penalties
from jaxgan.data import sources
from jaxgan.errors import UserError


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
  c.data.data_dir = ""              # Default: $JAXGAN_DATA_DIR or ~/.cache/jaxgan/tensorflow_datasets.
  c.data.image_shape = (28, 28, 1)

  c.model = ml_collections.ConfigDict()
  c.model.architecture = "dcgan_mnist"
  c.model.latent_dim = 64
  c.model.num_classes = 0           # >0 makes G and D conditional on the label.
  c.model.conv_impl = "auto"        # auto | xla | fast (see jaxgan/ops/conv.py).

  c.loss = ml_collections.ConfigDict()
  c.loss.name = "non_saturating"

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

  c.sample = ml_collections.ConfigDict()
  c.sample.num_images = 64          # Images written by --mode=sample.
  c.sample.grid_rows = 8
  c.sample.use_ema = True
  c.sample.checkpoint_step = -1     # -1: the latest checkpoint.
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
  experiment.KINDS[c.kind].validate_config(c)


def validate_gan(c: ml_collections.ConfigDict) -> None:
  """The GAN kind's fields: architecture, losses, penalties, optimizers."""
  one_of("model.architecture", c.model.architecture, models.ARCHITECTURES)
  made_for = models.ARCHITECTURES[c.model.architecture][1]
  require(made_for is None or tuple(made_for) == tuple(c.data.image_shape), "data.image_shape",
          tuple(c.data.image_shape), f"{c.model.architecture} makes images of shape {made_for}")
  require(c.model.latent_dim > 0, "model.latent_dim", c.model.latent_dim, "must be positive")
  require(c.model.num_classes >= 0, "model.num_classes", c.model.num_classes, "must be >= 0")
  one_of("model.conv_impl", c.model.conv_impl, ("auto", "xla", "fast"))
  one_of("loss.name", c.loss.name, losses.LOSSES)
  one_of("penalty.name", c.penalty.name, penalties.PENALTIES)
  validate_optim(c)
  require(c.optim.n_dis >= 1, "optim.n_dis", c.optim.n_dis, "must be >= 1")
  require(0.0 <= c.optim.ema_decay < 1.0, "optim.ema_decay", c.optim.ema_decay,
          "must be in [0, 1)")


def validate_optim(c: ml_collections.ConfigDict, lr_fields=("g_lr", "d_lr")) -> None:
  one_of("optim.name", c.optim.name, optimizers.OPTIMIZERS)
  for field in lr_fields:
    value = c.optim[field]
    require(math.isfinite(value) and value > 0, f"optim.{field}", value,
            "must be a finite positive number")
