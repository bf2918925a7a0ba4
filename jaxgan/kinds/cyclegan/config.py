"""CycleGAN's own config fields and their checks (the shared ones are jaxgan/configs.py).

Domain A is the shared `data` block (data.name, data.split, data.image_shape); domain B is
`domain_b`, whose empty fields take A's values.
"""

import ml_collections

from jaxgan import configs
from jaxgan.kinds.cyclegan import image_pool
from jaxgan.translation import losses as tl
from jaxgan.errors import one_of
from jaxgan.errors import require
from jaxgan.models import norms


def default_config() -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.domain_b = ml_collections.ConfigDict()
  c.domain_b.name = ""              # Dataset of domain B (required).
  c.domain_b.split = ""             # "": data.split.
  c.domain_b.data_dir = ""          # "": data.data_dir.
  c.domain_b.image_shape = ()       # (): data.image_shape.

  c.model = ml_collections.ConfigDict()
  c.model.g_features = 64           # c7s1-64, d128, d256, R256 ... (models/resnet_translator.py)
  c.model.g_blocks = 0              # Residual blocks; 0: 6 below 256 px, 9 from 256.
  c.model.downsamplings = 2
  c.model.d_features = 64
  c.model.d_max_features = 512
  c.model.d_layers = 0              # PatchGAN strided stages; 0: scaled to the image size.
  c.model.norm = "instance"
  c.model.conv_impl = "auto"

  c.loss = ml_collections.ConfigDict()
  c.loss.adversarial = "lsgan"      # The paper's least squares | vanilla | relativistic_pairing.
  # Each D's zero-centred gradient penalty: none | r1 | r2 | r1_r2 (R3GAN's), weight gamma.
  c.loss.penalty = "none"
  c.loss.penalty_weight = 0.0
  c.loss.cycle_weight = tl.CYCLE_WEIGHT           # λ = 10.
  c.loss.identity_fraction = tl.IDENTITY_FRACTION  # Identity weight 0.5 λ; 0: off.
  c.loss.pool_size = image_pool.SIZE               # 50; 0: no history.

  c.optim = configs.two_network_optim()

  c.eval_split = "test"             # Both domains' split for evaluation and sample grids.
  c.sample = ml_collections.ConfigDict()
  c.sample.input_dir = ""           # --mode=sample also translates these images...
  c.sample.output_dir = ""          # ...into this folder (same names); "": <samples>/translated.
  c.sample.direction = "a2b"        # ...in this direction: a2b | b2a.
  return c


def shape_b(c) -> tuple:
  return tuple(c.domain_b.image_shape or c.data.image_shape)


def validate(c: ml_collections.ConfigDict) -> None:
  require(bool(c.domain_b.name), "domain_b.name", c.domain_b.name,
          "must name domain B's dataset (domain A is data.name)")
  b = shape_b(c)
  require(len(b) == 3 and all(int(s) > 0 for s in b), "domain_b.image_shape", b,
          "must be (height, width, channels) or () for data.image_shape")
  a = tuple(c.data.image_shape)
  require(a[:2] == b[:2], "domain_b.image_shape", b,
          f"must have domain A's height and width {a[:2]} (CycleGAN maps images of one size)")
  require(c.loss.identity_fraction == 0 or a[-1] == b[-1], "loss.identity_fraction",
          c.loss.identity_fraction,
          f"the identity loss needs the same channels in both domains ({a[-1]} vs {b[-1]}); "
          f"set it to 0")
  m = c.model
  for field in ("g_features", "d_features", "d_max_features"):
    require(m[field] > 0, f"model.{field}", m[field], "must be positive")
  for field in ("g_blocks", "downsamplings", "d_layers"):
    require(m[field] >= 0, f"model.{field}", m[field], "must be >= 0")
  factor = 2 ** m.downsamplings
  require(a[0] % factor == 0 and a[1] % factor == 0, "model.downsamplings", m.downsamplings,
          f"image sides {a[:2]} must be divisible by 2**downsamplings = {factor}")
  require(min(a[:2]) >= 16, "data.image_shape", a, "CycleGAN needs images of at least 16x16")
  one_of("model.norm", m.norm, norms.NORMS)
  one_of("model.conv_impl", m.conv_impl, ("auto", "xla", "fast"))
  one_of("loss.adversarial", c.loss.adversarial, tl.ADVERSARIAL)
  one_of("loss.penalty", c.loss.penalty, ("none", "r1", "r2", "r1_r2"))
  require(c.loss.penalty_weight >= 0, "loss.penalty_weight", c.loss.penalty_weight,
          "must be >= 0")
  require(c.loss.penalty == "none" or c.loss.penalty_weight > 0, "loss.penalty_weight",
          c.loss.penalty_weight, f"must be > 0 for loss.penalty={c.loss.penalty!r}")
  require(c.loss.penalty == "none" or m.norm != "batch", "model.norm", m.norm,
          "a gradient penalty needs examples that do not interact in D; use instance or none")
  for field in ("cycle_weight", "identity_fraction"):
    require(c.loss[field] >= 0, f"loss.{field}", c.loss[field], "must be >= 0")
  require(isinstance(c.loss.pool_size, int) and c.loss.pool_size >= 0, "loss.pool_size",
          c.loss.pool_size, "must be an integer >= 0 (0: no history)")
  configs.validate_optim(c)
  one_of("sample.direction", c.sample.direction, ("a2b", "b2a"))
  require(not c.sample.output_dir or c.sample.input_dir, "sample.output_dir",
          c.sample.output_dir, "is for sample.input_dir's translations; set that too")
