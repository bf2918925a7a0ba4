"""The EMA generator's own BatchNorm statistics (standing statistics, optim.ema_bn_samples)."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from jaxgan import builder
from jaxgan import configs
from jaxgan.kinds.gan import architectures as models
from jaxgan.errors import UserError
from jaxgan.kinds.gan import step as step_lib


def _generator(conditional: bool):
  model = ml_collections.ConfigDict({"architecture": "dcgan_mnist", "latent_dim": 8,
                                     "num_classes": 10 if conditional else 0,
                                     "conditioning": "concat", "conv_impl": "xla"})
  generator, _ = models.build_gan(model, (28, 28, 1))
  z = jax.random.normal(jax.random.PRNGKey(1), (32, 8))
  labels = jnp.arange(32) % 10 if conditional else None
  variables = generator.init(jax.random.PRNGKey(0), z[:1], None if labels is None else labels[:1])
  return generator, variables, z, labels


@pytest.mark.parametrize("conditional", [False, True])
def test_standing_statistics_are_the_batch_statistics_of_those_samples(conditional):
  """Sampling with the standing statistics of a batch normalises each layer exactly as
  training mode does on that batch, for every BatchNorm of a two-BN generator."""
  generator, variables, z, labels = _generator(conditional)
  params, collections = variables["params"], {"batch_stats": variables["batch_stats"]}
  # Running averages that belong to other weights, as the raw G's do for the EMA weights.
  collections = jax.tree.map(lambda v: v + 0.5, collections)
  standing = step_lib.standing_collections(generator, params, collections, z, labels)
  in_train_mode, _ = generator.apply({"params": params, **collections}, z, labels, train=True,
                                     mutable=["batch_stats"])
  sampled = step_lib.generate(generator, params, standing, z, labels)
  stale = step_lib.generate(generator, params, collections, z, labels)
  np.testing.assert_allclose(sampled, in_train_mode, atol=2e-4)
  assert float(jnp.abs(stale - in_train_mode).max()) > 0.1


def test_a_generator_without_batch_norm_keeps_its_collections():
  model = ml_collections.ConfigDict({"architecture": "mlp", "latent_dim": 8, "num_classes": 0,
                                     "conditioning": "concat"})
  generator, _ = models.build_gan(model, (28, 28, 1))
  z = jnp.ones((4, 8))
  params = generator.init(jax.random.PRNGKey(0), z, None)["params"]
  assert step_lib.standing_collections(generator, params, {}, z) == {}


def test_the_ema_generator_samples_with_its_own_statistics_and_zero_turns_it_off(tiny_config):
  config = tiny_config
  exp = builder.build(config)
  state = exp.init()
  # An EMA that differs from the raw weights, so its statistics differ from the running ones.
  state = state.replace(ema_params=jax.tree.map(lambda p: p * 1.5, state.ema_params))
  z, labels = exp.fixed_latents(16, 4)
  with_own = exp.generate(state, z, labels, use_ema=True)
  config.optim.ema_bn_samples = 0
  with_raw = builder.build(config).generate(state, z, labels, use_ema=True)
  np.testing.assert_allclose(
      with_raw, step_lib.generate(exp.generator, state.ema_params, state.g.collections, z, labels),
      atol=1e-5)
  assert float(jnp.abs(with_own - with_raw).max()) > 1e-3
  np.testing.assert_array_equal(with_own, exp.generate(state, z, labels, use_ema=True))


def test_a_negative_sample_count_is_refused(tiny_config):
  tiny_config.optim.ema_bn_samples = -1
  with pytest.raises(UserError, match="ema_bn_samples"):
    configs.validate(tiny_config, device_count=1)
