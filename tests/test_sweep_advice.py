"""jaxgan.sweep_advice: the start-up warning for sweeps measured slower than separate runs, and
sweep.members_as's choice of program."""

import pytest

from jaxgan import configs
from jaxgan import sweep
from jaxgan import sweep_advice
from jaxgan.errors import UserError
from jaxgan.kinds.gan import config as gan_config


def _config(architecture, seeds, members_as="auto"):
  c = configs.base("gan")
  c.model.architecture = architecture
  c.sweep.seeds = seeds
  c.sweep.members_as = members_as
  return c


def test_warns_for_a_conv_sweep_on_cpu_only():
  line = sweep_advice.warning(_config("dcgan_mnist", 8), backend="cpu")
  assert line and "./launch.sh sweep" in line and "docs/performance.md" in line and "\n" not in line
  assert "members_as=unroll" in line
  vmapped = sweep_advice.warning(_config("dcgan_mnist", 8, "vmap"), backend="cpu")
  assert "members_as=vmap" in vmapped
  assert sweep_advice.warning(_config("dcgan_mnist", 8), backend="gpu") is None
  assert sweep_advice.warning(_config("dcgan_mnist", 1), backend="cpu") is None
  assert sweep_advice.warning(_config("mlp", 8), backend="cpu") is None


def test_auto_unrolls_conv_nets_on_cpu_and_vmaps_elsewhere():
  assert sweep.members_as(_config("dcgan_mnist", 8), "cpu") == "unroll"
  assert sweep.members_as(_config("resnet32", 8), "cpu") == "unroll"
  assert sweep.members_as(_config("dcgan_mnist", 8), "gpu") == "vmap"
  assert sweep.members_as(_config("mlp", 8), "cpu") == "vmap"
  assert sweep.members_as(_config("mlp", 8, "unroll"), "gpu") == "unroll"
  assert sweep.members_as(_config("dcgan_mnist", 8, "vmap"), "cpu") == "vmap"


def test_an_unknown_members_as_is_refused():
  with pytest.raises(UserError, match="sweep.members_as"):
    sweep.validate(_config("mlp", 2, "scan"), gan_config.validate)
