"""Scores of an image-to-image translator, each beside the trivial baseline's.

The kind hands `score` batches of {"output", "baseline", and, when known, "target" (paired
tasks) and "label" (the source digit's class)}, all images in [-1, 1], and batches of real
images of the target domain. Every number is named `METRIC/WHAT`, WHAT being "output" or the
baseline's name ("identity": the source passed through; "masked_input": the inpainting
source), and feature metrics carry their network, e.g. `fid[lenet-mnist]/output`:

  l1, psnr, ssim        against the target (paired); jaxgan/metrics/image_quality.py
  fid[NETWORK]          the outputs' features against the target domain's real images
  label_accuracy[NET]   how often the classifier reads the source's label in the output
                        (label preservation), for digit tasks with a classifier network

`to_digit` maps an image to what the classifier reads (e.g. the max over colour channels of
a tinted digit); FID uses the network on the images as they are.
"""

from typing import Callable, Iterable

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan import parallel
from jaxgan.metrics import evaluator
from jaxgan.metrics import features as features_lib
from jaxgan.metrics import image_quality
from jaxgan.metrics.frechet import frechet_distance
from jaxgan.metrics.stats import RunningMoments

# Which way is better, per metric name (for best_metric).
DIRECTION = {"l1": "min", "psnr": "max", "ssim": "max", "fid": "min", "label_accuracy": "max",
             "cycle_l1": "min"}


@jax.jit
def _paired(output, target):
  return {"l1": jnp.mean(jnp.abs(output - target), axis=(1, 2, 3)),
          "psnr": image_quality.psnr(output, target),
          "ssim": image_quality.ssim(output, target)}


def max_channel(images):
  """A tinted digit as grey: the brightest channel per pixel."""
  return jnp.max(images, axis=-1, keepdims=True)


class TranslationScorer:
  """Built once per experiment: the feature network, jitted over the mesh."""

  def __init__(self, eval_config, image_shape, to_digit: Callable | None = None, mesh=None):
    mesh = mesh or parallel.make_mesh()
    self.network = features_lib.build(eval_config, tuple(image_shape))
    self.extractor = evaluator.Extractor(self.network, mesh)
    self.to_digit = to_digit
    self.digit_reader = None
    if self.network.has_logits:
      shape = tuple(image_shape[:-1]) + (1,) if to_digit is not None else tuple(image_shape)
      reader = features_lib.build(eval_config, shape)
      self.digit_reader = evaluator.Extractor(reader, mesh)
    self._references = {}

  def reference(self, name: str, batches: Callable[[], Iterable]) -> tuple:
    """(mu, sigma) of the real target-domain images, computed once per name."""
    if name not in self._references:
      moments = RunningMoments()
      for images in batches():
        moments.update(self.extractor(jnp.asarray(images))["features"])
      self._references[name] = moments.result()
    return self._references[name]

  def _read_labels(self, images) -> np.ndarray:
    images = self.to_digit(images) if self.to_digit is not None else images
    logits = self.digit_reader(images)["logits"]
    return np.asarray(logits).reshape(len(images), -1).argmax(-1)

  def score(self, batches: Iterable[dict], reference: tuple, baseline: str) -> dict[str, float]:
    """The metrics of the outputs and of the baseline over `batches` (see module doc)."""
    sums, count, moments = {}, 0, {"output": RunningMoments(), baseline: RunningMoments()}
    correct = {"output": 0, baseline: 0}
    labelled = False
    for batch in batches:
      n = len(batch["output"])
      count += n
      for what, key in (("output", "output"), (baseline, "baseline")):
        images = jnp.asarray(batch[key])
        if "target" in batch:
          for metric, values in _paired(images, jnp.asarray(batch["target"])).items():
            sums[f"{metric}/{what}"] = sums.get(f"{metric}/{what}", 0.0) + float(np.sum(values))
        moments[what].update(self.extractor(images)["features"])
        if "label" in batch and self.digit_reader is not None:
          labelled = True
          correct[what] += int(np.sum(self._read_labels(images) == np.asarray(batch["label"])))
    results = {name: total / count for name, total in sums.items()}
    net = self.network.name
    for what, accumulated in moments.items():
      results[f"fid[{net}]/{what}"] = frechet_distance(*accumulated.result(), *reference)
      if labelled:
        results[f"label_accuracy[{net}]/{what}"] = correct[what] / count
    results["num_samples/translated"] = float(count)
    return results
