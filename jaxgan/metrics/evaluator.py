"""Evaluation of a generator against a dataset split, with the configured metrics.

Every number is named `METRIC[NETWORK]/GENERATOR`, e.g. `fid[lenet-mnist]/ema`, and the result
carries `num_samples/generated` and `num_samples/reference`, the sample counts behind them.

  fid             Fréchet distance of the feature Gaussians (lower is better)
  kid             KID mean (and kid_std) over 100 subsets of <=1000 (lower is better)
  is              Inception Score (and is_std) over 10 splits, from the network's logits
  pr              improved precision and recall, k=3
  dc              density and coverage, k=5
  class_accuracy  conditional models: how often the classifier sees the class asked for
                  (mean over classes, and per class: class_accuracy[..]/ema/class_3)
  modes           2D mixtures: modes_covered and high_quality[ring8]; Stacked MNIST:
                  modes_covered and kl_to_uniform[lenet-mnist] (of 1000 modes)
  class_shares    how the classifier reads the samples: each class's share
                  (class_share[..]/ema/class_3), the smallest and largest share, the KL of
                  the shares to uniform and the fraction read with probability > 0.9
                  (confident); the balance of an unconditional generator

How the work is done: samples are generated `batch_size` at a time and go straight through
the jitted feature network (batch sharded over the mesh's `data` axis); only features are kept
(streaming float64 moments for FID; the feature arrays only when KID/PR/DC need them; argmax
predictions for modes and class accuracy), so 50k images are never in memory at once. The
real statistics of (dataset, split, network weights, number of images) are computed once and
cached as .npz under `eval.cache_dir` (default <data dir>/jaxgan_reference_stats).
"""

import json
import os
from typing import Callable, Iterator

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan import parallel
from jaxgan.data import pipeline
from jaxgan.data import sources
from jaxgan.data import synthetic
from jaxgan.errors import UserError
from jaxgan.metrics import features as features_lib
from jaxgan.metrics import mode_coverage
from jaxgan.metrics import network_choice
# The package re-exports functions under their modules' names (metrics.kid is the function).
from jaxgan.metrics.frechet import frechet_distance
from jaxgan.metrics.inception_score import inception_score
from jaxgan.metrics.kid import kid
from jaxgan.metrics.precision_recall import density_coverage, precision_recall
from jaxgan.metrics.stats import RunningMoments

METRICS = ("fid", "kid", "is", "pr", "dc", "class_accuracy", "modes", "class_shares")
NETWORKS = tuple(features_lib.FEATURE_NETWORKS)
# Value name -> "min" or "max": which way is better (the best-checkpoint choice).
DIRECTION = {"fid": "min", "kid": "min", "is": "max", "precision": "max", "recall": "max",
             "density": "max", "coverage": "max", "class_accuracy": "max",
             "modes_covered": "max", "high_quality": "max", "kl_to_uniform": "min",
             "kl_marginals": "min", "class_share_min": "max", "class_share_max": "min",
             "class_kl_to_uniform": "min", "confident": "max"}
_PRODUCES = {"fid": ("fid",), "kid": ("kid",), "is": ("is",), "pr": ("precision", "recall"),
             "dc": ("density", "coverage"), "class_accuracy": ("class_accuracy",),
             "modes": ("modes_covered", "kl_to_uniform", "kl_marginals"),
             "class_shares": ("class_share_min", "class_share_max", "class_kl_to_uniform",
                              "confident")}
_NEEDS_FEATURES = {"fid", "kid", "pr", "dc"}
_KEEPS_FEATURES = {"kid", "pr", "dc"}
_MAX_CACHED_FEATURES = 50_000  # The literature's largest sample count; keeps caches small.
STACKED_MNIST = "stacked_mnist"


class Extractor:
  """The feature network, jitted with the batch sharded over `data` and the weights replicated."""

  def __init__(self, network: features_lib.FeatureNetwork, mesh):
    self.network = network
    self._num_devices = mesh.devices.size
    self._variables = jax.device_put(network.variables, parallel.replicated(mesh))
    self._apply = jax.jit(network.apply,
                          in_shardings=(parallel.replicated(mesh), parallel.batch_sharding(mesh)),
                          out_shardings=parallel.replicated(mesh))

  def __call__(self, images) -> dict[str, np.ndarray]:
    n = images.shape[0]
    pad = -n % self._num_devices  # Shards must be equal: pad, then drop the padding.
    if pad:
      images = jnp.concatenate([images, jnp.zeros((pad, *images.shape[1:]), images.dtype)])
    outputs = jax.device_get(self._apply(self._variables, images))
    return {name: np.asarray(value)[:n] for name, value in outputs.items()}


def cached_json(path: str, compute: Callable[[], dict]) -> dict:
  """The dict cached at `path`, or `compute()`'s, written there whole by process 0."""
  if os.path.exists(path):
    with open(path) as f:
      return json.load(f)
  result = compute()
  if jax.process_index() == 0:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + f".{os.getpid()}.tmp", "w") as f:
      json.dump(result, f)
    os.replace(path + f".{os.getpid()}.tmp", path)
  return result


class Accumulator:
  """What the metrics need of a stream of network outputs, and nothing more."""

  def __init__(self, keep_features: bool, keep_logits: bool):
    self.moments = RunningMoments()
    self._keep_features, self._keep_logits = keep_features, keep_logits
    self._features, self._logits, self._labels = [], [], []

  def add(self, outputs: dict, labels=None) -> None:
    self.moments.update(outputs["features"])
    if self._keep_features:
      self._features.append(outputs["features"].astype(np.float32))
    if self._keep_logits and "logits" in outputs:
      self._logits.append(outputs["logits"].astype(np.float32))
    if labels is not None:
      self._labels.append(np.asarray(labels))

  @property
  def features(self) -> np.ndarray:
    return np.concatenate(self._features)

  @property
  def logits(self) -> np.ndarray:
    return np.concatenate(self._logits)

  @property
  def labels(self) -> np.ndarray:
    return np.concatenate(self._labels)


def _batches(num: int, batch_size: int) -> Iterator[tuple[int, int]]:
  for index, start in enumerate(range(0, num, batch_size)):
    yield index, min(batch_size, num - start)


def chosen_indices(length: int, num: int) -> np.ndarray:
  """Which images of a split of `length` are used: all (num 0 or >= length), else a subset
  seeded by `num` (the same subset every time, so cached statistics stay valid)."""
  if num and num < length:
    return np.sort(np.random.default_rng(num).choice(length, num, replace=False))
  return np.arange(length)


def statistics(accumulator: Accumulator, count: int) -> dict:
  """What a reference (or a saved statistics file) holds: the FID Gaussian, the sample count,
  and up to _MAX_CACHED_FEATURES feature vectors for KID / precision-recall / density."""
  mu, sigma = accumulator.moments.result()
  return {"mu": mu, "sigma": sigma, "count": np.int64(count),
          "features": accumulator.features[:_MAX_CACHED_FEATURES]}


def save_statistics(path: str, stats: dict) -> None:
  """Writes `stats` as .npz atomically: a concurrent reader sees all of it or nothing."""
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  partial = path + f".{os.getpid()}.tmp.npz"
  np.savez(partial, **{k: v for k, v in stats.items() if k != "cached"})
  os.replace(partial, path)


def cached_statistics(path: str, open_images: Callable, extractor, batch_size: int) -> dict:
  """The statistics of real images, read from `path` if there, else computed from
  `open_images() -> (source, indices)` a batch at a time and written there (process 0)."""
  if os.path.exists(path):
    with np.load(path) as npz:
      stats = {name: npz[name] for name in npz.files}
    return {**stats, "cached": True}
  source, indices = open_images()
  accumulator = Accumulator(keep_features=True, keep_logits=False)
  for start in range(0, len(indices), batch_size):
    chosen = indices[start:start + batch_size]
    accumulator.add(extractor(pipeline.to_unit_range(source.batch(chosen)["image"])))
  stats = statistics(accumulator, len(indices))
  if jax.process_index() == 0:
    save_statistics(path, stats)
  return {**stats, "cached": False}


def feature_metrics(reference: dict, accumulator: Accumulator, metrics, kid_subsets: int,
                    kid_subset_size: int, kid_cache: dict | None = None) -> dict[str, float]:
  """fid / kid / pr / dc (those in `metrics`) of the accumulated features against
  `reference` (statistics()), unnamed: {"fid", "kid", "kid_std", "precision", ...}."""
  results = {}
  if "fid" in metrics:
    mu, sigma = accumulator.moments.result()
    results["fid"] = frechet_distance(mu, sigma, reference["mu"], reference["sigma"])
  if "kid" in metrics:
    value = kid(reference["features"], accumulator.features, num_subsets=kid_subsets,
                subset_size=kid_subset_size, cache=kid_cache)
    results.update({"kid": value["mean"], "kid_std": value["std"]})
  if "pr" in metrics:
    results.update(precision_recall(reference["features"], accumulator.features, k=3))
  if "dc" in metrics:
    results.update(density_coverage(reference["features"], accumulator.features, k=5))
  return results


class Evaluator:
  """Built once per config; `evaluate(sample_batch, tag)` scores one generator.

  `sample_batch(index, size) -> (samples [size, *image_shape] in [-1, 1], labels or None)`.
  """

  def __init__(self, config, image_shape, mesh=None):
    self.config = config
    self.metrics = tuple(config.eval.metrics)
    self.image_shape = tuple(image_shape)
    self.points = config.data.name in synthetic.MIXTURES
    self.stacked = config.data.name == STACKED_MNIST
    self._check()
    uses_network = not self.points and bool(set(self.metrics) - {"modes"} or self.stacked)
    self.network = (features_lib.build(config.eval, self.image_shape, config.data.name)
                    if uses_network else None)
    needs_logits = set(self.metrics) & {"is", "class_accuracy", "class_shares"}
    if needs_logits and not self.network.has_logits:
      raise UserError(f"config.eval.metrics={self.metrics!r}: {sorted(needs_logits)} need a "
                      f"classifier; {self.network.name} has no logits")
    self.extractor = Extractor(self.network, mesh or parallel.make_mesh()) if uses_network else None
    # In brackets after each metric: the network that made it, or the 2D dataset.
    self.suffix = config.data.name if self.points else (
        self.network.name if self.network else config.eval.feature_network)
    self._reference = None
    self._kid_cache = {}  # The reference's side of KID's subsets, shared by raw and EMA.

  def _check(self) -> None:
    c, metrics = self.config, set(self.metrics)
    if self.points:
      require_only = metrics - {"modes"}
      if require_only:
        raise UserError(f"config.eval.metrics={self.metrics!r}: {c.data.name} is 2D points; "
                        f"only 'modes' applies")
    if "modes" in metrics and not (self.points or self.stacked):
      raise UserError(f"config.eval.metrics: 'modes' is for ring8, grid25 and stacked_mnist, "
                      f"not {c.data.name}")
    if "modes" in metrics and self.stacked and c.eval.feature_network not in (
        "lenet-mnist", network_choice.AUTO):
      raise UserError("config.eval.feature_network: stacked_mnist modes are counted by "
                      "lenet-mnist")
    if metrics & {"is", "class_shares"} and self.stacked:
      raise UserError("config.eval.metrics: 'is' and 'class_shares' need one class per image; "
                      "stacked_mnist has three digits (use 'modes')")
    if "class_accuracy" in metrics and not c.model.num_classes:
      raise UserError("config.eval.metrics: 'class_accuracy' is for conditional models "
                      "(model.num_classes > 0)")

  # -- real data ---------------------------------------------------------------------------
  def _real_images(self, split: str, num: int):
    """(a source of `split`, the chosen indices: all, or a seeded subset). Images are read
    from it a batch at a time, so a large split streams."""
    c = self.config
    source = sources.open(c.data.name, split, c.data.data_dir)
    shape = tuple(np.shape(source[0]["image"]))
    if shape != self.image_shape:
      raise UserError(f"config.data.image_shape={self.image_shape!r} but {c.data.name} "
                      f"images are {shape}; set it to match")
    return source, chosen_indices(len(source), num)

  def _cache_path(self) -> str:
    c = self.config
    directory = c.eval.cache_dir or os.path.join(sources.data_dir(c.data.data_dir),
                                                 "jaxgan_reference_stats")
    count = c.eval.num_reference or "all"
    name = (f"{c.data.name}-{c.eval.reference_split}-{self.network.fingerprint}-"
            f"{'x'.join(map(str, self.image_shape))}-n{count}.npz")
    return os.path.join(directory, name)

  def reference(self) -> dict:
    """{"mu", "sigma", "count", "features"} of the reference split; read from the cache if
    there, else computed and cached (by process 0)."""
    if self._reference is None:
      c = self.config
      self._reference = cached_statistics(
          self._cache_path(),
          lambda: self._real_images(c.eval.reference_split, c.eval.num_reference),
          self.extractor, c.eval.batch_size)
    return self._reference

  # -- generated data ----------------------------------------------------------------------
  def evaluate(self, sample_batch: Callable, tag: str, num: int = 0) -> dict[str, float]:
    """The configured metrics of `num` (default eval.num_samples) samples, keyed
    `METRIC[suffix]/tag`."""
    c, metrics = self.config, set(self.metrics)
    num = num or c.eval.num_samples
    if self.points:
      samples = np.concatenate([np.asarray(sample_batch(index, size)[0]).reshape(size, 2)
                                for index, size in _batches(num, c.eval.batch_size)])
      return self._name(self._point_metrics(samples), tag)
    accumulator = Accumulator(keep_features=bool(metrics & _KEEPS_FEATURES),
                              keep_logits=bool(metrics & {"is", "class_accuracy", "modes",
                                                          "class_shares"}))
    for index, size in _batches(num, c.eval.batch_size):
      images, labels = sample_batch(index, size)
      accumulator.add(self.extractor(images), labels)
    results = {}
    if metrics & _NEEDS_FEATURES:
      results.update(self._feature_metrics(accumulator, metrics))
    if "is" in metrics:
      score = inception_score(accumulator.logits, num_splits=min(10, num))
      results.update({"is": score["mean"], "is_std": score["std"]})
    if "class_accuracy" in metrics:
      accuracy = mode_coverage.class_accuracy(accumulator.logits.argmax(-1),
                                              accumulator.labels, c.model.num_classes)
      results["class_accuracy"] = accuracy["mean"]
      results.update({f"class_accuracy/class_{k}": float(v)
                      for k, v in enumerate(accuracy["per_class"]) if np.isfinite(v)})
    if "class_shares" in metrics:
      shares = mode_coverage.class_shares(accumulator.logits)
      results.update(class_share_min=shares["share_min"], class_share_max=shares["share_max"],
                     class_kl_to_uniform=shares["kl_to_uniform"],
                     confident=shares["confident"])
      results.update({f"class_share/class_{k}": float(v) for k, v in enumerate(shares["shares"])})
    if "modes" in metrics:
      modes = mode_coverage.stacked_mnist_modes(accumulator.logits.argmax(-1))
      results.update(modes_covered=float(modes["modes_covered"]),
                     kl_to_uniform=modes["kl_to_uniform"], kl_marginals=modes["kl_marginals"])
    return self._name(results, tag)

  def _feature_metrics(self, accumulator: Accumulator, metrics: set) -> dict[str, float]:
    return feature_metrics(self.reference(), accumulator, metrics, self.config.eval.kid_subsets,
                           self.config.eval.kid_subset_size, self._kid_cache)

  def _point_metrics(self, samples: np.ndarray) -> dict[str, float]:
    mixture = synthetic.MIXTURES[self.config.data.name]
    coverage = mode_coverage.mode_coverage_2d(samples, mixture.centres, mixture.std)
    return {"modes_covered": float(coverage["modes_covered"]),
            "high_quality": coverage["high_quality_fraction"]}

  def _name(self, results: dict, tag: str) -> dict[str, float]:
    named = {}
    for key, value in results.items():
      metric, _, rest = key.partition("/")
      named[f"{metric}[{self.suffix}]/{tag}" + (f"/{rest}" if rest else "")] = float(value)
    return named

  def sample_counts(self, num: int = 0) -> dict[str, float]:
    counts = {"num_samples/generated": float(num or self.config.eval.num_samples)}
    if set(self.metrics) & _NEEDS_FEATURES:
      counts["num_samples/reference"] = float(self.reference()["count"])
    return counts

  @property
  def best_key(self) -> tuple[str, str] | None:
    """(result key, "min" | "max") that picks the best checkpoint, or None."""
    best = self.config.eval.best_metric
    if not best:
      return None
    produced = {name for metric in self.metrics for name in _PRODUCES[metric]}
    if self.points:
      produced = {"modes_covered", "high_quality"}
    if best not in produced:
      raise UserError(f"config.eval.best_metric={best!r}: the metrics {self.metrics!r} do not "
                      f"give it; use one of {sorted(produced)} or '' (no best checkpoint)")
    return f"{best}[{self.suffix}]/ema", DIRECTION[best]

  def floor(self) -> dict[str, float]:
    """`floor/METRIC[NETWORK]`: the dataset's test split scored as the generator is (its
    metrics, eval.num_samples images) against the reference split: what real data gets.
    Cached as JSON beside the reference statistics; {} for 2D points, or when the test split
    is the reference or does not exist."""
    c = self.config
    if self.points or c.eval.reference_split == "test":
      return {}
    try:
      sources.open(c.data.name, "test", c.data.data_dir)
    except UserError:
      return {}
    path = self._cache_path()[:-len(".npz")] + (
        f"-floor-test-n{c.eval.num_samples}-{'_'.join(self.metrics)}-"
        f"kid{c.eval.kid_subsets}x{c.eval.kid_subset_size}.json")
    def compute():
      scored = self.evaluate_split("test")
      return {"floor/" + key.replace("/test", ""): value for key, value in scored.items()}
    return cached_json(path, compute)

  # -- a real split as the "generator" (FID of test vs train, for reference numbers) --------
  def evaluate_split(self, split: str) -> dict[str, float]:
    source, indices = self._real_images(split, self.config.eval.num_samples)

    def sample_batch(index, size):
      chosen = indices[index * self.config.eval.batch_size:][:size]
      batch = source.batch(chosen)
      labels = batch["label"].astype(np.int32) if "label" in batch else None
      return pipeline.to_unit_range(batch["image"]), labels

    return {**self.evaluate(sample_batch, split, len(indices)),
            **self.sample_counts(len(indices))}
