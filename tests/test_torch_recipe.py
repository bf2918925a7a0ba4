"""The PyTorch recipe of the time-to-quality benchmark (benchmarks/torch_recipe.py) computes
jaxgan's losses and penalties, and its step runs."""

import os
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments import dcgan_mnist
from jaxgan import losses
from jaxgan import penalties

torch = pytest.importorskip("torch")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))
import torch_recipe  # pylint: disable=wrong-import-position


@pytest.mark.parametrize("name", sorted(torch_recipe.LOSSES))
def test_losses_match_jaxgan(name):
  rng = np.random.default_rng(0)
  real, fake = rng.normal(size=(2, 6)).astype(np.float32) * 2
  d, g = torch_recipe.LOSSES[name]
  t_real, t_fake = torch.from_numpy(real), torch.from_numpy(fake)
  np.testing.assert_allclose(float(d(t_real, t_fake)), losses.get(name).d(real, fake),
                             rtol=1e-5)
  np.testing.assert_allclose(float(g(t_real, t_fake)), losses.get(name).g(real, fake),
                             rtol=1e-5)
  assert (name in torch_recipe.G_READS_REAL) == losses.get(name).g_reads_real


@pytest.mark.parametrize("name", ["r1", "r2", "r1_r2"])
def test_penalties_match_jaxgan_on_a_shared_discriminator(name):
  rng = np.random.default_rng(1)
  w1 = rng.normal(size=(16, 5)).astype(np.float32)
  w2 = rng.normal(size=(5,)).astype(np.float32)
  real, fake = rng.normal(size=(2, 3, 1, 4, 4)).astype(np.float32)

  def jax_d(x):
    return jax.nn.leaky_relu(x.reshape(x.shape[0], -1) @ w1, 0.2) @ w2

  def torch_d(x):
    h = torch.nn.functional.leaky_relu(x.reshape(x.shape[0], -1) @ torch.from_numpy(w1), 0.2)
    return h @ torch.from_numpy(w2)

  expected = penalties.get(name)(jax_d, jnp.asarray(real), jnp.asarray(fake), None)
  on_real, on_fake = torch_recipe.PENALTIES[name]
  got = 0.0
  for used, x in ((on_real, real), (on_fake, fake)):
    if used:
      inputs = torch.from_numpy(x).requires_grad_(True)
      got += float(torch_recipe.input_gradient_penalty(torch_d(inputs), inputs).detach())
  np.testing.assert_allclose(got, float(expected), rtol=1e-5)


def test_recipe_steps_with_lazy_penalty_and_ema():
  config = dcgan_mnist.get_config()
  config.batch_size, config.num_steps = 4, 2
  config.model.update(g_channels=8, d_channels=4, d_batch_norm=False)
  config.loss.name = "relativistic_pairing"
  config.penalty.update(name="r1_r2", weight=1.0, every=2)
  config.optim.update(schedule="linear", ema_decay=0.9)
  recipe = torch_recipe.TorchRecipe(config)
  real = torch.rand(4, 1, 28, 28) * 2 - 1
  first, second = recipe.step(real), recipe.step(real)
  assert all(np.isfinite(v) for v in (*first.values(), *second.values()))
  assert first["penalty"] > 0 and second["penalty"] == 0  # Every 2nd step only.
  assert recipe.g_opt.param_groups[0]["lr"] == 0.0  # Linear to 0 over num_steps.
  with torch.no_grad():
    images = recipe.sampler(True, torch.randn(16, config.model.latent_dim))(torch.randn(3, 64))
  assert images.shape == (3, 1, 28, 28) and float(images.abs().max()) <= 1.0


def test_unmirrored_fields_are_refused():
  config = dcgan_mnist.get_config()
  config.optim.n_dis = 2
  with pytest.raises(ValueError, match="optim.n_dis"):
    torch_recipe.TorchRecipe(config)


def test_cooldown_factor_matches_jaxgan_schedule():
  from jaxgan import optimizers  # pylint: disable=import-outside-toplevel
  schedule = optimizers.SCHEDULES["cooldown"](1.0, 40, 0.3)
  for update in (0, 20, 28, 30, 35, 40):
    np.testing.assert_allclose(torch_recipe.lr_factor(update, 40, "cooldown", 0.3),
                               float(schedule(update)), atol=1e-6)


def test_penalty_on_a_sub_batch_is_r1_of_the_first_examples():
  import copy  # pylint: disable=import-outside-toplevel
  config = dcgan_mnist.get_config()
  config.batch_size, config.num_steps = 4, 2
  config.model.update(g_channels=8, d_channels=4, d_batch_norm=False)
  config.penalty.update(name="r1", weight=1.0, examples=2)
  recipe = torch_recipe.TorchRecipe(config)
  d_before = copy.deepcopy(recipe.discriminator)
  real = torch.rand(4, 1, 28, 28) * 2 - 1
  got = recipe.step(real)["penalty"]
  first = real[:2].clone().requires_grad_(True)
  want = torch_recipe.input_gradient_penalty(d_before(first)[:, 0], first)
  np.testing.assert_allclose(got, float(want.detach()), rtol=1e-5)
