"""The input pipeline's cost: the training step fed by the pipeline vs on a device-resident
random batch of the same shape, timed in alternating pairs in one process.

    python benchmarks/input_pipeline.py --config dcgan_mnist --pairs 7 --steps 20
    python benchmarks/input_pipeline.py --config dcgan_mnist --data streamed

`--data real` is what training does (MNIST is small, so it is read into memory once and a batch
is a gather); `--data streamed` reads every batch from the array_record files, as a dataset
bigger than pipeline.CACHE_MAX_BYTES is read. Prints one JSON line: the median steps/s of
each and the median of the per-pair ratios data/synthetic (1.0 = the pipeline costs nothing).
"""

import argparse
import importlib
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # experiments/
from jaxgan import xla_flags  # pylint: disable=g-import-not-at-top,wrong-import-position

xla_flags.set_defaults()  # As python -m jaxgan.main does.

from jaxgan import bench  # pylint: disable=g-import-not-at-top,wrong-import-position


def main(argv=None):
  p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
  p.add_argument("--config", default="dcgan_mnist", help="a module of experiments/")
  p.add_argument("--data", default="real", choices=["real", "streamed"])
  p.add_argument("--pairs", type=int, default=7)
  p.add_argument("--steps", type=int, default=20, help="steps per timed repeat")
  args = p.parse_args(argv)
  config = importlib.import_module(f"experiments.{args.config}").get_config()
  synthetic, fed = bench.CompiledStep(config), bench.CompiledStep(config, args.data)
  synthetic.run(5)
  fed.run(5)
  rates = {"synthetic": [], args.data: []}
  for _ in range(args.pairs):
    rates["synthetic"].append(bench.steps_per_second(synthetic.run, args.steps))
    rates[args.data].append(bench.steps_per_second(fed.run, args.steps))
  ratios = [b / a for a, b in zip(rates["synthetic"], rates[args.data])]
  print(json.dumps({
      "experiment": args.config, "batch_size": config.batch_size, "data": args.data,
      **bench.cpu_description(),
      "synthetic_steps_per_sec": round(statistics.median(rates["synthetic"]), 3),
      f"{args.data}_steps_per_sec": round(statistics.median(rates[args.data]), 3),
      "median_ratio": round(statistics.median(ratios), 4),
      "ratios": [round(r, 4) for r in ratios]}))


if __name__ == "__main__":
  main()
