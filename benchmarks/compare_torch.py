"""jaxgan vs PyTorch on the same DCGAN training step, side by side in one process.

    pip install -e '.[bench]'        # torch==2.13.0, the CPU build
    python benchmarks/compare_torch.py                       # both configs, batch 64
    python benchmarks/compare_torch.py --configs dcgan_mnist --pairs 7 --batch 64

For each config it compiles jaxgan's real step (experiments/<config>.py, as --mode=bench does)
and builds the same networks and step in PyTorch (benchmarks/torch_dcgan.py), warms both up,
then times them in alternating pairs (jaxgan, then PyTorch, `--steps` steps each) so that a
change in the machine's load hits both. Prints one JSON line per config with the median
steps/s of each and the median of the per-pair ratios jaxgan/PyTorch.
"""

import argparse
import json
import os
import statistics
import sys

import torch

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]  # torch_dcgan, and experiments/ of the repo.
import torch_dcgan  # pylint: disable=g-import-not-at-top,wrong-import-position

from jaxgan import xla_flags  # pylint: disable=g-import-not-at-top,wrong-import-position
from jaxgan import bench  # pylint: disable=g-import-not-at-top,wrong-import-position
from experiments import dcgan_cifar10  # pylint: disable=g-import-not-at-top,wrong-import-position
from experiments import dcgan_mnist  # pylint: disable=g-import-not-at-top,wrong-import-position

EXPERIMENTS = {"dcgan_mnist": dcgan_mnist, "dcgan_cifar10": dcgan_cifar10}


def compare(name: str, batch_size: int, pairs: int, steps: int, warmup: int,
            conv_impl: str) -> dict:
  config = EXPERIMENTS[name].get_config()
  config.batch_size = batch_size
  config.model.conv_impl = conv_impl
  jax_step = bench.CompiledStep(config)
  torch_step = torch_dcgan.make_torch_step(name, batch_size)

  def run_torch(num_steps):
    for _ in range(num_steps):
      torch_step()

  jax_step.run(warmup)
  run_torch(warmup)
  jax_rates, torch_rates = [], []
  for _ in range(pairs):
    jax_rates.append(bench.steps_per_second(jax_step.run, steps))
    torch_rates.append(bench.steps_per_second(run_torch, steps))
  ratios = [j / t for j, t in zip(jax_rates, torch_rates)]
  jax_rate = statistics.median(jax_rates)
  flops = jax_step.flops
  return {
      "config": name, "batch_size": batch_size, "conv_impl": conv_impl, "pairs": pairs,
      "steps_per_timing": steps,
      "jaxgan_steps_per_sec": round(jax_rate, 3),
      "torch_steps_per_sec": round(statistics.median(torch_rates), 3),
      "ratio_median": round(statistics.median(ratios), 3),
      "ratios": [round(r, 3) for r in ratios],
      "jaxgan_gflops_per_sec": round(flops * jax_rate / 1e9, 2) if flops else None,
      "jaxgan_compile_seconds": round(jax_step.compile_seconds, 2),
      "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
      **bench.cpu_description(),
  }


def main(argv=None):
  p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
  p.add_argument("--configs", nargs="+", default=sorted(EXPERIMENTS), choices=sorted(EXPERIMENTS))
  p.add_argument("--batch", type=int, default=64)
  p.add_argument("--pairs", type=int, default=5, help="alternating (jaxgan, PyTorch) timings")
  p.add_argument("--steps", type=int, default=10, help="steps per timing")
  p.add_argument("--warmup", type=int, default=5)
  p.add_argument("--conv_impl", default="auto", choices=("auto", "xla", "fast"))
  p.add_argument("--threads", type=int, default=os.cpu_count(), help="PyTorch's threads")
  args = p.parse_args(argv)
  torch.set_num_threads(args.threads)
  xla_flags.set_defaults()  # As python -m jaxgan.main does.
  for name in args.configs:
    print(json.dumps(compare(name, args.batch, args.pairs, args.steps, args.warmup,
                             args.conv_impl)), flush=True)


if __name__ == "__main__":
  main()
