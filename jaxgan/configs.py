"""The fields every experiment has, and the checks that run before anything is built.

`base(kind)` is the shared fields plus the kind's own (`KIND.default_config()`, from
jaxgan/kinds/<kind>/); `validate` checks the shared ones, then asks the kind.
"""

import math

import ml_collections
from absl import logging

from jaxgan import errors
from jaxgan import interface
from jaxgan import optimizers
from jaxgan import sweep
from jaxgan.data import sources
from jaxgan.metrics import evaluator
from jaxgan.metrics import features
from jaxgan.metrics import network_choice

# The one-line checks, here too for the kinds' validate_config.
require = errors.require
one_of = errors.one_of


def shared() -> ml_collections.ConfigDict:
  """The fields every kind has; scripts and the loop rely on them."""
  c = ml_collections.ConfigDict()
  c.kind = "gan"                    # What trains: a folder of jaxgan/kinds.
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

  c.sample = ml_collections.ConfigDict()
  c.sample.num_images = 64          # Images written by --mode=sample.
  c.sample.grid_rows = 8
  c.sample.use_ema = True
  c.sample.checkpoint_step = -1     # -1: the latest checkpoint.

  # Evaluation (jaxgan/metrics/evaluator.py): --mode=eval, and every `eval_every` steps.
  c.eval_every = 0                  # Steps between evaluations while training; 0: never.
  c.eval = ml_collections.ConfigDict()
  # auto: lenet-mnist for MNIST-derived data, else inception-v3 when inception_weights is set,
  # else random-cnn (metrics/network_choice.py) | lenet-mnist | inception-v3 | random-cnn.
  c.eval.feature_network = "auto"
  c.eval.metrics = ("fid", "kid", "is")   # Of fid kid is pr dc class_accuracy modes.
  c.eval.num_samples = 10_000       # Generated samples per number (the literature: 10k or 50k).
  c.eval.reference_split = "train"  # Real statistics come from this split of data.name...
  c.eval.num_reference = 0          # ...a seeded subset of this many images; 0: all of it.
  c.eval.batch_size = 500
  c.eval.kid_subsets = 100          # KID: mean and std over this many subsets...
  c.eval.kid_subset_size = 1000     # ...of this many samples from each side (Binkowski et al.).
  c.eval.best_metric = "fid"        # Keeps workdir/best by this EMA metric (eval_every); "": off.
  c.eval.inception_weights = ""     # .npz from jaxgan/tools/convert_inception.py.
  c.eval.lenet_weights = ""         # "": the shipped jaxgan/metrics/weights/lenet_mnist.msgpack.
  c.eval.random_seed = 0            # Of the random-cnn feature network.
  c.eval.cache_dir = ""             # Reference statistics; "": <data dir>/jaxgan_reference_stats.

  # Several members trained in one program (jaxgan/sweep.py): seeds x every listed value of
  # the kind's axes (e.g. --config.sweep.d_lr=1e-4,2e-4 for the GAN).
  c.sweep = sweep.generic_fields()
  return c


def _merge(target: ml_collections.ConfigDict, extra: ml_collections.ConfigDict) -> None:
  for name, value in extra.items():
    if isinstance(value, ml_collections.ConfigDict) and isinstance(
        target.get(name), ml_collections.ConfigDict):
      _merge(target[name], value)
    else:
      target[name] = value


def base(kind: str = "gan") -> ml_collections.ConfigDict:
  """Shared fields + the kind's own defaults; an experiment file overrides what it needs."""
  experiment_kind = interface.find_kind(kind)
  c = shared()
  c.kind = kind
  _merge(c, experiment_kind.default_config())
  _merge(c.sweep, sweep.axes_config(experiment_kind))
  return c


def validate(c: ml_collections.ConfigDict, device_count: int, process_count: int = 1) -> None:
  """Raises UserError naming the first impossible field; runs before anything is built.

  Checks the fields every experiment has, then the kind's own (`Kind.validate_config`).
  """
  kind = interface.find_kind(c.kind)
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
  kind.validate_config(c)
  if "sweep" in c:
    sweep.validate(c, kind.validate_config)


def validate_eval(c: ml_collections.ConfigDict) -> None:
  """The `eval` block; what the data and model allow is checked when the evaluator is built."""
  require(isinstance(c.eval_every, int) and c.eval_every >= 0, "eval_every", c.eval_every,
          "must be a non-negative integer (0: no evaluation while training)")
  for metric in c.eval.metrics:
    one_of("eval.metrics", metric, evaluator.METRICS)
  for field in ("num_samples", "batch_size", "kid_subsets", "kid_subset_size"):
    require(c.eval[field] > 0, f"eval.{field}", c.eval[field], "must be positive")
  require(c.eval.num_reference >= 0, "eval.num_reference", c.eval.num_reference,
          "must be >= 0 (0: the whole split)")
  one_of("eval.feature_network", c.eval.feature_network,
         (network_choice.AUTO, *features.FEATURE_NETWORKS))
  if c.eval.feature_network == network_choice.AUTO:  # Resolved here: config.json says which.
    c.eval.feature_network, note = network_choice.choose(
        network_choice.AUTO, [c.data.name], c.eval.inception_weights)
    if note:
      logging.warning("%s", note)
  require(not c.eval.best_metric or c.eval.best_metric in evaluator.DIRECTION,
          "eval.best_metric", c.eval.best_metric,
          f"must be '' (off) or one of {sorted(evaluator.DIRECTION)}")


# rmsprop's squared-gradient decay (PyTorch's alpha) and the sgd and rmsprop momentum.
RMSPROP_AND_SGD_FIELDS = {"rms_decay": 0.99, "momentum": 0.0}


def _optim_block(learning_rates: dict, b1: float, extra: dict) -> ml_collections.ConfigDict:
  """An `optim` block (jaxgan/optimizers.py reads it): Adam by default, these learning rates,
  a constant schedule, no clipping, then `extra`'s fields in their order."""
  o = ml_collections.ConfigDict()
  o.name = "adam"
  for field, value in learning_rates.items():
    o[field] = value
  o.b1 = b1
  o.b2 = 0.999
  o.schedule = "constant"           # constant | linear (to 0) | cosine, over the run's updates,
  o.cooldown_fraction = 0.2         # or cooldown: constant, then linear to 0 over this fraction.
  o.grad_clip = 0.0                 # Clip gradients to this global norm; 0: off.
  for field, value in extra.items():
    o[field] = value
  return o


def optim_fields(lr: float = 1e-3, b1: float = 0.9) -> ml_collections.ConfigDict:
  """The `optim` block of a kind with one network."""
  return _optim_block({"lr": lr}, b1, RMSPROP_AND_SGD_FIELDS)


def two_network_optim(lr: float = 2e-4, b1: float = 0.5, **extra) -> ml_collections.ConfigDict:
  """The `optim` block of a kind with a generator and a discriminator: `g_lr` and `d_lr` (both
  `lr`), DCGAN's Adam betas by default, then the kind's own fields (`extra`: n_dis, ...)."""
  return _optim_block({"g_lr": lr, "d_lr": lr}, b1, extra)


def validate_optim(c: ml_collections.ConfigDict, lr_fields=("g_lr", "d_lr")) -> None:
  one_of("optim.name", c.optim.name, optimizers.OPTIMIZERS)
  one_of("optim.schedule", c.optim.get("schedule", "constant"), optimizers.SCHEDULES)
  fraction = c.optim.get("cooldown_fraction", 0.2)
  require(0.0 < fraction <= 1.0, "optim.cooldown_fraction", fraction, "must be in (0, 1]")
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
