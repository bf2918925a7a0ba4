"""PSNR and SSIM (jaxgan/metrics/image_quality.py) against their definitions."""

import numpy as np
import pytest

from jaxgan.metrics import image_quality as iq


def test_psnr_values():
  a = np.zeros((2, 8, 8, 1), np.float32)
  b = a + 0.1
  np.testing.assert_allclose(iq.psnr(a, b), 10 * np.log10(4.0 / 0.01), rtol=1e-5)
  np.testing.assert_allclose(iq.psnr(a * 255, b * 255, data_range=255.0),
                             10 * np.log10(255.0 ** 2 / (25.5 ** 2)), rtol=1e-5)
  assert np.all(np.isinf(iq.psnr(a, a)))


def _ssim_reference(x, y, data_range):
  """SSIM straight from Wang et al. (2004), one 11x11 window at a time, float64."""
  g = iq.gaussian_window().astype(np.float64)
  w = np.outer(g, g)
  c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
  values = []
  for i in range(x.shape[0] - 10):
    for j in range(x.shape[1] - 10):
      p, q = x[i:i + 11, j:j + 11], y[i:i + 11, j:j + 11]
      mp, mq = np.sum(w * p), np.sum(w * q)
      vp, vq = np.sum(w * (p - mp) ** 2), np.sum(w * (q - mq) ** 2)
      cov = np.sum(w * (p - mp) * (q - mq))
      values.append((2 * mp * mq + c1) * (2 * cov + c2) / ((mp ** 2 + mq ** 2 + c1)
                                                          * (vp + vq + c2)))
  return np.mean(values)


def test_ssim_matches_the_definition():
  rng = np.random.default_rng(0)
  x = rng.uniform(-1, 1, (16, 16))
  y = np.clip(x + rng.normal(0, 0.3, x.shape), -1, 1)
  got = iq.ssim(x[None, ..., None], y[None, ..., None])[0]
  np.testing.assert_allclose(got, _ssim_reference(x, y, 2.0), rtol=1e-4)


def test_ssim_properties():
  rng = np.random.default_rng(1)
  x = rng.uniform(-1, 1, (3, 20, 20, 2)).astype(np.float32)
  np.testing.assert_allclose(iq.ssim(x, x), 1.0, rtol=1e-5)
  noisy = np.clip(x + rng.normal(0, 0.2, x.shape), -1, 1)
  noisier = np.clip(x + rng.normal(0, 0.6, x.shape), -1, 1)
  np.testing.assert_allclose(iq.ssim(x, noisy), iq.ssim(noisy, x), rtol=1e-5)
  assert np.all(iq.ssim(x, noisier) < iq.ssim(x, noisy))
  assert np.all(iq.ssim(x, noisy) < 1.0)


def test_bad_inputs():
  with pytest.raises(ValueError, match="one shape"):
    iq.psnr(np.zeros((4, 4, 1)), np.zeros((4, 5, 1)))
  with pytest.raises(ValueError, match="window"):
    iq.ssim(np.zeros((8, 8, 1)), np.zeros((8, 8, 1)))
  assert iq.ssim(np.zeros((8, 8, 1)), np.zeros((8, 8, 1)), window=7).shape == ()
