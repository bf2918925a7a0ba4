"""The zoo's adversarial and auxiliary losses against values computed by hand."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import losses

REAL = jnp.array([2.0, -1.0, 0.5])
FAKE = jnp.array([-3.0, 0.0, 1.5])


# (name, D loss, G loss), each worked out on REAL and FAKE above.
HAND_COMPUTED = [
    # D: mean(fake) - mean(real) = -0.5 - 0.5;  G: -mean(fake) = 0.5.
    ("wasserstein", -1.0, 0.5),
    # D: mean(relu(1 - real)) = mean(0, 2, 0.5) = 5/6, mean(relu(1 + fake)) = mean(0, 1, 2.5)
    # = 7/6;  G: -mean(fake) = 0.5.
    ("hinge", 2.0, 0.5),
    # D: 1/2 mean((real - 1)^2) = 1/2 * 5.25/3 = 0.875, 1/2 mean(fake^2) = 1/2 * 11.25/3
    # = 1.875;  G: 1/2 mean((fake - 1)^2) = 1/2 * 17.25/3 = 2.875.
    ("least_squares", 2.75, 2.875),
]


@pytest.mark.parametrize("name, d_value, g_value", HAND_COMPUTED)
def test_loss_matches_hand_computed_values(name, d_value, g_value):
  loss = losses.get(name)
  np.testing.assert_allclose(loss.d(REAL, FAKE), d_value, rtol=1e-6)
  np.testing.assert_allclose(loss.g(REAL, FAKE), g_value, rtol=1e-6)


def test_least_squares_optimum_is_at_the_targets():
  # With a=0, b=1, c=1 D's loss is zero at D(x)=1, D(G(z))=0, and G's at D(G(z))=1.
  ones, zeros = jnp.ones(4), jnp.zeros(4)
  assert float(losses.get("least_squares").d(ones, zeros)) == 0.0
  assert float(losses.get("least_squares").g(zeros, ones)) == 0.0


def test_hinge_ignores_examples_beyond_the_margin():
  loss = losses.get("hinge")
  assert float(loss.d(jnp.array([1.0, 5.0]), jnp.array([-1.0, -7.0]))) == 0.0


def test_acgan_terms_are_class_cross_entropies():
  # logits (0, log 3) put probability 3/4 on class 1 and 1/4 on class 0.
  logits = jnp.array([[0.0, math.log(3.0)]])
  aux = {"class_logits": logits}
  right, wrong = jnp.array([1]), jnp.array([0])
  np.testing.assert_allclose(losses.auxiliary_g(aux, right, {}), math.log(4 / 3), rtol=1e-6)
  np.testing.assert_allclose(losses.auxiliary_d(aux, aux, right, wrong, {}),
                             math.log(4 / 3) + math.log(4), rtol=1e-6)


def test_infogan_term_is_code_cross_entropy_plus_half_squared_error():
  aux = {"code_logits": jnp.array([[0.0, math.log(3.0)]]), "code_mean": jnp.array([[0.5, -1.0]])}
  codes = {"categorical": jnp.array([0]), "continuous": jnp.array([[1.5, -1.0]])}
  expected = math.log(4.0) + 0.5 * (1.0 ** 2 + 0.0 ** 2)
  np.testing.assert_allclose(losses.auxiliary_g(aux, None, codes), expected, rtol=1e-6)
  # Q (in D) is trained on the fakes' codes only: the real-image outputs do not enter.
  np.testing.assert_allclose(losses.auxiliary_d({}, aux, None, None, codes), expected, rtol=1e-6)


def test_no_auxiliary_heads_add_nothing():
  assert float(losses.auxiliary_d({}, {}, None, None, {})) == 0.0
  assert float(losses.auxiliary_g({}, None, {})) == 0.0


def _softplus(x):
  return np.log1p(np.exp(x))


def test_relativistic_pairing_pairs_each_real_with_its_own_fake():
  # D: mean softplus(-(r_i - f_i)) over the pairs (2, -3), (-1, 0), (0.5, 1.5):
  # softplus(-5), softplus(1), softplus(1); G swaps the roles.
  loss = losses.get("relativistic_pairing")
  d_want = (_softplus(-5.0) + _softplus(1.0) + _softplus(1.0)) / 3
  g_want = (_softplus(5.0) + _softplus(-1.0) + _softplus(-1.0)) / 3
  np.testing.assert_allclose(loss.d(REAL, FAKE), d_want, rtol=1e-6)
  np.testing.assert_allclose(loss.g(REAL, FAKE), g_want, rtol=1e-6)
  # Pairing, not averaging: reordering the fakes changes the loss.
  assert abs(float(loss.d(REAL, FAKE[::-1])) - d_want) > 1e-3
  assert loss.g_reads_real and not losses.get("non_saturating").g_reads_real


def test_relativistic_average_compares_with_the_other_sides_mean():
  # mean(real) = 0.5, mean(fake) = -0.5.
  # D: mean softplus(-0.5 - r) + mean softplus(f - 0.5); G: the same with real and fake swapped.
  r, f = np.asarray(REAL), np.asarray(FAKE)
  d_want = np.mean(_softplus(-0.5 - r)) + np.mean(_softplus(f - 0.5))
  g_want = np.mean(_softplus(0.5 - f)) + np.mean(_softplus(r + 0.5))
  loss = losses.get("relativistic_average")
  np.testing.assert_allclose(loss.d(REAL, FAKE), d_want, rtol=1e-6)
  np.testing.assert_allclose(loss.g(REAL, FAKE), g_want, rtol=1e-6)
