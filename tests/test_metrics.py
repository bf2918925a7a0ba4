"""Tests for jaxgan.metrics: closed forms, float64 references and hand-made cases."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

from jaxgan import metrics
from jaxgan.metrics import mode_coverage


def _random_cov(rng, d, scale=1.0):
  a = rng.standard_normal((d, d)) * scale
  return a @ a.T / d + 0.1 * np.eye(d)


# -- Fréchet distance -----------------------------------------------------------
def test_frechet_diagonal_closed_form():
  rng = np.random.default_rng(0)
  d = 7
  mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
  s1, s2 = rng.uniform(0.1, 3.0, d), rng.uniform(0.1, 3.0, d)
  expected = np.sum((mu1 - mu2) ** 2) + np.sum(s1 + s2 - 2 * np.sqrt(s1 * s2))
  for method in ("eigh", "sqrtm"):
    got = metrics.frechet_distance(mu1, np.diag(s1), mu2, np.diag(s2), method=method)
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-10)


def test_frechet_commuting_rotated_closed_form():
  # S1 = Q diag(a) Q^T, S2 = Q diag(b) Q^T commute: tr sqrt(S1 S2) = sum sqrt(a b).
  rng = np.random.default_rng(1)
  d = 12
  q, _ = np.linalg.qr(rng.standard_normal((d, d)))
  a, b = rng.uniform(0.01, 5, d), rng.uniform(0.01, 5, d)
  s1, s2 = (q * a) @ q.T, (q * b) @ q.T
  mu = np.zeros(d)
  expected = np.sum(a + b - 2 * np.sqrt(a * b))
  assert metrics.frechet_distance(mu, s1, mu, s2) == pytest.approx(expected, rel=1e-9)


def _reference_fid(x, y):
  """Plain float64 recipe: np.cov + scipy sqrtm of the product."""
  mu1, mu2 = x.mean(0), y.mean(0)
  s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
  covmean = scipy.linalg.sqrtm(s1 @ s2)
  covmean = covmean[0] if isinstance(covmean, tuple) else covmean
  return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean.real))


def test_fid_matches_scipy_reference_on_random_features():
  rng = np.random.default_rng(2)
  d = 32
  x = rng.standard_normal((800, d)) @ rng.standard_normal((d, d)) * 0.3 + 1.0
  y = rng.standard_normal((600, d)) @ rng.standard_normal((d, d)) * 0.4 + 0.7
  ref = _reference_fid(x, y)
  assert metrics.fid_from_features(x, y) == pytest.approx(ref, rel=1e-8)
  assert metrics.fid_from_features(x, y, method="sqrtm") == pytest.approx(ref, rel=1e-8)
  # float32 jax inputs are promoted to float64 internally.
  got32 = metrics.fid_from_features(jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32))
  assert got32 == pytest.approx(ref, rel=1e-4)


def test_fid_self_is_zero_and_symmetric():
  rng = np.random.default_rng(3)
  x = rng.standard_normal((300, 20)) ** 2  # skewed, positive, like ReLU features
  y = rng.standard_normal((250, 20)) + 0.5
  assert abs(metrics.fid_from_features(x, x)) < 1e-9
  mu1, s1 = metrics.moments(x)
  mu2, s2 = metrics.moments(y)
  a = metrics.frechet_distance(mu1, s1, mu2, s2)
  b = metrics.frechet_distance(mu2, s2, mu1, s1)
  assert a > 0 and a == pytest.approx(b, rel=1e-10)


def test_fid_singular_covariances_stay_finite():
  # Fewer samples than dimensions: both covariances are rank-deficient.
  rng = np.random.default_rng(4)
  x = rng.standard_normal((20, 64))
  y = rng.standard_normal((25, 64)) + 0.1
  fd = metrics.fid_from_features(x, y)
  assert np.isfinite(fd) and fd > 0
  assert abs(metrics.fid_from_features(x, x)) < 1e-8


def test_frechet_rejects_bad_shapes():
  with pytest.raises(ValueError, match="sigma2"):
    metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(4))
  with pytest.raises(ValueError, match="symmetric"):
    skew = np.array([[1.0, 0.5], [0.0, 1.0]])
    metrics.frechet_distance(np.zeros(2), skew, np.zeros(2), np.eye(2))


# -- streaming moments ------------------------------------------------------------
def test_running_moments_matches_numpy_over_uneven_batches():
  rng = np.random.default_rng(5)
  x = rng.standard_normal((1001, 9)) @ rng.standard_normal((9, 9)) + 3.0
  acc = metrics.RunningMoments()
  fed = []
  for start, stop in [(0, 1), (1, 8), (8, 500), (500, 501), (501, 1001)]:
    batch = jnp.asarray(x[start:stop]) if start % 2 else x[start:stop]  # jax ones are float32
    acc.update(batch)
    fed.append(np.asarray(batch, np.float64))
  x = np.concatenate(fed)
  mu, sigma = acc.result()
  assert acc.count == 1001
  np.testing.assert_allclose(mu, x.mean(0), rtol=1e-12, atol=1e-12)
  np.testing.assert_allclose(sigma, np.cov(x, rowvar=False), rtol=1e-10, atol=1e-12)


def test_running_moments_merge_and_large_offset():
  rng = np.random.default_rng(6)
  x = rng.standard_normal((400, 5)) + 1e6  # naive sum-of-squares would lose ~all digits
  a, b = metrics.RunningMoments(), metrics.RunningMoments()
  for batch in np.array_split(x[:150], 4):
    a.update(batch)
  for batch in np.array_split(x[150:], 7):
    b.update(batch)
  merged = a.merge(b)
  mu, sigma = merged.result()
  np.testing.assert_allclose(mu, x.mean(0), rtol=1e-14)
  np.testing.assert_allclose(sigma, np.cov(x - 1e6, rowvar=False), rtol=1e-7, atol=1e-9)
  assert a.count == 150 and b.count == 250  # inputs untouched
  with pytest.raises(ValueError, match="features"):
    a.update(np.zeros((2, 6)))


# -- KID ----------------------------------------------------------------------------
def test_mmd_unbiased_matches_double_loop():
  rng = np.random.default_rng(7)
  x, y = rng.standard_normal((6, 4)), rng.standard_normal((5, 4)) + 0.3
  k = lambda a, b: (a @ b / 4 + 1) ** 3
  xx = sum(k(x[i], x[j]) for i in range(6) for j in range(6) if i != j) / 30
  yy = sum(k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / 20
  xy = sum(k(x[i], y[j]) for i in range(6) for j in range(5)) / 30
  assert metrics.polynomial_mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)


def test_kid_near_zero_for_equal_and_positive_for_shifted():
  rng = np.random.default_rng(8)
  d = 16
  a = rng.standard_normal((1500, d))
  b = rng.standard_normal((1500, d))
  same = metrics.kid(a, b, num_subsets=50, subset_size=300)
  assert abs(same["mean"]) < same["std"]
  shifted = metrics.kid(a, b + 0.5, num_subsets=50, subset_size=300)
  assert shifted["mean"] > 10 * shifted["std"] > 0
  assert shifted["mean"] > 20 * abs(same["mean"])
  # Deterministic given the seed; subset_size clipped to the smaller set.
  again = lambda: metrics.kid(a, b, num_subsets=5, subset_size=300)
  assert again() == again()
  small = metrics.kid(a[:40], jnp.asarray(b[:60]), num_subsets=3, subset_size=1000)
  assert np.isfinite(small["mean"])


def test_kid_cache_of_the_reference_side_changes_nothing():
  rng = np.random.default_rng(9)
  a, b, c = (rng.standard_normal((400, 8)) + shift for shift in (0.0, 0.0, 0.4))
  cache = {}
  first = metrics.kid(a, b, num_subsets=4, subset_size=100, cache=cache)
  assert len(cache) == 1 and len(next(iter(cache.values()))) == 4
  assert first == metrics.kid(a, b, num_subsets=4, subset_size=100)
  # A second generator against the same reference reads the cached a-a terms.
  assert (metrics.kid(a, c, num_subsets=4, subset_size=100, cache=cache) ==
          metrics.kid(a, c, num_subsets=4, subset_size=100))


# -- Inception Score ----------------------------------------------------------------
@pytest.mark.parametrize("confident", [-np.inf, -200.0])
def test_inception_score_uniform_one_hot_is_num_classes(confident):
  c, splits = 10, 5
  labels = np.arange(c * 20 * splits) % c  # every split holds equal counts of each class
  logits = np.where(np.eye(c, dtype=bool)[labels], 0.0, confident)
  out = metrics.inception_score(logits, num_splits=splits)
  assert out["mean"] == pytest.approx(c, rel=1e-12)
  assert out["std"] == pytest.approx(0.0, abs=1e-9)


def test_inception_score_constant_prediction_is_one():
  logits = np.tile(np.random.default_rng(9).standard_normal(7), (100, 1))
  out = metrics.inception_score(jnp.asarray(logits, jnp.float32), num_splits=4)
  assert out["mean"] == pytest.approx(1.0, abs=1e-6)


def test_inception_score_matches_probability_space_formula():
  rng = np.random.default_rng(10)
  logits = rng.standard_normal((300, 12)) * 3
  p = np.exp(logits - logits.max(1, keepdims=True))
  p /= p.sum(1, keepdims=True)
  scores = []
  for part in np.array_split(p, 3):
    py = part.mean(0)
    scores.append(np.exp(np.mean(np.sum(part * (np.log(part) - np.log(py)), 1))))
  out = metrics.inception_score(logits, num_splits=3)
  assert out["mean"] == pytest.approx(np.mean(scores), rel=1e-10)
  assert out["std"] == pytest.approx(np.std(scores), rel=1e-8)


# -- precision / recall, density / coverage -------------------------------------
def _reference_manifold_metrics(real, fake, k_pr, k_dc):
  d_rr = np.sum((real[:, None] - real[None]) ** 2, -1)
  d_ff = np.sum((fake[:, None] - fake[None]) ** 2, -1)
  d_fr = np.sum((fake[:, None] - real[None]) ** 2, -1)  # [M, N]
  rad_r = np.sort(d_rr, 1)[:, k_pr]
  rad_f = np.sort(d_ff, 1)[:, k_pr]
  precision = np.mean((d_fr <= rad_r[None]).any(1))
  recall = np.mean((d_fr.T <= rad_f[None]).any(1))
  rad_dc = np.sort(d_rr, 1)[:, k_dc]
  density = (d_fr <= rad_dc[None]).sum() / (k_dc * len(fake))
  coverage = np.mean(d_fr.min(0) <= rad_dc)
  return precision, recall, density, coverage


def test_manifold_metrics_match_bruteforce_reference_with_small_blocks():
  rng = np.random.default_rng(11)
  real = rng.standard_normal((203, 6))
  fake = rng.standard_normal((150, 6)) * 1.3 + 0.4
  p, r, dens, cov = _reference_manifold_metrics(real, fake, 3, 5)
  pr = metrics.precision_recall(real, jnp.asarray(fake), k=3, block_size=64)
  dc = metrics.density_coverage(real, fake, k=5, block_size=64)
  assert pr["precision"] == pytest.approx(p, abs=1e-12)
  assert pr["recall"] == pytest.approx(r, abs=1e-12)
  assert dc["density"] == pytest.approx(dens, abs=1e-12)
  assert dc["coverage"] == pytest.approx(cov, abs=1e-12)
  assert 0 < p < 1 and 0 < r < 1  # a non-degenerate case


def test_precision_recall_known_cases():
  rng = np.random.default_rng(12)
  real = rng.standard_normal((200, 8))
  same = metrics.precision_recall(real, real.copy())
  assert same == {"precision": 1.0, "recall": 1.0}
  far = metrics.precision_recall(real, rng.standard_normal((150, 8)) + 100.0)
  assert far == {"precision": 0.0, "recall": 0.0}
  half = np.concatenate([real[:100], rng.standard_normal((100, 8)) + 100.0])
  out = metrics.precision_recall(real, half)
  assert out["precision"] == 0.5
  assert 0.5 <= out["recall"] < 1.0


def test_density_coverage_known_cases():
  rng = np.random.default_rng(13)
  real = rng.standard_normal((200, 8))
  same = metrics.density_coverage(real, real.copy())
  assert same["coverage"] == 1.0 and same["density"] >= 0.2  # each fake is in its own twin's ball
  far = metrics.density_coverage(real, rng.standard_normal((120, 8)) - 50.0)
  assert far == {"density": 0.0, "coverage": 0.0}
  # Fakes that copy half the reals and put the rest far away: density halves exactly.
  half = np.concatenate([real[:100], rng.standard_normal((100, 8)) - 50.0])
  dens_copy = metrics.density_coverage(real, real[:100])["density"]
  out = metrics.density_coverage(real, half)
  assert out["density"] == pytest.approx(dens_copy / 2, rel=1e-12)
  assert 0.5 <= out["coverage"] < 1.0
  # Points on a line spaced 1 apart, k=2: interior radii are 1. A fake at 0.5 past
  # point i (i interior) lies in the balls of i and i+1 only.
  line = np.stack([np.arange(10.0), np.zeros(10)], 1)
  one = metrics.density_coverage(line, np.array([[4.5, 0.0]]), k=2)
  assert one["density"] == pytest.approx(2 / 2) and one["coverage"] == pytest.approx(2 / 10)


def test_knn_radii():
  line = np.stack([np.arange(6.0) ** 2, np.zeros(6)], 1)  # 0 1 4 9 16 25
  np.testing.assert_allclose(metrics.knn_radii(line, k=1), [1, 1, 3, 5, 7, 9], rtol=1e-6)
  # Large k takes the lax.top_k branch; small k the repeated-argmin one.
  x = np.random.default_rng(14).standard_normal((90, 3))
  d = np.sqrt(np.sum((x[:, None] - x[None]) ** 2, -1))
  for k in (4, 20):
    got = metrics.knn_radii(x, k=k, block_size=32)
    np.testing.assert_allclose(got, np.sort(d, 1)[:, k], rtol=1e-4)


# -- 2D mixtures ----------------------------------------------------------------------
def test_mode_centres():
  ring = metrics.ring_modes()
  assert ring.shape == (8, 2)
  np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 2.0)
  np.testing.assert_allclose(ring[0], [2.0, 0.0], atol=1e-12)
  np.testing.assert_allclose(ring[2], [0.0, 2.0], atol=1e-12)
  grid = metrics.grid_modes()
  assert grid.shape == (25, 2)
  assert set(np.round(grid[:, 0], 9)) == {-4.0, -2.0, 0.0, 2.0, 4.0}
  np.testing.assert_allclose(grid.mean(0), 0.0, atol=1e-12)


@pytest.mark.parametrize("source", ["jax", "numpy"])
def test_data_samples_cover_all_modes(source):
  key = jax.random.key(0) if source == "jax" else np.random.default_rng(0)
  ring = metrics.sample_ring(key, 2500)
  grid = metrics.sample_grid(key, 2500)
  assert isinstance(ring, jax.Array) == (source == "jax")
  r = metrics.mode_coverage_2d(ring, metrics.ring_modes(), std=0.02, min_count=20)
  g = metrics.mode_coverage_2d(grid, metrics.grid_modes(), std=0.05, min_count=20)
  assert r["modes_covered"] == 8 and g["modes_covered"] == 25
  # 2D isotropic Gaussian: P(|x - c| <= 3 std) = 1 - exp(-9/2) = 0.9889.
  for out in (r, g):
    assert out["high_quality_fraction"] == pytest.approx(1 - np.exp(-4.5), abs=0.01)
  assert r["mode_histogram"].sum() == pytest.approx(2500 * (1 - np.exp(-4.5)), abs=40)


def test_mode_coverage_hand_made():
  centres = metrics.ring_modes()
  std = 0.02
  counts = [(0, 20), (3, 25), (5, 1)]
  near = np.concatenate([np.repeat(centres[i:i + 1], n, 0) + [0.05, 0.0] for i, n in counts])
  # The last junk point is 0.07 > 3 * 0.02 from mode 1: not high quality.
  junk = np.array([[0.0, 0.0], [1.0, 1.0], [centres[1, 0] + 0.07, centres[1, 1]]])
  out = metrics.mode_coverage_2d(np.concatenate([near, junk]), centres, std)
  assert out["modes_covered"] == 3  # VEEGAN/PacGAN default: one high-quality sample suffices
  assert out["high_quality_fraction"] == pytest.approx(46 / 49)
  np.testing.assert_array_equal(out["mode_histogram"], [20, 0, 0, 25, 0, 1, 0, 0])
  assert metrics.mode_coverage_2d(near, centres, std, min_count=20)["modes_covered"] == 2
  assert metrics.mode_coverage_2d(near, centres, std, min_count=26)["modes_covered"] == 0


# -- Stacked MNIST and class accuracy ------------------------------------------------
def test_stacked_mnist_modes():
  all_modes = np.array([[i // 100, (i // 10) % 10, i % 10] for i in range(1000)])
  out = metrics.stacked_mnist_modes(np.concatenate([all_modes, all_modes]))
  assert out["modes_covered"] == 1000 and out["kl_to_uniform"] == pytest.approx(0.0, abs=1e-12)
  collapsed = metrics.stacked_mnist_modes(np.tile([[3, 1, 4]], (50, 1)))
  assert collapsed["modes_covered"] == 1
  assert collapsed["kl_to_uniform"] == pytest.approx(np.log(1000))
  assert collapsed["mode_histogram"][314] == 50
  two = metrics.stacked_mnist_modes(np.array([[0, 0, 0], [9, 9, 9]] * 7))
  assert two["modes_covered"] == 2 and two["kl_to_uniform"] == pytest.approx(np.log(500))
  # Each channel is half 0s, half 9s (log 5 each); the rest, log 4, is their dependence.
  assert out["kl_marginals"] == pytest.approx(0.0, abs=1e-12)
  assert collapsed["kl_marginals"] == pytest.approx(np.log(1000))
  assert two["kl_marginals"] == pytest.approx(3 * np.log(5))
  # Independent channels, the same skew in each: the joint KL is the marginals' sum.
  skew = np.array([3, 1, 1, 1, 1, 1, 1, 1, 1, 1]) / 12
  triples = np.array([[a, b, c] for a in range(10) for b in range(10) for c in range(10)])
  weights = (skew[triples[:, 0]] * skew[triples[:, 1]] * skew[triples[:, 2]] * 12**3).round()
  skewed = metrics.stacked_mnist_modes(np.repeat(triples, weights.astype(int), axis=0))
  assert skewed["kl_marginals"] == pytest.approx(3 * np.sum(skew * np.log(skew * 10)))
  assert skewed["kl_to_uniform"] == pytest.approx(skewed["kl_marginals"])
  with pytest.raises(ValueError, match="0..9"):
    metrics.stacked_mnist_modes(np.array([[0, 10, 0]]))


def test_class_accuracy():
  intended = np.array([0, 0, 0, 0, 1, 1, 3, 3])
  predicted = np.array([0, 0, 0, 1, 1, 0, 3, 3])
  out = metrics.class_accuracy(jnp.asarray(predicted), intended, num_classes=4)
  np.testing.assert_allclose(out["per_class"], [0.75, 0.5, np.nan, 1.0])
  assert out["mean"] == pytest.approx((0.75 + 0.5 + 1.0) / 3)
  assert out["overall"] == pytest.approx(6 / 8)


def test_class_shares_count_the_classifiers_readings_by_hand():
  # Four samples over three classes: readings 0, 0, 2, 1; the last is read with p ~ 0.58.
  logits = np.array([[5.0, 0.0, 0.0], [4.0, 0.0, 0.0], [0.0, 0.0, 9.0], [0.0, 0.5, 0.0]])
  shares = mode_coverage.class_shares(logits)
  np.testing.assert_allclose(shares["shares"], [0.5, 0.25, 0.25])
  assert shares["share_min"] == 0.25 and shares["share_max"] == 0.5
  want_kl = 0.5 * np.log(0.5 * 3) + 2 * 0.25 * np.log(0.25 * 3)
  np.testing.assert_allclose(shares["kl_to_uniform"], want_kl, rtol=1e-12)
  assert shares["confident"] == 0.75
  with pytest.raises(ValueError, match="logits"):
    mode_coverage.class_shares(np.zeros((3,)))
