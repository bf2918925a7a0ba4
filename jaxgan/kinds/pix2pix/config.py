"""pix2pix's own config fields and their checks (the shared ones are jaxgan/configs.py)."""

import ml_collections

from jaxgan import configs
from jaxgan.translation import losses as translation_losses
from jaxgan.errors import one_of
from jaxgan.errors import require
from jaxgan.models import norms

RECONSTRUCTIONS = ("l1", "hole")


def default_config() -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.model = ml_collections.ConfigDict()
  c.model.source_channels = 0       # Channels of `source`; 0: those of data.image_shape.
  c.model.g_features = 64           # U-Net widths: 64, 128, ... up to g_max_features.
  c.model.g_max_features = 512
  c.model.g_depth = 0               # U-Net levels; 0: down to 1x1 (jaxgan/kinds/pix2pix/unet.py).
  c.model.dropout_blocks = 3        # Innermost decoder blocks with dropout 0.5 (the noise).
  c.model.test_dropout = True       # The paper keeps dropout on when translating.
  c.model.d_features = 64
  c.model.d_max_features = 512
  c.model.d_layers = 0              # PatchGAN strided stages; 0: scaled to the image size.
  c.model.norm = "instance"         # instance | batch | none (jaxgan/models/norms.py).
  c.model.conv_impl = "auto"

  c.loss = ml_collections.ConfigDict()
  c.loss.adversarial = "vanilla"    # vanilla (the paper's) | lsgan | relativistic_pairing.
  c.loss.reconstruction = "l1"      # l1: λ |G(x) - y|_1; hole: the context encoder's loss.
  c.loss.weight = translation_losses.L1_WEIGHT   # λ = 100.
  c.loss.overlap = 4                # hole: context band around the hole in the loss...
  c.loss.overlap_weight = 10.0      # ...weighted 10x (Pathak et al.).
  c.loss.paste_context = False      # Inpainting: output = G(x) in the hole, the input elsewhere.

  c.optim = configs.two_network_optim()

  c.eval_split = "test"             # Evaluation and the sample grids translate this split.
  c.sample = ml_collections.ConfigDict()  # Merged into the shared sample block.
  c.sample.input_dir = ""           # --mode=sample also translates these images...
  c.sample.output_dir = ""          # ...into this folder (same names); "": <samples>/translated.
  return c


def validate(c: ml_collections.ConfigDict) -> None:
  m = c.model
  require(m.source_channels >= 0, "model.source_channels", m.source_channels,
          "must be >= 0 (0: as data.image_shape)")
  for field in ("g_features", "g_max_features", "d_features", "d_max_features"):
    require(m[field] > 0, f"model.{field}", m[field], "must be positive")
  for field in ("g_depth", "dropout_blocks", "d_layers"):
    require(m[field] >= 0, f"model.{field}", m[field], "must be >= 0")
  h, w, _ = c.data.image_shape
  require(min(h, w) >= 16, "data.image_shape", tuple(c.data.image_shape),
          "pix2pix needs images of at least 16x16 (PatchGAN's receptive field)")
  one_of("model.norm", m.norm, norms.NORMS)
  one_of("model.conv_impl", m.conv_impl, ("auto", "xla", "fast"))
  one_of("loss.adversarial", c.loss.adversarial, translation_losses.ADVERSARIAL)
  one_of("loss.reconstruction", c.loss.reconstruction, RECONSTRUCTIONS)
  require(c.loss.weight >= 0, "loss.weight", c.loss.weight, "must be >= 0")
  require(c.loss.overlap >= 0, "loss.overlap", c.loss.overlap, "must be >= 0")
  require(c.loss.overlap_weight >= 0, "loss.overlap_weight", c.loss.overlap_weight,
          "must be >= 0")
  configs.validate_optim(c)
  require(bool(c.eval_split), "eval_split", c.eval_split, "must name a split of data.name")
  require(not c.sample.output_dir or c.sample.input_dir, "sample.output_dir",
          c.sample.output_dir, "is for sample.input_dir's translations; set that too")


def uses_mask(c) -> bool:
  return c.loss.reconstruction == "hole" or c.loss.paste_context
