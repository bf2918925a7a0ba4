"""A/B of one training step under two values of a module-level setting, in one process.

    python benchmarks/ab_step.py --config dcgan_cifar10 \
        --set jaxgan.ops.conv._SPLIT_PHASES_WASTE --a 'float("inf")' --b 1.2 --pairs 5 --steps 4

The setting is read when the step is traced, so each value gets its own compiled step. The
two steps are then timed in alternating pairs (A, then B, `--steps` steps each), so that a
change in the machine's load hits both; prints the median steps/s of each and the median of
the per-pair ratios B/A as one JSON line. This machine's speed drifts by +-10% between
runs, which is why a change is judged this way rather than by two separate runs.
"""

import argparse
import ast
import importlib
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # experiments/
from jaxgan import xla_flags  # pylint: disable=g-import-not-at-top,wrong-import-position

xla_flags.set_defaults()  # As python -m jaxgan.main does.

import jax  # pylint: disable=g-import-not-at-top,wrong-import-position

from jaxgan import bench  # pylint: disable=g-import-not-at-top,wrong-import-position


def _value(text: str):
  # Literals, plus float("inf") for thresholds that switch a path off.
  return float(text[7:-2]) if text.startswith("float(") else ast.literal_eval(text)


def main(argv=None):
  p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
  p.add_argument("--config", default="dcgan_cifar10", help="a module of experiments/")
  p.add_argument("--set", required=True, help="MODULE.ATTRIBUTE, e.g. jaxgan.ops.conv._X")
  p.add_argument("--a", required=True, help="value A (a Python literal or float(\"inf\"))")
  p.add_argument("--b", required=True, help="value B")
  p.add_argument("--batch", type=int, default=64)
  p.add_argument("--pairs", type=int, default=5)
  p.add_argument("--steps", type=int, default=10, help="steps per timing")
  args = p.parse_args(argv)
  module_name, _, attribute = args.set.rpartition(".")
  module = importlib.import_module(module_name)
  if not hasattr(module, attribute):
    p.error(f"{module_name} has no attribute {attribute!r}")
  experiment = importlib.import_module(f"experiments.{args.config}")

  def compiled(value):
    setattr(module, attribute, value)
    jax.clear_caches()  # A jitted function traced under the other value must not be reused.
    config = experiment.get_config()
    config.batch_size = args.batch
    step = bench.CompiledStep(config)
    step.run(2)
    return step

  step_a, step_b = compiled(_value(args.a)), compiled(_value(args.b))
  rates_a, rates_b = [], []
  for _ in range(args.pairs):
    rates_a.append(bench.steps_per_second(step_a.run, args.steps))
    rates_b.append(bench.steps_per_second(step_b.run, args.steps))
  ratios = [b / a for a, b in zip(rates_a, rates_b)]
  print(json.dumps({
      "config": args.config, "setting": args.set, "a": args.a, "b": args.b,
      "a_steps_per_sec": round(statistics.median(rates_a), 3),
      "b_steps_per_sec": round(statistics.median(rates_b), 3),
      "ratio_b_over_a": round(statistics.median(ratios), 3),
      "ratios": [round(r, 3) for r in ratios], **bench.cpu_description(),
  }))


if __name__ == "__main__":
  main()
