"""Each kind's config holds the shared fields and its own only; validation asks the kind."""

import pytest

from jaxgan import builder
from jaxgan import configs
from jaxgan.errors import UserError

SHARED = {"kind", "seed", "batch_size", "num_steps", "log_every", "checkpoint_every",
          "sample_every", "keep_checkpoints", "data", "sample", "eval_every", "eval", "sweep"}


@pytest.mark.parametrize("kind, own", [
    ("gan", {"model", "loss", "penalty", "optim", "augment"}),
    ("vae", {"model", "vae", "optim"}),
    ("classifier", {"model", "optim"}),
])
def test_a_kind_config_is_the_shared_fields_plus_its_own(kind, own):
  c = configs.base(kind)
  assert c.kind == kind and set(c) == SHARED | own
  configs.validate(c, 1)
  assert type(builder.build(c)) is builder.find_kind(kind)


def test_vae_and_classifier_configs_carry_no_gan_fields():
  for kind in ("vae", "classifier"):
    c = configs.base(kind)
    assert not {"g_lr", "d_lr", "n_dis", "ema_decay", "d_clip"} & set(c.optim)
    assert not {"g_channels", "d_channels", "conditioning", "dtype"} & set(c.model)
    assert set(c.sweep) == {"seeds", "member", "members_as", "lr"}
  assert {"g_lr", "d_lr", "penalty_weight", "ema_decay"} <= set(configs.base("gan").sweep)


@pytest.mark.parametrize("kind, field, value, message", [
    ("vae", "vae.likelihood", "poisson", "config.vae.likelihood='poisson': must be one of"),
    ("classifier", "model.num_classes", 1, "config.model.num_classes=1: a classifier needs"),
    ("gan", "optim.n_dis", 0, "config.optim.n_dis=0: must be >= 1"),
])
def test_validate_asks_the_kind(kind, field, value, message):
  c = configs.base(kind)
  block, name = field.split(".")
  c[block][name] = value
  with pytest.raises(UserError, match=message):
    configs.validate(c, 1)


def test_a_sweep_member_is_checked_as_its_kind_checks_a_single_run():
  c = configs.base("vae")
  c.sweep.lr = (1e-3, -1.0)
  with pytest.raises(UserError, match=r"sweep member 1 \(optim.lr=-1.0, seed=0\): "
                                      r"config.optim.lr=-1.0: must be a finite positive"):
    configs.validate(c, 1)
