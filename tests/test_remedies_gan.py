"""The remedies wired into the GAN step as config options (issue 13): the unrolled step
against a hand-written unroll, packing in the built D, one tiny run per option, and each
impossible value's one-line error."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import builder
from jaxgan import configs
from jaxgan import losses
from jaxgan import train
from jaxgan.errors import UserError
from jaxgan.kinds.gan import packing
from jaxgan.kinds.gan import step as step_lib


def _ring_config(**overrides):
  from experiments import gan_ring8  # pylint: disable=import-outside-toplevel
  c = gan_ring8.get_config()
  c.batch_size, c.num_steps, c.eval_every = 8, 2, 0
  c.log_every = c.checkpoint_every = c.sample_every = 2
  c.model.latent_dim = 4
  for path, value in overrides.items():
    node = c
    *parents, name = path.split(".")
    for parent in parents:
      node = node[parent]
    node[name] = value
  return c


def test_unrolled_step_equals_a_hand_written_two_step_unroll():
  """SGD for both networks, K = 2: G's new parameters are G - lr * d/dG of the G loss
  against D_2 = step(step(D_0)), differentiated through both steps; D keeps D_1."""
  c = _ring_config(**{"optim.name": "sgd", "optim.g_lr": 0.05, "optim.d_lr": 0.1,
                      "optim.unroll_steps": 2, "optim.ema_decay": 0.0})
  exp = builder.build(c)
  state = exp.init()
  real = jnp.asarray(np.random.default_rng(0).normal(size=(8, 1, 1, 2)), jnp.float32)
  new_state, _ = jax.jit(exp.step)(state, {"train": {"image": real}})

  key = jax.random.fold_in(state.key, state.step)
  z_key, _ = jax.random.split(jax.random.fold_in(key, 0))
  z, _ = step_lib.sample_latents(z_key, 8, c.model.latent_dim, 0)
  g, d = exp.generator, exp.discriminator
  loss = losses.get("non_saturating")

  def fake_of(g_params):
    return g.apply({"params": g_params}, z, None, train=True)

  def d_loss(d_params, fake):
    return loss.d(d.apply({"params": d_params}, real), d.apply({"params": d_params}, fake))

  def sgd(d_params, fake, lr=0.1):
    grads = jax.grad(d_loss)(d_params, fake)
    return jax.tree.map(lambda p, gr: p - lr * gr, d_params, grads)

  def g_loss(g_params):
    fake = fake_of(g_params)
    d2 = sgd(sgd(state.d.params, fake), fake)
    return loss.g(None, d.apply({"params": d2}, fake))

  g_grads = jax.grad(g_loss)(state.g.params)
  want_g = jax.tree.map(lambda p, gr: p - 0.05 * gr, state.g.params, g_grads)
  want_d = sgd(state.d.params, fake_of(state.g.params))
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6),
               new_state.g.params, want_g)
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6),
               new_state.d.params, want_d)
  # Without the unroll, G's step differs: the lookahead changed it.
  plain, _ = jax.jit(builder.build(_ring_config(**{
      "optim.name": "sgd", "optim.g_lr": 0.05, "optim.d_lr": 0.1,
      "optim.ema_decay": 0.0})).step)(state, {"train": {"image": real}})
  assert not all(jax.tree.leaves(jax.tree.map(
      lambda a, b: np.allclose(a, b), plain.g.params, new_state.g.params)))


def test_packed_gan_builds_d_for_m_times_the_channels():
  exp = builder.build(_ring_config(**{"model.pack": 4}))
  assert isinstance(exp.discriminator, packing.PackedDiscriminator)
  state = exp.init()
  first = state.d.params["inner"]["Dense_0"]["kernel"]
  assert first.shape[0] == 4 * 2                       # m * C inputs: 4 points of 2 coordinates.
  logits = exp.discriminator.apply({"params": state.d.params, **state.d.collections},
                                   jnp.zeros((8, 1, 1, 2)))
  assert logits.shape == (2,)                          # One decision per 4 samples.


def _mnist_mlp(**overrides):
  from experiments import tiny  # pylint: disable=import-outside-toplevel
  c = tiny.get_config()
  c.model.architecture = "mlp"
  c.num_steps = 2
  c.log_every = c.checkpoint_every = c.sample_every = 2
  for path, value in overrides.items():
    node = c
    *parents, name = path.split(".")
    for parent in parents:
      node = node[parent]
    node[name] = value
  return c


@pytest.mark.parametrize("overrides", [
    {"model.pack": 2},
    {"model.minibatch_std": 4},
    {"optim.unroll_steps": 2},
    {"augment.policy": "color,translation,cutout"},
    {"model.pack": 2, "model.minibatch_std": 2, "optim.unroll_steps": 1,
     "augment.policy": "translation"},
], ids=["pack", "minibatch_std", "unroll", "diffaugment", "all"])
def test_each_remedy_trains_a_tiny_run(overrides, tmp_path):
  metrics = train.train_and_evaluate(_mnist_mlp(**overrides), str(tmp_path))
  assert np.isfinite(metrics["d_loss"]) and np.isfinite(metrics["g_loss"])
  assert (tmp_path / "samples" / "grid_00000002.png").exists()


@pytest.mark.parametrize("overrides,message", [
    ({"model.pack": 0}, "config.model.pack=0: must be an integer >= 1"),
    ({"model.pack": 3}, "config.model.pack=3: batch_size=8 must be a multiple of it"),
    ({"model.pack": 2, "model.num_classes": 10}, "packing is for unconditional GANs"),
    ({"model.minibatch_std": 3}, "must be a multiple of the group size"),
    ({"model.minibatch_std": -1}, "config.model.minibatch_std=-1: must be an integer >= 0"),
    ({"optim.unroll_steps": -1}, "config.optim.unroll_steps=-1: must be an integer >= 0"),
    ({"optim.unroll_steps": 2, "optim.d_clip": 0.01}, "is not combined with optim.d_clip"),
    ({"augment.policy": "color,rotate"}, "'rotate' is not one of"),
])
def test_impossible_remedy_values_are_one_line_errors(overrides, message):
  with pytest.raises(UserError, match=message) as error:
    configs.validate(_mnist_mlp(**overrides), jax.device_count())
  assert "\n" not in str(error.value)


def test_diffaugment_on_points_and_minibatch_std_on_resnet_are_refused():
  with pytest.raises(UserError, match="DiffAugment is for images, not ring8 points"):
    configs.validate(_ring_config(**{"augment.policy": "color"}), jax.device_count())
  from experiments import sngan_cifar10  # pylint: disable=import-outside-toplevel
  c = sngan_cifar10.get_config()
  c.model.minibatch_std = 4
  with pytest.raises(UserError, match="does not read it"):
    configs.validate(c, jax.device_count())
