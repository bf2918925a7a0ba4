"""The VAE's objective against closed forms, on a linear Gaussian model where everything is known:

  p(z) = N(0, I),  p(x|z) = N(W z + b, s^2 I)  =>  p(x) = N(b, W W^T + s^2 I),
  p(z|x) = N(m, V) with V = (I + W^T W / s^2)^-1 and m = V W^T (x - b) / s^2.

W has orthogonal columns, so the exact posterior is diagonal: a Gaussian encoder can hold it.
Then ELBO = log p(x) - KL(q(z|x) || p(z|x)) for any encoder q, and every importance weight
p(x, z) / q(z|x) is p(x) when q is the exact posterior.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan.kinds.vae import elbo
from jaxgan import builder
from jaxgan import parallel

NOISE_SCALE = 0.5
SCALES = np.asarray([1.5, 0.7])                                   # Column norms of W.
COLUMNS = np.linalg.qr(np.random.default_rng(0).normal(size=(4, 2)))[0]   # Orthonormal.
W = COLUMNS * SCALES
B = np.asarray([0.1, -0.2, 0.3, 0.0])
X = np.asarray([[0.5, -1.0, 0.2, 1.1], [-0.3, 0.4, 2.0, -0.7], [0.0, 0.0, 0.0, 0.0]])


def log_evidence(x):
  """log N(x; b, W W^T + s^2 I) per row of x, in float64."""
  cov = W @ W.T + NOISE_SCALE ** 2 * np.eye(len(B))
  diff = x - B
  _, logdet = np.linalg.slogdet(cov)
  mahalanobis = np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff)
  return -0.5 * (len(B) * np.log(2 * np.pi) + logdet + mahalanobis)


def posterior(x):
  """The exact posterior's mean [N, 2] and variance [2]."""
  variance = 1.0 / (1.0 + SCALES ** 2 / NOISE_SCALE ** 2)
  return variance * ((x - B) @ W) / NOISE_SCALE ** 2, variance


def encoder(mean_shift=0.0, logvar_shift=0.0):
  """A diagonal Gaussian encoder: the exact posterior, moved by the given shifts."""
  def encode(x):
    mean, variance = posterior(np.asarray(x))
    logvar = np.broadcast_to(np.log(variance) + logvar_shift, mean.shape)
    return jnp.asarray(mean + mean_shift, jnp.float32), jnp.asarray(logvar, jnp.float32)
  return encode


def log_likelihood(x, z):
  return elbo.gaussian_log_likelihood(x, z @ jnp.asarray(W.T, jnp.float32) + B,
                                      jnp.log(NOISE_SCALE))


def kl_diagonal(mean_q, var_q, mean_p, var_p):
  """KL(N(mean_q, var_q) || N(mean_p, var_p)) for diagonal Gaussians, per row."""
  return 0.5 * np.sum(var_q / var_p + (mean_p - mean_q) ** 2 / var_p - 1 + np.log(var_p / var_q),
                      axis=-1)


def monte_carlo_elbo(encode, repeats=50_000):
  """The one-sample ELBO of each row of X averaged over `repeats` draws, and its standard
  error."""
  x = np.repeat(X, repeats, axis=0).astype(np.float32)
  values = np.asarray(elbo.elbo(jax.random.PRNGKey(0), x, encode, log_likelihood)["elbo"],
                      np.float64).reshape((len(X), repeats))
  return values.mean(axis=1), values.std(axis=1) / np.sqrt(repeats)


def test_every_importance_weight_is_the_evidence_under_the_exact_posterior():
  mean, logvar = encoder()(X)
  weights = elbo.log_importance_weights(jax.random.PRNGKey(1), jnp.asarray(X, jnp.float32),
                                        mean, logvar, log_likelihood, num_samples=64)
  np.testing.assert_allclose(np.asarray(weights), np.tile(log_evidence(X), (64, 1)), atol=1e-4)
  bound = elbo.iwae_bound(jax.random.PRNGKey(2), jnp.asarray(X, jnp.float32), encoder(),
                          log_likelihood, num_samples=10, chunk_size=5)
  np.testing.assert_allclose(np.asarray(bound), log_evidence(X), atol=1e-4)


def test_elbo_under_the_exact_posterior_is_the_evidence():
  estimate, stderr = monte_carlo_elbo(encoder())
  assert np.all(np.abs(estimate - log_evidence(X)) < 4 * stderr + 1e-4), (
      estimate, log_evidence(X), stderr)


def test_elbo_of_another_encoder_is_the_evidence_minus_its_kl_to_the_posterior():
  shift, logvar_shift = 0.4, 0.8
  estimate, stderr = monte_carlo_elbo(encoder(shift, logvar_shift))
  mean, variance = posterior(X)
  gap = kl_diagonal(mean + shift, variance * np.exp(logvar_shift), mean, variance)
  assert np.all(gap > 0.3)   # The encoder is far enough off for the test to mean something.
  np.testing.assert_allclose(estimate, log_evidence(X) - gap, atol=float(4 * stderr.max()))


def test_closed_form_kl_to_the_prior():
  mean = np.asarray([[0.3, -1.2], [0.0, 0.0]])
  logvar = np.asarray([[0.5, -0.4], [0.0, 0.0]])
  expected = kl_diagonal(mean, np.exp(logvar), np.zeros(2), np.ones(2))
  np.testing.assert_allclose(np.asarray(elbo.gaussian_kl(jnp.asarray(mean), jnp.asarray(logvar))),
                             expected, rtol=1e-5, atol=1e-6)


def test_importance_weighted_bound_rises_with_k_towards_the_evidence():
  repeats = 1000
  x = jnp.asarray(np.repeat(X, repeats, axis=0), jnp.float32)
  encode = encoder(0.4, 0.8)
  bounds = []
  for k in (1, 10, 100, 1000):
    bound = elbo.iwae_bound(jax.random.PRNGKey(k), x, encode, log_likelihood, num_samples=k,
                            chunk_size=min(k, 100))
    bounds.append(np.asarray(bound, np.float64).reshape((len(X), repeats)).mean(axis=1))
  bounds = np.stack(bounds)
  gaps = log_evidence(X) - bounds
  # The gap shrinks roughly as 1/k: from a loose k = 1 (the ELBO), tighter with each tenfold
  # k while it is above the Monte Carlo noise, to log p(x) within 0.01 nats at k = 1000.
  assert np.all(gaps[0] > 0.3), gaps
  assert np.all(np.diff(bounds[:3], axis=0) > 0), bounds
  assert np.all(np.abs(gaps[-1]) < 0.01), gaps


def test_iwae_bound_refuses_a_chunk_that_does_not_divide_k():
  with pytest.raises(ValueError, match="multiple of chunk_size"):
    elbo.iwae_bound(jax.random.PRNGKey(0), jnp.asarray(X, jnp.float32), encoder(),
                    log_likelihood, num_samples=10, chunk_size=3)


def test_discretized_logistic_is_a_distribution_over_the_256_levels():
  levels = jnp.linspace(-1.0, 1.0, 256).reshape((256, 1))
  for mean, log_scale in ((0.0, -2.0), (0.9, -4.0), (-1.0, 0.5)):
    log_p = elbo.discretized_logistic_log_likelihood(levels, jnp.full_like(levels, mean),
                                                     jnp.full_like(levels, log_scale))
    assert float(jnp.sum(jnp.exp(log_p))) == pytest.approx(1.0, abs=1e-4)


def test_vae_evaluation_reports_the_test_elbo_and_the_iw_nll():
  from experiments import vae_mnist  # pylint: disable=import-outside-toplevel
  c = vae_mnist.get_config()
  c.vae.eval_iw_samples, c.vae.eval_chunk_size = 8, 4
  c.vae.eval_batch_size, c.vae.eval_examples = 4, 8
  exp = builder.build(c)
  results = exp.evaluate(exp.init_state(parallel.make_mesh()))
  assert results["test_examples"] == 8
  for name in ("test_neg_elbo_nats", "test_kl_nats", "test_iw_nll_nats[k=8]"):
    assert np.isfinite(results[name]), results
  # An untrained decoder puts ~1/2 on every one of the 784 binary pixels: ~784 log 2 nats.
  assert 400 < results["test_iw_nll_nats[k=8]"] <= results["test_neg_elbo_nats"] + 1.0
