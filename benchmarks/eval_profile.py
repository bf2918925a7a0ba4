"""Where `--mode=eval` spends its time: each phase timed apart, in one process.

    python benchmarks/eval_profile.py --config dcgan_mnist --workdir runs/dcgan_mnist

Runs what `--mode=eval` runs (restore the checkpoint, build the evaluator, the cached
reference, then per generator (raw, EMA): generate `eval.num_samples` images, extract their
features, the FID/KID/IS arithmetic), with a timer and a device sync around each phase.
The first batch of each jitted function includes its compilation, reported apart
(`*_first_batch_s`). Prints one JSON line. `--inception` instead times the FID-Inception
feature network alone on random weights of the right shapes (throughput only; the numbers
are not FIDs).
"""

import argparse
import importlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # experiments/
from jaxgan import xla_flags  # pylint: disable=g-import-not-at-top,wrong-import-position

xla_flags.set_defaults()  # As python -m jaxgan.main does.

_START = time.perf_counter()
import jax  # pylint: disable=g-import-not-at-top,wrong-import-position
import numpy as np  # pylint: disable=g-import-not-at-top,wrong-import-position

from jaxgan import bench  # pylint: disable=g-import-not-at-top,wrong-import-position
from jaxgan import parallel  # pylint: disable=g-import-not-at-top,wrong-import-position
from jaxgan.metrics import evaluator as evaluator_lib  # pylint: disable=g-import-not-at-top,wrong-import-position


class _Timer:
  """Accumulates seconds per phase name."""

  def __init__(self):
    self.seconds = {}

  def __call__(self, name, fn, *args, **kwargs):
    start = time.perf_counter()
    out = jax.block_until_ready(fn(*args, **kwargs))
    self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
    return out


def profile_eval(config, workdir: str) -> dict:
  from jaxgan import train  # pylint: disable=g-import-not-at-top,import-outside-toplevel
  t, wall = _Timer(), time.perf_counter()
  exp, state = t("restore", train.restore_for_inference, config, workdir)
  ev = t("build_evaluator", lambda: exp.evaluator)
  reference = t("reference", ev.reference)
  c, results = config, {}
  metrics = set(ev.metrics)
  for tag, use_ema in (("raw", False), ("ema", True)):
    sample_batch = exp.eval_sample_batch(state, use_ema)
    acc = evaluator_lib.Accumulator(keep_features=bool(metrics & evaluator_lib._KEEPS_FEATURES),  # pylint: disable=protected-access
                                    keep_logits=True)
    for index, size in evaluator_lib._batches(c.eval.num_samples, c.eval.batch_size):  # pylint: disable=protected-access
      first = "_first_batch" if index == 0 and tag == "raw" else ""
      images, labels = t(f"generate{first}", sample_batch, index, size)
      outputs = t(f"features{first}", ev.extractor, images)
      t("accumulate", acc.add, outputs, labels)
    if "fid" in metrics:
      mu, sigma = t("fid_moments", acc.moments.result)
      results[f"fid/{tag}"] = t("fid_math", evaluator_lib.frechet_distance, mu, sigma,
                                reference["mu"], reference["sigma"])
    if "kid" in metrics:
      results[f"kid/{tag}"] = t("kid_math", evaluator_lib.kid, reference["features"],
                                acc.features, num_subsets=c.eval.kid_subsets,
                                subset_size=c.eval.kid_subset_size)["mean"]
    if "is" in metrics:
      results[f"is/{tag}"] = t("is_math", evaluator_lib.inception_score, acc.logits,
                               num_splits=10)["mean"]
  total = time.perf_counter() - wall
  return {"phases_s": {k: round(v, 2) for k, v in t.seconds.items()},
          "in_process_total_s": round(total, 2), "results": results}


def profile_inception(batch: int, batches: int, size: int) -> dict:
  """Images/s of the FID-Inception features (random weights, right shapes) on `size`^2 RGB
  inputs, resized to 299 inside, batch sharded over the mesh as the Extractor does."""
  from jaxgan.metrics import features  # pylint: disable=g-import-not-at-top,import-outside-toplevel
  from jaxgan.metrics import inception  # pylint: disable=g-import-not-at-top,import-outside-toplevel
  network = features.random_inception_network()
  extractor = evaluator_lib.Extractor(network, parallel.make_mesh())
  images = jax.random.uniform(jax.random.PRNGKey(0), (batch, size, size, 3), minval=-1.0,
                              maxval=1.0)
  start = time.perf_counter()
  out = extractor(images)
  first = time.perf_counter() - start
  assert out["features"].shape == (batch, inception.FEATURE_DIM)
  start = time.perf_counter()
  for _ in range(batches):
    extractor(images)
  seconds = time.perf_counter() - start
  return {"inception_batch": batch, "input_size": size, "batches": batches,
          "first_batch_s_with_compile": round(first, 2),
          "images_per_sec": round(batch * batches / seconds, 2), "weights": "random"}


def main(argv=None):
  p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
  p.add_argument("--config", default="dcgan_mnist", help="a module of experiments/")
  p.add_argument("--workdir", help="a trained run of that config")
  p.add_argument("--set", nargs="*", default=[], help="config overrides, eval.batch_size=1000")
  p.add_argument("--inception", action="store_true", help="time the Inception features only")
  p.add_argument("--batch", type=int, default=50, help="--inception: images per batch")
  p.add_argument("--batches", type=int, default=4, help="--inception: timed batches")
  p.add_argument("--size", type=int, default=32, help="--inception: input side (resized)")
  p.add_argument("--note", default="", help="recorded with the numbers, e.g. the load")
  args = p.parse_args(argv)
  if args.inception:
    result = profile_inception(args.batch, args.batches, args.size)
  else:
    config = importlib.import_module(f"experiments.{args.config}").get_config()
    for item in args.set:
      path, _, text = item.partition("=")
      *parents, name = path.split(".")
      node = config
      for parent in parents:
        node = node[parent]
      node[name] = type(node[name])(text)
    result = {"config": args.config, "overrides": args.set, **profile_eval(config, args.workdir)}
  result.update(bench.cpu_description(), load_avg=os.getloadavg()[0],
                since_import_s=round(time.perf_counter() - _START, 2), note=args.note)
  print(json.dumps(result))


if __name__ == "__main__":
  main()
