"""The GAN kind's own config fields and their checks (the shared ones are jaxgan/configs.py)."""

import ml_collections

from jaxgan import configs
from jaxgan import losses
from jaxgan.kinds.gan import architectures as models
from jaxgan import penalties
from jaxgan.errors import one_of
from jaxgan.errors import require
from jaxgan.kinds.gan import remedies


def default_config() -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.model = ml_collections.ConfigDict()
  c.model.architecture = "dcgan_mnist"
  c.model.latent_dim = 64
  c.model.num_classes = 0           # >0 makes G and D conditional on the label.
  c.model.conv_impl = "auto"        # auto | xla | fast (see jaxgan/ops/conv.py).
  c.model.dtype = "float32"         # Compute: float32 | bfloat16 (params, optimizer stay float32).
  c.model.conditioning = "concat"   # concat | projection | acgan (see jaxgan/models/__init__.py).
  c.model.info_categorical = 0      # InfoGAN: categories of the categorical code (0: none).
  c.model.info_continuous = 0       # InfoGAN: number of continuous U(-1, 1) codes.
  # Architecture options (0 / False: the architecture's default; models.ARCHITECTURES lists
  # who reads which): widths (resnet32 and the 28x28 DCGANs), spectral norm in G and D and
  # SAGAN self-attention at this resolution (resnet32).
  c.model.g_channels = 0
  c.model.d_channels = 0
  c.model.g_spectral_norm = False
  c.model.d_spectral_norm = False
  c.model.attention_resolution = 0
  c.model.d_batch_norm = True       # The 28x28 DCGANs' D: False drops its BatchNorm.

  c.loss = ml_collections.ConfigDict()
  c.loss.name = "non_saturating"
  c.loss.aux_weight = 1.0           # ACGAN's class loss and InfoGAN's lambda, if D has heads.

  c.penalty = ml_collections.ConfigDict()
  c.penalty.name = "none"
  c.penalty.weight = 0.0
  c.penalty.schedule = "constant"   # constant | cosine: anneal the weight over the run (R3GAN)...
  c.penalty.final_fraction = 0.1    # ...down to this fraction of penalty.weight.
  c.penalty.every = 1               # Lazy regularisation: every k-th step, k times the weight.
  c.penalty.examples = 0            # The penalty's estimate on the first k examples; 0: all.

  # Adam 2e-4 with DCGAN's betas; see configs.two_network_optim for the shared fields.
  c.optim = configs.two_network_optim(
      n_dis=1,                      # Discriminator updates per generator update.
      ema_decay=0.999,              # EMA of G's weights; 0 keeps a plain copy.
      # The EMA G's BatchNorm statistics, recomputed for its weights on this many samples
      # (standing statistics); 0 samples it with the raw G's running averages.
      ema_bn_samples=1024,
      **configs.RMSPROP_AND_SGD_FIELDS)
  c.optim.d_clip = 0.0              # WGAN: clip every D weight to [-c, c] after each update; 0: off.

  # Mode-collapse remedies, all off (remedies.py): PacGAN packing (model.pack), minibatch
  # stddev (model.minibatch_std), Unrolled GAN (optim.unroll_steps), DiffAugment (augment).
  remedies.add_defaults(c)
  return c


def validate(c: ml_collections.ConfigDict) -> None:
  """The GAN kind's fields: architecture, losses, penalties, optimizers."""
  one_of("model.architecture", c.model.architecture, models.ARCHITECTURES)
  made_for = models.ARCHITECTURES[c.model.architecture][1]
  require(made_for is None or tuple(made_for) == tuple(c.data.image_shape), "data.image_shape",
          tuple(c.data.image_shape), f"{c.model.architecture} makes images of shape {made_for}")
  require(c.model.latent_dim > 0, "model.latent_dim", c.model.latent_dim, "must be positive")
  require(c.model.num_classes >= 0, "model.num_classes", c.model.num_classes, "must be >= 0")
  one_of("model.conv_impl", c.model.conv_impl, ("auto", "xla", "fast"))
  one_of("model.dtype", c.model.get("dtype", "float32"), ("float32", "bfloat16"))
  validate_model(c.model)
  one_of("loss.name", c.loss.name, losses.LOSSES)
  require(c.loss.aux_weight >= 0, "loss.aux_weight", c.loss.aux_weight, "must be >= 0")
  one_of("penalty.name", c.penalty.name, penalties.PENALTIES)
  require(c.penalty.weight >= 0, "penalty.weight", c.penalty.weight, "must be >= 0")
  one_of("penalty.schedule", c.penalty.schedule, penalties.SCHEDULES)
  require(isinstance(c.penalty.every, int) and c.penalty.every >= 1, "penalty.every",
          c.penalty.every, "must be a positive integer (1: every step)")
  examples = c.penalty.get("examples", 0)
  require(isinstance(examples, int) and 0 <= examples <= c.batch_size, "penalty.examples",
          examples, f"must be an integer in [0, batch_size={c.batch_size}] (0: every example)")
  for field in ("pack", "minibatch_std"):   # D reads examples in groups of this size.
    group = c.model.get(field, 0)
    require(not examples or group <= 1 or examples % group == 0, "penalty.examples", examples,
            f"must be a multiple of model.{field}={group}")
  require(0.0 <= c.penalty.final_fraction <= 1.0, "penalty.final_fraction",
          c.penalty.final_fraction, "must be in [0, 1]")
  configs.validate_optim(c)
  require(c.optim.n_dis >= 1, "optim.n_dis", c.optim.n_dis, "must be >= 1")
  require(0.0 <= c.optim.ema_decay < 1.0, "optim.ema_decay", c.optim.ema_decay,
          "must be in [0, 1)")
  require(c.optim.get("ema_bn_samples", 0) >= 0, "optim.ema_bn_samples",
          c.optim.get("ema_bn_samples", 0), "must be >= 0 (0: the raw G's running averages)")
  require(c.optim.d_clip >= 0, "optim.d_clip", c.optim.d_clip, "must be >= 0 (0: no clipping)")
  remedies.validate(c)


def validate_model(m: ml_collections.ConfigDict) -> None:
  """Conditioning, InfoGAN codes and architecture options against what the architecture reads."""
  arch = models.ARCHITECTURES[m.architecture]
  one_of("model.conditioning", m.conditioning, arch.conditionings)
  require(m.conditioning != "acgan" or m.num_classes > 0, "model.conditioning", m.conditioning,
          "ACGAN's classifier needs model.num_classes > 0")
  for field in ("info_categorical", "info_continuous"):
    require(m[field] >= 0, f"model.{field}", m[field], "must be >= 0 (0: no such code)")
  defaults = default_config().model
  for field in ("g_channels", "d_channels", "g_spectral_norm", "d_spectral_norm",
                "attention_resolution", "minibatch_std", "d_batch_norm"):
    require(m[field] == defaults[field] or field in arch.options, f"model.{field}", m[field],
            f"architecture {m.architecture!r} does not read it; use one of "
            f"{sorted(n for n, a in models.ARCHITECTURES.items() if field in a.options)}")
  for field in ("g_channels", "d_channels", "attention_resolution"):
    require(m[field] >= 0, f"model.{field}", m[field], "must be >= 0 (0: default / off)")
