"""The mode-collapse remedies as GAN config options, checked before anything is built.

  model.pack = m              PacGAN (Lin et al. 2018): D judges m samples at once (packing.py);
                              1: off. Unconditional GANs only; batch_size must divide by m.
  model.minibatch_std = G     minibatch standard deviation (Karras et al. 2018) before D's last
                              layer, over groups of G examples (models/minibatch_std.py); 0: off.
  optim.unroll_steps = K      Unrolled GAN (Metz et al. 2017): G's loss looks through K
                              differentiated D optimizer steps (unroll.py); 0: off.
  augment.policy = "color,translation,cutout"
                              DiffAugment (Zhao et al. 2020) on real and fake before D
                              (ops/diffaugment.py); "": off. Images only.

They combine freely with each other and with the losses, penalties and optimizers.
"""

import ml_collections

from jaxgan.data import synthetic
from jaxgan.errors import require as _require
from jaxgan.kinds.gan import packing
from jaxgan.kinds.gan import diffaugment


def add_defaults(c: ml_collections.ConfigDict) -> None:
  """The remedies' fields, all off."""
  c.model.pack = 1                  # PacGAN: samples per D decision; 1: off.
  c.model.minibatch_std = 0         # Karras et al.: minibatch-stddev group size; 0: off.
  c.optim.unroll_steps = 0          # Metz et al.: D steps G's loss looks through; 0: off.
  c.augment = ml_collections.ConfigDict()
  c.augment.policy = ""             # DiffAugment: e.g. "color,translation,cutout"; "": off.


def validate(c: ml_collections.ConfigDict) -> None:
  """One-line UserErrors for remedy fields that cannot work with the rest of the config."""
  m = c.model.get("pack", 1)
  _require(isinstance(m, int) and m >= 1, "model.pack", m,
           "must be an integer >= 1 (1: no packing)")
  if m > 1:
    conditional = c.model.num_classes or c.model.info_categorical or c.model.info_continuous
    _require(not conditional, "model.pack", m,
             "packing is for unconditional GANs; set model.num_classes=0 and no InfoGAN codes")
    _require(c.batch_size % m == 0, "model.pack", m,
             f"batch_size={c.batch_size} must be a multiple of it")
  group = c.model.get("minibatch_std", 0)
  _require(isinstance(group, int) and group >= 0, "model.minibatch_std", group,
           "must be an integer >= 0 (the group size; 0: off)")
  if group:
    decisions = c.batch_size // m
    _require(group > decisions or decisions % group == 0, "model.minibatch_std", group,
             f"the {decisions} examples D sees per batch must be a multiple of the group size")
  k = c.optim.get("unroll_steps", 0)
  _require(isinstance(k, int) and k >= 0, "optim.unroll_steps", k,
           "must be an integer >= 0 (0: no unrolling)")
  _require(not k or not c.optim.d_clip, "optim.unroll_steps", k,
           "is not combined with optim.d_clip (the unrolled steps would skip the clipping)")
  policy_text = c.get("augment", {}).get("policy", "")
  policy = diffaugment.parse_policy(policy_text)
  for name in policy:
    _require(name in diffaugment.POLICIES, "augment.policy", policy_text,
             f"{name!r} is not one of {list(diffaugment.POLICIES)} (comma-separated)")
  if policy:
    _require(c.data.name not in synthetic.MIXTURES and min(c.data.image_shape[:2]) > 1,
             "augment.policy", policy_text, f"DiffAugment is for images, not {c.data.name} points")


def wrap_discriminator(c, discriminator):
  """D, packed when model.pack > 1."""
  m = c.model.get("pack", 1)
  return packing.PackedDiscriminator(discriminator, m) if m > 1 else discriminator


def step_options(c) -> dict:
  """The remedies' arguments of the GAN step."""
  return dict(unroll_steps=c.optim.get("unroll_steps", 0),
              augment_policy=diffaugment.parse_policy(c.get("augment", {}).get("policy", "")))
