import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import losses


def _log_sigmoid(x):
  return np.log(1.0 / (1.0 + np.exp(-x)))


REAL = np.array([2.0, -1.0, 0.5])
FAKE = np.array([-3.0, 0.0, 1.5])


def test_discriminator_loss_is_binary_cross_entropy():
  expected = -np.mean(_log_sigmoid(REAL)) - np.mean(np.log(1.0 - 1.0 / (1.0 + np.exp(-FAKE))))
  for name in ("minimax", "non_saturating"):
    got = losses.get(name).d(jnp.asarray(REAL), jnp.asarray(FAKE))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_minimax_generator_minimises_log_one_minus_d():
  expected = np.mean(np.log(1.0 - 1.0 / (1.0 + np.exp(-FAKE))))
  np.testing.assert_allclose(losses.get("minimax").g(None, jnp.asarray(FAKE)), expected, rtol=1e-6)


def test_non_saturating_generator_maximises_log_d():
  expected = -np.mean(_log_sigmoid(FAKE))
  np.testing.assert_allclose(losses.get("non_saturating").g(None, jnp.asarray(FAKE)), expected,
                             rtol=1e-6)


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_losses_are_finite_for_extreme_logits(name):
  big = jnp.array([1e4, -1e4])
  loss = losses.get(name)
  assert np.isfinite(loss.d(big, -big)) and np.isfinite(loss.g(-big, big))
