"""score(A, B): the evaluator's metrics of any images A against any images B.

A plays the generator (its count is `num_samples/generated`), B the reference
(`num_samples/reference`); numbers are named by their network as the evaluator names them,
`fid[lenet-mnist]`. Images pass through the jitted feature network a batch at a time and only
features are kept. A dataset B's statistics share the evaluator's cache; when the data is a
dataset with test and train splits, its floor (test scored against train with the same
network and counts, cached) is returned beside the numbers as `floor/fid[...]`.
"""

import json
import os
import sys

import jax
import ml_collections
import numpy as np

from jaxgan import parallel
from jaxgan.data import sources
from jaxgan.errors import UserError
from jaxgan.metrics import evaluator
from jaxgan.metrics import features as features_lib
from jaxgan.metrics import network_choice
from jaxgan.metrics.inception_score import inception_score
from jaxgan.score import inputs

METRICS = ("fid", "kid", "is", "pr", "dc")
_NEEDS_FEATURES = {"kid", "pr", "dc"}
_NEIGHBOURS = {"pr": 3, "dc": 5}


class _Saved:
  """Saved statistics in the shape `evaluator.feature_metrics` reads an accumulator."""

  def __init__(self, stats: dict):
    self.moments = self
    self._stats = stats
    self.features = stats.get("features")

  def result(self):
    return self._stats["mu"], self._stats["sigma"]


def _count(item) -> int:
  return int(item.stats["count"]) if isinstance(item, inputs.Statistics) else item.count


def _dataset_of(item) -> str:
  return getattr(item, "dataset", "")


def _check(a, b, metrics, network, dim: int, kid_subset_size: int) -> None:
  """Every refusal that needs no features: shapes, the network's reach, the counts."""
  for name in metrics:
    if name not in METRICS:
      raise UserError(f"--metrics: {name!r} is not one of {list(METRICS)}")
  if "is" in metrics and (isinstance(a, inputs.Statistics) or not network.has_logits):
    raise UserError(f"--metrics=is needs A's images and a classifier; {network.name} has "
                    f"no logits" if not network.has_logits else
                    f"--metrics=is: A ({a.spec}) is statistics; IS needs its images")
  for item in (a, b):
    if isinstance(item, inputs.Statistics):
      saved = item.stats
      if "fingerprint" in saved and str(saved["fingerprint"]) != network.fingerprint:
        raise UserError(f"{item.spec}: statistics of {saved['fingerprint']}, not of "
                        f"{network.fingerprint}; score with the network that made them or "
                        f"save them again")
      if metrics & _NEEDS_FEATURES and "features" not in saved:
        raise UserError(f"{item.spec}: holds no features; only fid can use it")
  for side, item in (("A", a), ("B", b)):
    n = _count(item)
    if "fid" in metrics and n < dim:
      raise UserError(f"{side} ({item.spec}) has {n} images; fid[{network.name}] needs at least "
                      f"{dim} (its feature dimension) for a full-rank covariance")
    if "kid" in metrics and n < kid_subset_size:
      raise UserError(f"{side} ({item.spec}) has {n} images; kid needs at least "
                      f"--kid_subset_size={kid_subset_size} (or pass a smaller subset size)")
    for metric, k in _NEIGHBOURS.items():
      if metric in metrics and n <= k:
        raise UserError(f"{side} ({item.spec}) has {n} images; {metric} needs more than {k}")


def _accumulate(item, extractor, keep_features: bool, keep_logits: bool):
  accumulator = evaluator.Accumulator(keep_features=keep_features, keep_logits=keep_logits)
  for index, size in evaluator._batches(item.count, item.batch_size):  # pylint: disable=protected-access
    images, _ = item.batch(index, size)
    accumulator.add(extractor(images))
  return accumulator


def _cache_dir(cache_dir: str, data_dir: str) -> str:
  return cache_dir or os.path.join(sources.data_dir(data_dir), "jaxgan_reference_stats")


def _reference(b, network, extractor, cache_dir: str) -> dict:
  """B's statistics: saved, read from (or written to) the evaluator's cache for a dataset,
  or computed."""
  if isinstance(b, inputs.Statistics):
    return b.stats
  if b.split:  # A dataset split: the evaluator's cache entry, shared with --mode=eval.
    source = sources.open(b.dataset, b.split, b.data_dir)
    count = "all" if b.count >= len(source) else b.count
    path = os.path.join(_cache_dir(cache_dir, b.data_dir),
                        f"{b.dataset}-{b.split}-{network.fingerprint}-"
                        f"{'x'.join(map(str, b.shape))}-n{count}.npz")
    indices = evaluator.chosen_indices(len(source), b.count)
    return evaluator.cached_statistics(path, lambda: (source, indices), extractor,
                                       b.batch_size)
  return evaluator.statistics(_accumulate(b, extractor, True, False), b.count)


def _splits(dataset: str, data_dir: str) -> bool:
  """Whether the dataset has the test and train splits a floor needs."""
  try:
    return all(len(sources.open(dataset, split, data_dir)) > 0 for split in ("test", "train"))
  except (UserError, ValueError, KeyError):
    return False


def score(a: str, b: str, metrics=("fid",), feature_network: str = network_choice.AUTO,
          inception_weights: str = "", lenet_weights: str = "", random_seed: int = 0,
          num_a: int = 0, num_b: int = 0, image_size: str = "", channels: int = 0,
          batch_size: int = 500, kid_subsets: int = 100, kid_subset_size: int = 1000,
          use_ema: bool = True, save_stats: str = "", data_dir: str = "", cache_dir: str = "",
          floor: bool = True, note=print) -> dict:
  """The metrics of A against B (see the module docstring); a one-line UserError for any
  input it cannot score, raised before features are computed. `note` receives one-line
  notes (the network choice)."""
  metrics = set(metrics)
  opened = [inputs.open_input(spec, num, image_size, channels, data_dir, use_ema, batch_size)
            for spec, num in ((a, num_a), (b, num_b))]
  a_in, b_in = opened
  shapes = {tuple(int(v) for v in x.stats["image_shape"]) if isinstance(x, inputs.Statistics)
            else x.shape for x in opened
            if not isinstance(x, inputs.Statistics) or "image_shape" in x.stats}
  if len(shapes) > 1:
    raise UserError(f"A is {_shape_of(a_in)} and B is {_shape_of(b_in)}; images must share one "
                    f"shape: pass --image_size=HxW (and --channels) to resize folders")
  if not shapes:
    raise UserError("A and B are both statistics; one side must be images")
  shape = shapes.pop()
  saved_by = [str(x.stats["network"]) for x in opened
              if isinstance(x, inputs.Statistics) and "network" in x.stats]
  if feature_network == network_choice.AUTO and saved_by:
    name, why = saved_by[0], ""  # Saved statistics were made by one network: use it.
  else:
    name, why = network_choice.choose(feature_network, map(_dataset_of, opened),
                                      inception_weights)
  if why and note:
    note(why)
  eval_config = ml_collections.ConfigDict(dict(
      feature_network=name, inception_weights=inception_weights, lenet_weights=lenet_weights,
      random_seed=random_seed))
  network = features_lib.build(eval_config, shape)
  dim = jax.eval_shape(network.apply, network.variables,
                       jax.ShapeDtypeStruct((1, *shape), np.float32))["features"].shape[-1]
  _check(a_in, b_in, metrics, network, dim, kid_subset_size)

  extractor = evaluator.Extractor(network, parallel.make_mesh())
  reference = _reference(b_in, network, extractor, cache_dir)
  if isinstance(a_in, inputs.Statistics):
    generated = _Saved(a_in.stats)
  else:
    generated = _accumulate(a_in, extractor, bool(metrics & _NEEDS_FEATURES), "is" in metrics)
  results = evaluator.feature_metrics(reference, generated, metrics - {"is"}, kid_subsets,
                                      kid_subset_size)
  if "is" in metrics:
    value = inception_score(generated.logits, num_splits=min(10, a_in.count))
    results.update({"is": value["mean"], "is_std": value["std"]})
  named = {f"{key}[{network.name}]": float(value) for key, value in results.items()}
  named.update({"num_samples/generated": _count(a_in), "num_samples/reference": _count(b_in)})
  if save_stats:
    if isinstance(b_in, inputs.Statistics):
      raise UserError(f"--save_stats={save_stats}: B is statistics already")
    evaluator.save_statistics(save_stats, {**reference, "fingerprint": network.fingerprint,
                                           "network": network.name,
                                           "image_shape": np.asarray(shape)})
  if floor:
    named.update(_floor(a_in, b_in, sorted(metrics), name, eval_config, network, shape,
                        dict(kid_subsets=kid_subsets, kid_subset_size=kid_subset_size,
                             batch_size=batch_size, data_dir=data_dir, cache_dir=cache_dir,
                             inception_weights=inception_weights,
                             lenet_weights=lenet_weights, random_seed=random_seed)))
  return {"a": a, "b": b, **named}


def _shape_of(item) -> str:
  if isinstance(item, inputs.Statistics):
    return str(tuple(item.stats.get("image_shape", ())))
  return "x".join(map(str, item.shape))


def _floor(a_in, b_in, metrics, name, eval_config, network, shape, options) -> dict:
  """{"floor/METRIC[NET]": ...}: the dataset's test split scored against its train split,
  with A's and B's counts; {} when no dataset with both splits is named, or A and B are
  those splits already."""
  dataset = _dataset_of(b_in) or _dataset_of(a_in)
  data_dir = b_in.data_dir if _dataset_of(b_in) else getattr(a_in, "data_dir", "")
  if not dataset or not _splits(dataset, data_dir):
    return {}
  test, train = f"{dataset}:test", f"{dataset}:train"
  if (a_in.spec, getattr(b_in, "spec", "")) == (test, train):
    return {}
  num_test = min(_count(a_in), len(sources.open(dataset, "test", data_dir)))
  num_train = _count(b_in)
  key = (f"{dataset}-floor-{network.fingerprint}-{'x'.join(map(str, shape))}-"
         f"test{num_test}-train{num_train}-{'_'.join(metrics)}-kid{options['kid_subsets']}x"
         f"{options['kid_subset_size']}.json")
  path = os.path.join(_cache_dir(options["cache_dir"], data_dir), key)
  def compute():
    values = score(test, train, metrics, name, num_a=num_test, num_b=num_train, floor=False,
                   note=None, **{k: v for k, v in options.items() if k != "data_dir"},
                   data_dir=data_dir)
    return {f"floor/{k}": v for k, v in values.items() if k not in ("a", "b")}
  return evaluator.cached_json(path, compute)


def print_note(line: str) -> None:
  print(f"jaxgan: note: {line}", file=sys.stderr)
