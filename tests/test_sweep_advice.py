"""jaxgan.sweep_advice: the start-up warning for sweeps measured slower than separate runs."""

from jaxgan import configs
from jaxgan import sweep_advice


def _config(architecture, seeds):
  c = configs.base("gan")
  c.model.architecture = architecture
  c.sweep.seeds = seeds
  return c


def test_warns_for_a_conv_sweep_on_cpu_only():
  line = sweep_advice.warning(_config("dcgan_mnist", 8), backend="cpu")
  assert line and "./launch.sh sweep" in line and "0.72x" in line and "\n" not in line
  assert sweep_advice.warning(_config("dcgan_mnist", 8), backend="gpu") is None
  assert sweep_advice.warning(_config("dcgan_mnist", 1), backend="cpu") is None
  assert sweep_advice.warning(_config("mlp", 8), backend="cpu") is None
