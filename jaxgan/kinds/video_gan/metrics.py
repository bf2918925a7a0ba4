"""Metrics of generated Moving MNIST videos, each named by the network that made it.

  fvd[mmnist-c3d]                  Fréchet distance between Gaussians fitted to the features of
                                   generated and real clips, in the space of the shipped
                                   3-D CNN (jaxgan/kinds/video_gan/c3d_features.py); lower is better
  content_consistency[lenet-mnist] the fraction of videos on whose every frame the MNIST
                                   classifier reads the same multiset of digits; real videos
                                   score near 1 (overlapping digits cost a little)
  acd[lenet-mnist]                 average content distance (MoCoGAN): the mean L2 distance
                                   between LeNet features of consecutive frames of a video
  psnr, ssim                       continuation: per generated frame against the real
                                   continuation, beside the copy-last-frame baseline

How a frame is read by LeNet: digits are found as the `num_digits` clusters of the frame's
ink (intensity-weighted k-means of pixel positions, a few Lloyd steps from a split along the
principal axis), and a digit-sized window is cut around each cluster's centre of mass, which
is how MNIST centres its digits (Lecun et al.: "centered by computing the center of mass"),
then scaled to 28x28 when the canvas is at half resolution.

Real test videos scored against real training videos give the floor of each number
(`Evaluator.floor`).
"""

import functools
from typing import Callable, Iterator

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.data import moving_mnist
from jaxgan.metrics import features as features_lib
from jaxgan.metrics import image_quality
from jaxgan.kinds.video_gan import c3d_features as video_features
from jaxgan.metrics.frechet import frechet_distance
from jaxgan.metrics.stats import RunningMoments
from jaxgan.models import classifier

C3D = video_features.NAME
LENET = "lenet-mnist"
_LLOYD_STEPS = 5


def to_unit(frames_uint8) -> np.ndarray:
  return np.asarray(frames_uint8, np.float32) * (2.0 / 255.0) - 1.0


# -- locating and reading digits -----------------------------------------------------------
def digit_centres(frames, num_digits: int) -> np.ndarray:
  """Centres of mass (row, col) [N, num_digits, 2] of the ink of frames [N, H, W] in [-1, 1]."""
  n, h, w = frames.shape
  ink = np.clip((np.asarray(frames, np.float64) + 1.0) / 2.0, 0.0, 1.0).reshape(n, h * w)
  ink = ink + 1e-9  # An empty frame still has a centre (the canvas centre).
  rows, cols = np.divmod(np.arange(h * w), w)
  coords = np.stack([rows, cols], -1).astype(np.float64)          # [P, 2]
  total = ink.sum(-1, keepdims=True)
  mean = ink @ coords / total                                      # [N, 2]
  if num_digits == 1:
    return mean[:, None]
  # Initial split: the sign of each pixel's offset along the principal axis of the ink.
  offsets = coords[None] - mean[:, None]                           # [N, P, 2]
  cov = np.einsum("np,npi,npj->nij", ink, offsets, offsets) / total[..., None]
  axis = np.linalg.eigh(cov)[1][..., -1]                           # [N, 2]
  projection = np.einsum("npi,ni->np", offsets, axis)
  assign = np.stack([projection < 0, projection >= 0], -1).astype(np.float64)
  if num_digits > 2:  # Further clusters start at evenly spaced quantiles of the projection.
    edges = np.quantile(projection, np.linspace(0, 1, num_digits + 1)[1:-1], axis=1).T
    index = np.sum(projection[..., None] >= edges[:, None], -1)
    assign = np.eye(num_digits)[index]
  for _ in range(_LLOYD_STEPS):
    mass = np.einsum("np,npk->nk", ink, assign) + 1e-9
    centres = np.einsum("np,npk,pi->nki", ink, assign, coords) / mass[..., None]
    distance = np.sum(np.square(coords[None, :, None] - centres[:, None]), -1)  # [N, P, K]
    assign = np.eye(num_digits)[np.argmin(distance, -1)]
  mass = np.einsum("np,npk->nk", ink, assign) + 1e-9
  return np.einsum("np,npk,pi->nki", ink, assign, coords) / mass[..., None]


def digit_crops(frames, num_digits: int, digit_size: int) -> np.ndarray:
  """LeNet inputs [N, num_digits, 28, 28, 1] in [-1, 1]: a digit_size window around each
  digit's centre of mass (the canvas padded with background), scaled to 28x28."""
  frames = np.asarray(frames, np.float32)
  n, h, w = frames.shape
  centres = digit_centres(frames, num_digits)
  half = digit_size / 2.0
  corner = np.rint(centres - (half - 0.5)).astype(np.int64)    # Top-left of each window.
  pad = digit_size
  padded = np.pad(frames, ((0, 0), (pad, pad), (pad, pad)), constant_values=-1.0)
  r = corner[..., 0, None] + pad + np.arange(digit_size)           # [N, K, S]
  c = corner[..., 1, None] + pad + np.arange(digit_size)
  crops = padded[np.arange(n)[:, None, None, None], r[..., :, None], c[..., None, :]]
  if digit_size != 28:
    scale = 28 // digit_size
    crops = np.repeat(np.repeat(crops, scale, axis=-2), scale, axis=-1)
  return crops[..., None]


@functools.lru_cache(maxsize=1)
def _lenet():
  variables, _ = features_lib.load_lenet(features_lib.LENET_WEIGHTS)
  apply = jax.jit(lambda v, x: classifier.LeNet().apply(v, x, train=False,
                                                        return_features=True))
  return apply, variables


def read_frames(videos, num_digits: int, digit_size: int, batch_size: int = 2048):
  """LeNet's reading of every frame of videos [N, T, H, W, 1] in [-1, 1]:
  (sorted predicted digits [N, T, num_digits], frame features [N, T, 256], the mean of the
  digits' features; class probabilities [N, T, num_digits, 10], digits in located order)."""
  apply, variables = _lenet()
  n, t = videos.shape[:2]
  crops = digit_crops(np.asarray(videos).reshape((n * t,) + videos.shape[2:4]), num_digits,
                      digit_size).reshape((n * t * num_digits, 28, 28, 1))
  logits, feats = [], []
  for start in range(0, len(crops), batch_size):
    out_logits, out_features = apply(variables, jnp.asarray(crops[start:start + batch_size]))
    logits.append(np.asarray(out_logits))
    feats.append(np.asarray(out_features))
  logits = np.concatenate(logits).astype(np.float64)
  probabilities = np.exp(logits - logits.max(-1, keepdims=True))
  probabilities = (probabilities / probabilities.sum(-1, keepdims=True)).reshape(
      n, t, num_digits, -1)
  predicted = np.argmax(logits, -1).reshape(n, t, num_digits)
  frame_features = np.concatenate(feats).reshape(n, t, num_digits, -1).mean(axis=2)
  return np.sort(predicted, axis=-1), frame_features, probabilities


def content_consistency(predicted) -> np.ndarray:
  """Per video: 1.0 if every frame's digit multiset [T, K] equals the first frame's."""
  return np.all(predicted == predicted[:, :1], axis=(1, 2)).astype(np.float64)


def first_frame_reading(probabilities) -> dict[str, np.ndarray]:
  """Per video, of LeNet's class probabilities [N, T, K, 10] on frame 0: `confidence`, the
  mean over digits of the top probability, and `entropy`, the mean entropy in nats."""
  first = np.asarray(probabilities, np.float64)[:, 0]
  entropy = -np.sum(first * np.log(np.maximum(first, 1e-30)), -1)
  return {"confidence": first.max(-1).mean(-1), "entropy": entropy.mean(-1)}


def class_accuracy(predicted, labels) -> np.ndarray:
  """Per video: the fraction of frames whose sorted predicted digits [N, T, K] equal the
  sorted labels [N, K]."""
  want = np.sort(np.asarray(labels), axis=-1)[:, None]
  return np.mean(np.all(predicted == want, axis=-1), axis=-1)


def average_content_distance(frame_features) -> np.ndarray:
  """Per video: the mean L2 distance between features [T, D] of consecutive frames."""
  steps = np.diff(np.asarray(frame_features, np.float64), axis=1)
  return np.mean(np.linalg.norm(steps, axis=-1), axis=1)


# -- continuation --------------------------------------------------------------------------
def continuation_quality(predicted, real, context_frames: int) -> dict[str, np.ndarray]:
  """Per generated time [T - k], of predicted [N, T, H, W, C] against real and of the
  copy-last-frame baseline (frame k-1 repeated): `mse` and `ssim`, means over videos, and
  `psnr` of that mean MSE. PSNR is taken of the pooled error, not averaged per video: a
  frame that equals the truth exactly (copy-last after a digit bounces back to where it
  was) has infinite PSNR and would make a per-video mean infinite."""
  k = context_frames
  real_future = jnp.asarray(real[:, k:])
  copy_last = jnp.broadcast_to(jnp.asarray(real[:, k - 1:k]), real_future.shape)
  window = min(11, real.shape[2])
  out = {}
  for name, guess in (("model", jnp.asarray(predicted[:, k:])), ("copy_last", copy_last)):
    mse = np.asarray(jnp.mean(jnp.square(guess - real_future), axis=(0, 2, 3, 4)))
    out[f"mse/{name}"] = mse
    out[f"psnr/{name}"] = np.asarray(image_quality.psnr_of_mse(mse))
    out[f"ssim/{name}"] = np.asarray(
        jnp.mean(image_quality.ssim(guess, real_future, window=window), 0))
  return out


# -- the evaluator -------------------------------------------------------------------------
class Accumulator:
  """C3D moments, LeNet consistency and ACD of a stream of video batches."""

  def __init__(self, c3d_apply, c3d_variables, num_digits: int, digit_size: int):
    self._apply, self._variables = c3d_apply, c3d_variables
    self._num_digits, self._digit_size = num_digits, digit_size
    self.moments = RunningMoments()
    self.consistency, self.acd, self.accuracy = [], [], []
    self.first_frame = {"confidence": [], "entropy": []}

  def add(self, videos, labels=None) -> None:
    """videos [B, T, H, W, 1] float in [-1, 1]; labels [B, K]: the digits they should show."""
    self.moments.update(np.asarray(self._apply(self._variables, jnp.asarray(videos))["features"]))
    predicted, frame_features, probabilities = read_frames(np.asarray(videos), self._num_digits,
                                                           self._digit_size)
    self.consistency.append(content_consistency(predicted))
    self.acd.append(average_content_distance(frame_features))
    for name, values in first_frame_reading(probabilities).items():
      self.first_frame[name].append(values)
    if labels is not None:
      self.accuracy.append(class_accuracy(predicted, labels))

  def numbers(self, reference: RunningMoments) -> dict[str, float]:
    mu, sigma = self.moments.result()
    ref_mu, ref_sigma = reference.result()
    return {f"fvd[{C3D}]": frechet_distance(mu, sigma, ref_mu, ref_sigma),
            f"content_consistency[{LENET}]": float(np.mean(np.concatenate(self.consistency))),
            f"acd[{LENET}]": float(np.mean(np.concatenate(self.acd))),
            **{f"first_frame_{name}[{LENET}]": float(np.mean(np.concatenate(values)))
               for name, values in self.first_frame.items()},
            **({f"class_accuracy[{LENET}]": float(np.mean(np.concatenate(self.accuracy)))}
               if self.accuracy else {})}


def _batches(num: int, batch_size: int) -> Iterator[tuple[int, int]]:
  for start in range(0, num, batch_size):
    yield start, min(batch_size, num - start)


class Evaluator:
  """Scores video generators on one Moving MNIST variant against its real training videos.

  `evaluate(generate, tag)` with `generate(start, size, context) -> videos [size, T, H, W, 1]`
  in [-1, 1]; `context` is the first `context_frames` frames of real test videos
  start..start+size ([size, k, H, W, 1]) in continuation mode, else None. With
  `labels(start, size) -> [size, digits]`, the digits a conditional G was asked for, it also
  scores the class accuracy of every frame.
  """

  def __init__(self, dataset: str, num_videos: int, num_reference: int, batch_size: int,
               context_frames: int = 0, c3d_weights: str = ""):
    self.dataset = dataset
    self.variant = moving_mnist.VARIANTS[dataset]
    self.num_videos, self.num_reference = num_videos, num_reference
    self.batch_size, self.context_frames = batch_size, context_frames
    self._c3d_apply, self._c3d_variables, self.c3d_sha256 = video_features.network(c3d_weights)

  def _accumulator(self) -> Accumulator:
    return Accumulator(self._c3d_apply, self._c3d_variables, self.variant.num_digits,
                       self.variant.digit_size)

  def real_videos(self, split: str, start: int, size: int) -> np.ndarray:
    source = moving_mnist.MovingMnistSource(self.dataset, split)
    return to_unit(source.batch(range(start, start + size))["frames"])

  def real_labels(self, split: str, start: int, size: int) -> np.ndarray:
    source = moving_mnist.MovingMnistSource(self.dataset, split)
    return source.batch(range(start, start + size))["labels"]

  @functools.cached_property
  def reference(self) -> RunningMoments:
    """C3D moments of the first num_reference training videos (computed once)."""
    acc = self._accumulator()
    for start, size in _batches(self.num_reference, self.batch_size):
      acc.moments.update(np.asarray(self._c3d_apply(
          self._c3d_variables, jnp.asarray(self.real_videos("train", start, size)))["features"]))
    return acc.moments

  def evaluate(self, generate: Callable, tag: str, quality: bool = True,
               labels: Callable | None = None) -> dict[str, float]:
    acc = self._accumulator()
    scores = []
    for start, size in _batches(self.num_videos, self.batch_size):
      context = real = None
      if self.context_frames:
        real = self.real_videos("test", start, size)
        context = real[:, :self.context_frames]
      videos = np.asarray(generate(start, size, context))
      acc.add(videos, None if labels is None else labels(start, size))
      if self.context_frames and quality:
        scores.append((size, continuation_quality(videos, real, self.context_frames)))
    results = {f"{name}/{tag}": value for name, value in acc.numbers(self.reference).items()}
    results.update(self._quality_numbers(scores, tag))
    return results

  def _quality_numbers(self, quality, tag: str) -> dict[str, float]:
    if not quality:
      return {}
    total = sum(size for size, _ in quality)
    out = {}
    pooled = {key: sum(size * q[key] for size, q in quality) / total
              for key in quality[0][1] if not key.startswith("psnr/")}
    for key in [k for k in pooled if k.startswith("mse/")]:
      pooled["psnr/" + key[4:]] = np.asarray(image_quality.psnr_of_mse(pooled.pop(key)))
    for key, per_frame in pooled.items():
      name, guess = key.split("/")
      label = tag if guess == "model" else "copy_last"
      out[f"{name}/{label}"] = float(np.mean(per_frame))
      for t, value in enumerate(per_frame):
        out[f"{name}/{label}/frame_{t + self.context_frames}"] = float(value)
    return out

  def floor(self) -> dict[str, float]:
    """The same numbers for real test videos (as if generated) against the training ones;
    for continuation, the copy-last-frame baseline of `evaluate` is the reference instead."""
    return self.evaluate(lambda start, size, context: self.real_videos("test", start, size),
                         "real_test", quality=False,
                         labels=lambda start, size: self.real_labels("test", start, size))

  def sample_counts(self) -> dict[str, int]:
    return {"num_samples/generated": self.num_videos,
            "num_samples/reference": self.num_reference}
