"""Gradient penalties against finite differences (and on a sub-batch, in the step), spectral
norm against the SVD, WGAN clipping keeping every D weight in range, the rate cooldown."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import builder
from jaxgan import configs
from jaxgan import optimizers
from jaxgan import parallel
from jaxgan import penalties
from jaxgan.errors import UserError
from jaxgan.kinds.gan import step as steps
from jaxgan.models import spectral

_W = np.random.default_rng(0).normal(size=(12, 5)) * 0.7


def _discriminate(x, xp):
  """A small smooth critic with a known formula, in jnp or (float64) numpy."""
  h = xp.tanh(x.reshape((x.shape[0], -1)) @ _W)
  return xp.sum(h * h, axis=-1) + xp.sum(h, axis=-1)


def _finite_difference_grad_norms(x, eps=1e-5):
  x = np.asarray(x, np.float64)
  grads = np.zeros_like(x)
  for index in np.ndindex(*x.shape[1:]):
    step = np.zeros_like(x)
    step[(slice(None), *index)] = eps
    grads[(slice(None), *index)] = (_discriminate(x + step, np) - _discriminate(x - step, np)) / (2 * eps)
  return np.sqrt(np.sum(grads.reshape((x.shape[0], -1)) ** 2, axis=1))


def _images(seed, shape=(6, 2, 3, 2)):
  return jnp.asarray(np.random.default_rng(seed).uniform(-1, 1, shape), jnp.float32)


def test_wgan_gp_matches_finite_differences_at_per_example_interpolates():
  real, fake, key = _images(1), _images(2), jax.random.PRNGKey(3)
  got = penalties.wgan_gp(lambda x: _discriminate(x, jnp), real, fake, key)
  # The penalty draws one alpha ~ U[0, 1] per example, shaped to broadcast over the image.
  alpha = np.asarray(jax.random.uniform(key, (6, 1, 1, 1)))
  assert len(np.unique(alpha)) == 6   # one alpha per example, not one per batch
  interpolated = alpha * np.asarray(real, np.float64) + (1 - alpha) * np.asarray(fake, np.float64)
  norms = _finite_difference_grad_norms(interpolated)
  np.testing.assert_allclose(got, np.mean((norms - 1.0) ** 2), rtol=1e-4)
  assert float(got) > 0.01   # the check above is not a comparison of two zeros


def test_r1_matches_half_the_mean_squared_finite_difference_norm_on_real_data():
  real = _images(4)
  got = penalties.r1(lambda x: _discriminate(x, jnp), real, None, None)
  np.testing.assert_allclose(got, 0.5 * np.mean(_finite_difference_grad_norms(real) ** 2),
                             rtol=1e-4)


def test_r2_matches_half_the_mean_squared_finite_difference_norm_on_fake_data():
  real, fake = _images(4), _images(7)
  got = penalties.r2(lambda x: _discriminate(x, jnp), real, fake, None)
  want = 0.5 * np.mean(_finite_difference_grad_norms(fake) ** 2)
  np.testing.assert_allclose(got, want, rtol=1e-4)
  both = penalties.r1_r2(lambda x: _discriminate(x, jnp), real, fake, None)
  r1 = 0.5 * np.mean(_finite_difference_grad_norms(real) ** 2)
  np.testing.assert_allclose(both, r1 + want, rtol=1e-4)
  assert float(got) > 0.01 and abs(r1 - want) > 1e-4   # R2 reads the fakes, not the reals


def test_cosine_weight_schedule_anneals_to_the_final_fraction():
  scale = lambda step, schedule: float(penalties.weight_scale(
      jnp.asarray(step), 100, schedule, final_fraction=0.1))
  assert scale(0, "cosine") == 1.0 and scale(37, "constant") == 1.0
  np.testing.assert_allclose(scale(50, "cosine"), 0.55, rtol=1e-6)
  np.testing.assert_allclose(scale(100, "cosine"), 0.1, rtol=1e-6)
  np.testing.assert_allclose(scale(250, "cosine"), 0.1, rtol=1e-6)


def test_penalties_are_differentiable_in_the_critic_parameters():
  # The step differentiates the penalty with respect to D's weights (a second derivative).
  real, fake, key = _images(5), _images(6), jax.random.PRNGKey(0)
  for name in ("wgan_gp", "r1", "r2", "r1_r2"):
    grad = jax.grad(lambda w: penalties.get(name)(
        lambda x: jnp.sum(jnp.tanh(x.reshape((6, -1)) @ w), -1), real, fake, key))(jnp.asarray(_W))
    assert np.all(np.isfinite(grad)) and float(jnp.max(jnp.abs(grad))) > 0


class _Normalised(nn.Module):
  """A Dense and a conv under spectral normalisation, as the models use them."""

  @nn.compact
  def __call__(self, x, train):
    h = spectral.apply(nn.Dense(7), x.reshape((x.shape[0], -1)), enabled=True, train=train)
    return spectral.apply(nn.Conv(8, (3, 3)), x, enabled=True, train=train), h


def _sigmas_and_kernels(variables):
  stats = variables["batch_stats"]
  sigmas = {k.split("/")[0]: v for sub in stats.values() for k, v in sub.items()
            if k.endswith("sigma")}
  kernels = {k: v["kernel"] for k, v in variables["params"].items()}
  return sigmas, kernels


def test_spectral_norm_power_iteration_converges_to_the_largest_singular_value():
  module = _Normalised()
  x = _images(7, (2, 5, 5, 3))
  variables = module.init(jax.random.PRNGKey(0), x, train=False)

  @jax.jit
  def iterate(variables):
    def body(_, stats):
      _, updated = module.apply({"params": variables["params"], "batch_stats": stats}, x,
                                train=True, mutable=["batch_stats"])
      return updated["batch_stats"]
    return {**variables, "batch_stats": jax.lax.fori_loop(0, 200, body,
                                                          variables["batch_stats"])}

  sigmas, kernels = _sigmas_and_kernels(jax.device_get(iterate(variables)))
  assert sorted(sigmas) == ["Conv_0", "Dense_0"]
  for name, kernel in kernels.items():
    matrix = np.asarray(kernel, np.float64).reshape((-1, kernel.shape[-1]))
    np.testing.assert_allclose(sigmas[name], np.linalg.svd(matrix, compute_uv=False)[0],
                               rtol=1e-4)


def test_spectral_norm_vectors_update_in_training_only():
  module = _Normalised()
  x = _images(8, (2, 5, 5, 3))
  variables = module.init(jax.random.PRNGKey(0), x, train=False)
  _, frozen = module.apply(variables, x, train=False, mutable=["batch_stats"])
  _, trained = module.apply(variables, x, train=True, mutable=["batch_stats"])
  same = jax.tree.map(np.array_equal, variables["batch_stats"], frozen["batch_stats"])
  assert all(jax.tree.leaves(same))
  vectors = lambda stats: [v for sub in stats.values() for k, v in sub.items() if k.endswith("/u")]
  moved = [not np.array_equal(a, b) for a, b in zip(vectors(variables["batch_stats"]),
                                                    vectors(trained["batch_stats"]))]
  assert len(moved) == 2 and all(moved)


def _wgan_mlp_config():
  c = configs.base()
  c.model.architecture = "mlp"
  c.loss.name = "wasserstein"
  c.optim.name = "rmsprop"
  c.optim.g_lr = c.optim.d_lr = 1e-2   # large, so unclipped weights would leave the box
  c.optim.d_clip = 0.01
  c.optim.n_dis = 2
  c.batch_size = 8
  return c


def test_weight_clipping_keeps_every_discriminator_weight_in_range():
  c = _wgan_mlp_config()
  exp = builder.build(c)
  mesh = parallel.make_mesh()
  state, step = exp.init_state(mesh), exp.jit_step(mesh)
  initial = jax.device_get(state.d.params)
  assert max(float(np.max(np.abs(p))) for p in jax.tree.leaves(initial)) > 0.05
  images = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype(np.float32)
  for _ in range(2):
    state, metrics = step(state, parallel.put_batch({"train": {"image": images}},
                                                    parallel.batch_sharding(mesh)))
  leaves = jax.tree.leaves(jax.device_get(state.d.params))
  assert all(np.all(np.abs(p) <= 0.01) for p in leaves)
  assert any(np.any(np.abs(p) == np.float32(0.01)) for p in leaves)   # clipping was active
  assert np.isfinite(float(metrics["d_loss"]))


def test_clip_weights_clips_each_leaf_elementwise():
  clipped = steps.clip_weights({"a": jnp.array([-1.0, 0.005, 2.0]), "b": jnp.array(-0.2)}, 0.01)
  np.testing.assert_array_equal(clipped["a"], np.float32([-0.01, 0.005, 0.01]))
  assert float(clipped["b"]) == np.float32(-0.01)


def _ring_config(**penalty):
  from experiments import gan_ring8  # pylint: disable=import-outside-toplevel
  c = gan_ring8.get_config()
  c.batch_size, c.model.latent_dim = 8, 4
  c.loss.name = "relativistic_pairing"
  c.penalty.update(name="r1_r2", weight=1.0, **penalty)
  return c


def test_penalty_on_a_sub_batch_is_the_penalty_of_the_first_examples():
  """penalty.examples = 3: the step's penalty is R1 + R2 on real[:3] and G(z)[:3] under D
  before its update, by hand; the other examples do not enter it."""
  exp = builder.build(_ring_config(examples=3))
  state = exp.init()
  real = jnp.asarray(np.random.default_rng(0).normal(size=(8, 1, 1, 2)), jnp.float32)
  _, metrics = jax.jit(exp.step)(state, {"train": {"image": real}})

  z_key, _ = jax.random.split(jax.random.fold_in(jax.random.fold_in(state.key, state.step), 0))
  z, _ = steps.sample_latents(z_key, 8, 4, 0)
  fake = exp.generator.apply({"params": state.g.params}, z, None, train=True)
  discriminate = lambda x: exp.discriminator.apply({"params": state.d.params}, x, train=True)
  want = penalties.r1_r2(discriminate, real[:3], fake[:3], None)
  np.testing.assert_allclose(float(metrics["penalty"]), float(want), rtol=1e-5)
  everything = penalties.r1_r2(discriminate, real, fake, None)
  assert abs(float(everything) - float(want)) > 1e-3 * abs(float(want))


def test_penalty_sub_batch_must_fit_the_batch_and_the_groups_of_d():
  for c, message in ((_ring_config(examples=9), "penalty.examples"),
                     (_ring_config(examples=-1), "penalty.examples")):
    with pytest.raises(UserError, match=message):
      configs.validate(c, jax.device_count())
  grouped = _ring_config(examples=3)
  grouped.model.minibatch_std = 2
  with pytest.raises(UserError, match="multiple of model.minibatch_std=2"):
    configs.validate(grouped, jax.device_count())


def test_cooldown_rate_is_constant_then_linear_to_zero_over_the_last_fraction():
  schedule = optimizers.SCHEDULES["cooldown"](0.1, 100, 0.25)
  for step, want in ((0, 0.1), (50, 0.1), (75, 0.1), (80, 0.08), (95, 0.02), (100, 0.0),
                     (120, 0.0)):
    np.testing.assert_allclose(float(schedule(step)), want, atol=1e-7)
