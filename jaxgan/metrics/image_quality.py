"""Full-reference image quality: PSNR and SSIM of images against their ground truth.

Plain jax.numpy functions of two arrays [..., H, W, C] with the same shape, returning one
value per image [...] (average them as the caller needs: per frame, per video, overall).
`data_range` is max - min of the pixel scale: 2.0 for jaxgan's [-1, 1] images (the default),
255 for uint8, 1.0 for [0, 1].

  psnr  10 log10(data_range^2 / MSE), in dB; +inf for identical images.
  ssim  Wang et al. 2004 ("Image quality assessment: from error visibility to structural
        similarity"), with their constants: an 11x11 Gaussian window of sigma 1.5, K1 = 0.01,
        K2 = 0.03, statistics of every window that fits inside the image ('valid', as
        tf.image.ssim does, so no border padding enters), the mean of the SSIM map, averaged
        over channels. Images must be at least 11 pixels on each side (or pass a smaller
        `window`).
"""

import jax.numpy as jnp
import numpy as np


def _check(a, b, name: str):
  a, b = jnp.asarray(a, jnp.float32), jnp.asarray(b, jnp.float32)
  if a.shape != b.shape or a.ndim < 3:
    raise ValueError(f"{name}: need two arrays [..., H, W, C] of one shape, got {a.shape} "
                     f"and {b.shape}")
  return a, b


def psnr(a, b, data_range: float = 2.0):
  """Peak signal-to-noise ratio per image [...], in dB."""
  a, b = _check(a, b, "psnr")
  return psnr_of_mse(jnp.mean(jnp.square(a - b), axis=(-3, -2, -1)), data_range)


def psnr_of_mse(mse, data_range: float = 2.0):
  """PSNR in dB of mean squared errors (infinite where the error is 0)."""
  return 10.0 * jnp.log10(data_range ** 2 / jnp.asarray(mse))


def gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
  """The normalised 1-D Gaussian [size] whose outer product is SSIM's window."""
  x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
  w = np.exp(-0.5 * np.square(x / sigma))
  return (w / w.sum()).astype(np.float32)


def _filter_valid(x, window):
  """Separable 'valid' filtering of [..., H, W, C] along H then W."""
  k = len(window)
  h, w = x.shape[-3], x.shape[-2]
  rows = sum(window[i] * x[..., i:h - k + 1 + i, :, :] for i in range(k))
  return sum(window[i] * rows[..., :, i:w - k + 1 + i, :] for i in range(k))


def ssim(a, b, data_range: float = 2.0, window: int = 11, sigma: float = 1.5,
         k1: float = 0.01, k2: float = 0.03):
  """Mean structural similarity per image [...], in [-1, 1]; 1 for identical images."""
  a, b = _check(a, b, "ssim")
  if min(a.shape[-3], a.shape[-2]) < window:
    raise ValueError(f"ssim: images {a.shape[-3:-1]} are smaller than the {window}x{window} "
                     f"window; pass window=<= {min(a.shape[-3], a.shape[-2])}")
  g = gaussian_window(window, sigma)
  c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
  mu_a, mu_b = _filter_valid(a, g), _filter_valid(b, g)
  var_a = _filter_valid(a * a, g) - mu_a * mu_a
  var_b = _filter_valid(b * b, g) - mu_b * mu_b
  cov = _filter_valid(a * b, g) - mu_a * mu_b
  ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)
              / ((mu_a * mu_a + mu_b * mu_b + c1) * (var_a + var_b + c2)))
  return jnp.mean(ssim_map, axis=(-3, -2, -1))
