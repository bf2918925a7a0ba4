"""One README result row, from scratch: train, evaluate, aggregate over seeds, write the row.

  python benchmarks/results/row.py --name=grid25_pac4 --config=experiments/mixture_2d.py \
      --seeds=3 -- --config.data.name=grid25 --config.model.pack=4

Trains `--config` with the given overrides in runs/results/NAME (a vmapped sweep of
`--seeds` seeds when > 1, or with `--sequential` one run per seed in NAME/seed_I, for conv
nets, whose vmapped sweeps are slower than sequential runs on a CPU, `--jobs` of them at a
time; an existing run dir resumes), evaluates the last checkpoint unless
training already wrote its eval_STEP.json, then writes benchmarks/results/NAME.json (every
metric's per-seed values, mean and std, the wall times, the command) and prints the row as
markdown. The first seed's last sample grid is copied to docs/results/NAME.png.
"""

import argparse
import concurrent.futures
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(args):
  start = time.perf_counter()
  subprocess.run([sys.executable, "-m", "jaxgan.main", *args], cwd=REPO, check=True)
  return time.perf_counter() - start


def _latest(pattern):
  files = sorted(glob.glob(pattern))
  return files[-1] if files else None


def aggregate(results: dict) -> dict:
  """{metric: {"values": per seed, "mean", "std"}} from eval json keys `member_i/metric`
  (a sweep) or `metric` (one run)."""
  per_metric = {}
  for key, value in results.items():
    match = re.match(r"member_(\d+)/(.*)", key)
    member, metric = (int(match.group(1)), match.group(2)) if match else (0, key)
    if metric == "step" or not isinstance(value, (int, float)):
      continue
    per_metric.setdefault(metric, {})[member] = float(value)
  out = {}
  for metric, by_member in sorted(per_metric.items()):
    values = [by_member[m] for m in sorted(by_member)]
    out[metric] = {"values": values, "mean": statistics.fmean(values),
                   "std": statistics.stdev(values) if len(values) > 1 else 0.0}
  return out


def write_picture(workdir: str, name: str, seeds: int, sequential: bool = False) -> None:
  """docs/results/NAME.png: the last sample grid of each seed, side by side."""
  if sequential:
    grids = [_latest(os.path.join(REPO, workdir, f"seed_{i}", "samples", "grid_*.png"))
             for i in range(seeds)]
  elif seeds > 1:
    grids = [_latest(os.path.join(REPO, workdir, "samples", f"member_{i}", "grid_*.png"))
             for i in range(seeds)]
  else:
    grids = [_latest(os.path.join(REPO, workdir, "samples", "grid_*.png"))]
  grids = [g for g in grids if g]
  if not grids:
    return
  os.makedirs(os.path.join(REPO, "docs", "results"), exist_ok=True)
  out = os.path.join(REPO, "docs", "results", f"{name}.png")
  if len(grids) == 1:
    shutil.copy(grids[0], out)
    return
  from PIL import Image  # pylint: disable=import-outside-toplevel  (only for several seeds)
  pictures = [Image.open(g).convert("RGB") for g in grids]
  width, height = pictures[0].size
  strip = Image.new("RGB", (width * len(pictures) + 4 * (len(pictures) - 1), height), "white")
  for index, picture in enumerate(pictures):
    strip.paste(picture, (index * (width + 4), 0))
  strip.save(out, optimize=True)


def _train_and_eval(workdir, overrides, args):
  """Trains one run dir (a run or a sweep), evaluates its last checkpoint when training did
  not; returns (train seconds, eval seconds, last step, that step's eval json)."""
  flags = [f"--config={args.config}", f"--workdir={workdir}", *overrides]
  train_s = _run(flags)
  checkpoints = sorted(int(d) for d in os.listdir(os.path.join(REPO, workdir, "checkpoints"))
                       if d.isdigit())
  eval_path = os.path.join(REPO, workdir, f"eval_{checkpoints[-1]:08d}.json")
  eval_s = 0.0
  if args.eval_overrides or not os.path.exists(eval_path):
    eval_s = _run([*flags, "--mode=eval", *args.eval_overrides])
  with open(eval_path) as f:
    return train_s, eval_s, checkpoints[-1], json.load(f)


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument("--name", required=True)
  parser.add_argument("--config", required=True)
  parser.add_argument("--seeds", type=int, default=1)
  parser.add_argument("--sequential", action="store_true",
                      help="train the seeds one after another instead of as a vmapped sweep")
  parser.add_argument("--jobs", type=int, default=1,
                      help="with --sequential: seeds trained at the same time, one process each")
  parser.add_argument("--eval_overrides", nargs="*", default=[],
                      help="extra flags for the --mode=eval call only")
  parser.add_argument("overrides", nargs="*")
  args = parser.parse_args()
  workdir = os.path.join("runs", "results", args.name)
  start = time.perf_counter()
  if args.sequential:
    def one_seed(seed):
      return _train_and_eval(os.path.join(workdir, f"seed_{seed}"),
                             [*args.overrides, f"--config.seed={seed}"], args)
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
      per_seed = list(pool.map(one_seed, range(args.seeds)))
    train_s = sum(t for t, _, _, _ in per_seed)
    eval_s = sum(e for _, e, _, _ in per_seed)
    step = per_seed[-1][2]
    results = {f"member_{seed}/{k}": v
               for seed, (_, _, _, seed_results) in enumerate(per_seed)
               for k, v in seed_results.items()}
  else:
    sweep = [f"--config.sweep.seeds={args.seeds}"] if args.seeds > 1 else []
    train_s, eval_s, step, results = _train_and_eval(workdir, [*args.overrides, *sweep], args)
  row = {"name": args.name, "seeds": args.seeds, "step": step,
         "train_wall_s": round(train_s, 1), "eval_wall_s": round(eval_s, 1),
         "wall_s": round(time.perf_counter() - start, 1), "jobs": args.jobs,
         "command": " ".join(["python", "benchmarks/results/row.py", f"--name={args.name}",
                              f"--config={args.config}", f"--seeds={args.seeds}",
                              *(["--sequential"] if args.sequential else []),
                              *([f"--jobs={args.jobs}"] if args.jobs > 1 else []), "--",
                              *args.overrides]),
         "metrics": aggregate(results)}
  os.makedirs(os.path.join(REPO, "benchmarks", "results"), exist_ok=True)
  with open(os.path.join(REPO, "benchmarks", "results", f"{args.name}.json"), "w") as f:
    json.dump(row, f, indent=2)
  write_picture(workdir, args.name, args.seeds, args.sequential)
  shown = ", ".join(f"{m} {v['mean']:.4g} ± {v['std']:.2g}" for m, v in row["metrics"].items()
                    if not m.startswith("num_samples") and "_std" not in m
                    and "/class_" not in m)
  print(f"| {args.name} | `{row['command']}` | {row['step']} | {args.seeds} | "
        f"{train_s / 60:.1f} min train + {eval_s / 60:.1f} min eval | {shown} |")


if __name__ == "__main__":
  main()
