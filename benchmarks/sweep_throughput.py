"""K sweep members in one program vs K single runs one after another, same work, same step.

    python benchmarks/sweep_throughput.py                          # both configs, K=8
    python benchmarks/sweep_throughput.py --configs mlp_gan_mnist --steps 5 --pairs 3

For each config (at its default batch) it compiles two real training steps (bench.CompiledStep,
as --mode=bench does): the sweep's, `--config.sweep.seeds=K` (K members in one program,
vmapped or unrolled as `--members_as` says), and the single run's. A repeat times `steps` sweep steps, then the K * `steps` single-run steps
that K sequential runs would take for the same work, alternating so that a change in the
machine's load hits both (warm-up and compilation excluded). Prints one JSON line per config:
member-images/s of each (K * batch per sweep step) and the median per-pair ratio sweep/single.
"""

import argparse
import json
import os
import platform
import statistics
import sys

import jax

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(_HERE))  # experiments/ of the repo.

from jaxgan import xla_flags  # pylint: disable=g-import-not-at-top,wrong-import-position
from jaxgan import bench  # pylint: disable=g-import-not-at-top,wrong-import-position
from jaxgan import sweep  # pylint: disable=g-import-not-at-top,wrong-import-position
from experiments import dcgan_mnist  # pylint: disable=g-import-not-at-top,wrong-import-position
from experiments import mlp_gan_mnist  # pylint: disable=g-import-not-at-top,wrong-import-position

EXPERIMENTS = {"mlp_gan_mnist": mlp_gan_mnist, "dcgan_mnist": dcgan_mnist}


def compare(name: str, members: int, steps: int, pairs: int, warmup: int,
            batch_size: int | None = None, members_as: str = "auto") -> dict:
  single_config = EXPERIMENTS[name].get_config()
  sweep_config = EXPERIMENTS[name].get_config()
  if batch_size:
    single_config.batch_size = sweep_config.batch_size = batch_size
  sweep_config.sweep.seeds = members
  sweep_config.sweep.members_as = members_as
  single = bench.CompiledStep(single_config)
  swept = bench.CompiledStep(sweep_config)
  images_per_step = bench.examples_per_step(single.experiment)  # Each member sees this many.

  single.run(warmup * members)
  swept.run(warmup)
  sweep_rates, single_rates = [], []
  for _ in range(pairs):
    sweep_rates.append(bench.steps_per_second(swept.run, steps) * members * images_per_step)
    single_rates.append(bench.steps_per_second(single.run, steps * members) * images_per_step)
  ratios = [s / q for s, q in zip(sweep_rates, single_rates)]
  return {
      "experiment": name, "members": members, "batch_size": single_config.batch_size,
      "steps_per_repeat": steps, "pairs": pairs,
      "members_as": sweep.members_as(sweep_config),
      "sweep_images_per_sec": round(statistics.median(sweep_rates), 1),
      "sequential_images_per_sec": round(statistics.median(single_rates), 1),
      "ratio_sweep_over_sequential": round(statistics.median(ratios), 3),
      "sweep_compile_seconds": round(swept.compile_seconds, 2),
      "single_compile_seconds": round(single.compile_seconds, 2),
      "backend": jax.default_backend(), "device_kind": jax.devices()[0].device_kind,
      "devices": jax.device_count(), "host_cpus": os.cpu_count(),
      "machine": platform.machine(),
  }


def main() -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--configs", nargs="+", default=list(EXPERIMENTS), choices=EXPERIMENTS)
  parser.add_argument("--members", type=int, default=8, help="K: sweep members (seeds).")
  parser.add_argument("--steps", type=int, default=10, help="Sweep steps per repeat.")
  parser.add_argument("--pairs", type=int, default=5, help="Alternating repeats; median.")
  parser.add_argument("--warmup", type=int, default=2, help="Untimed sweep steps first.")
  parser.add_argument("--members_as", default="auto", choices=sweep.MEMBERS_AS,
                      help="config.sweep.members_as of the sweep (auto: as jaxgan.main picks).")
  parser.add_argument("--member_loop", default=None, choices=("unroll", "map", "group"),
                      help="jaxgan.ops.member_conv.MEMBER_LOOP (default: as shipped).")
  parser.add_argument("--note", default="",
                      help="Recorded with the numbers, e.g. 'shared 2-core CPU'.")
  args = parser.parse_args()
  xla_flags.set_defaults()  # As python -m jaxgan.main does.
  from jaxgan.ops import member_conv  # pylint: disable=g-import-not-at-top,import-outside-toplevel
  if args.member_loop:
    member_conv.MEMBER_LOOP = args.member_loop
  for name in args.configs:
    result = compare(name, args.members, args.steps, args.pairs, args.warmup,
                     members_as=args.members_as)
    result["member_loop"] = member_conv.MEMBER_LOOP
    result.update(bench.cpu_description(), load_avg=round(os.getloadavg()[0], 1))
    if args.note:
      result["note"] = args.note
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
  main()
