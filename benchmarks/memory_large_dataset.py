"""Bounded memory on a dataset bigger than it: write a >= 4 GB array_record dataset of random
64x64x3 images with image_folder's writer, train on it, report peak resident memory.

    python benchmarks/memory_large_dataset.py --images 350000 --steps 200 \
        --data_dir /work/data/memory_bench

Phases, each in its own process so each peak is its own (ru_maxrss of a child):
  write   image_folder.write_dataset of --images random images (incompressible: ~12 KiB each
          on disk, 350,000 -> 4.3 GB); skipped if the dataset is already there.
  stream  the pipeline alone over --stream_batches batches of 256 (default: one whole epoch),
          i.e. every byte of the dataset read once.
  train   train.train_and_evaluate of an MLP GAN at 64x64x3 (experiments/mlp_gan_mnist.py's
          networks) for --steps steps, checkpoints included.
Prints one JSON line: sizes, seconds and the peak RSS of each phase. The dataset is deleted
at the end unless --keep.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
NAME = "memory_bench_64"
SHAPE = (64, 64, 3)


def _peak_rss_mb() -> float:
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: KiB.


def phase_write(data_dir: str, count: int) -> dict:
  import numpy as np  # pylint: disable=import-outside-toplevel  (each phase is its own process)
  import tensorflow_datasets as tfds  # pylint: disable=import-outside-toplevel
  from jaxgan.data import image_folder  # pylint: disable=import-outside-toplevel
  if os.path.exists(os.path.join(data_dir, NAME, image_folder.VERSION, "dataset_info.json")):
    return {"written": False}
  tfds.disable_progress_bar()

  def examples():
    for index in range(count):
      # Noise does not compress, so the bytes on disk are the bytes of the images.
      pixels = np.random.default_rng(index).integers(0, 256, SHAPE, dtype=np.uint8)
      yield {"image": pixels}

  path = image_folder.write_dataset(
      NAME, data_dir, {"image": image_folder.image_tensor(SHAPE)},
      {"train": examples}, overwrite=True)
  return {"written": True, "path": path}


def phase_stream(data_dir: str, batches: int) -> dict:
  from jaxgan.data import pipeline, spec  # pylint: disable=import-outside-toplevel
  stream = spec.Stream(NAME, "train", {"image": spec.Feature(SHAPE)}, 256, data_dir)
  iterator = pipeline.make_iterator(stream, seed=0)
  batches = batches or iterator.batches_per_epoch
  checksum = 0.0
  for _ in range(batches):
    checksum += float(next(iterator)["image"][:, 0, 0, 0].sum())
  return {"batches": batches, "examples": batches * 256, "checksum": checksum}


def phase_train(data_dir: str, steps: int, workdir: str) -> dict:
  from jaxgan import xla_flags  # pylint: disable=import-outside-toplevel
  xla_flags.set_defaults()
  from experiments import mlp_gan_mnist  # pylint: disable=import-outside-toplevel
  from jaxgan import train  # pylint: disable=import-outside-toplevel
  config = mlp_gan_mnist.get_config()
  config.data.name, config.data.data_dir = NAME, data_dir
  config.data.image_shape = SHAPE
  config.batch_size, config.num_steps = 64, steps
  config.log_every, config.checkpoint_every, config.sample_every = 50, 100, steps
  metrics = train.train_and_evaluate(config, workdir)
  return {"steps": steps, "d_loss": metrics.get("d_loss"),
          "steps_per_sec": metrics.get("steps_per_sec")}


def run_phase(args, phase: str) -> dict:
  """Runs one phase in a child process; returns its result with seconds and peak RSS."""
  start = time.time()
  done = subprocess.run([sys.executable, __file__, "--phase", phase, "--images", str(args.images),
                         "--steps", str(args.steps), "--stream_batches", str(args.stream_batches),
                         "--data_dir", args.data_dir, "--workdir", args.workdir],
                        cwd=REPO, capture_output=True, text=True, check=False)
  if done.returncode:
    raise SystemExit(f"phase {phase} failed:\n{done.stderr[-3000:]}")
  result = json.loads(done.stdout.strip().splitlines()[-1])
  result["seconds"] = round(time.time() - start, 1)
  return result


def main():
  p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
  p.add_argument("--images", type=int, default=350_000)
  p.add_argument("--steps", type=int, default=200)
  p.add_argument("--stream_batches", type=int, default=0, help="0: one whole epoch")
  p.add_argument("--data_dir", default="/tmp/jaxgan_memory_bench")
  p.add_argument("--workdir", default="/tmp/jaxgan_memory_bench_run")
  p.add_argument("--keep", action="store_true", help="keep the dataset afterwards")
  p.add_argument("--phase", default="", help=argparse.SUPPRESS)
  args = p.parse_args()
  if args.phase:
    result = {"write": lambda: phase_write(args.data_dir, args.images),
              "stream": lambda: phase_stream(args.data_dir, args.stream_batches),
              "train": lambda: phase_train(args.data_dir, args.steps, args.workdir)}[args.phase]()
    print(json.dumps({**result, "peak_rss_mb": round(_peak_rss_mb(), 1)}))
    return
  os.makedirs(args.data_dir, exist_ok=True)
  free_gb = shutil.disk_usage(args.data_dir).free / 1e9
  need_gb = args.images * 12_400 / 1e9 * 2.2   # The dataset, and its staging copy's slack.
  if free_gb < need_gb:
    raise SystemExit(f"{args.data_dir} has {free_gb:.1f} GB free; the dataset needs "
                     f"{need_gb:.1f} GB")
  shutil.rmtree(args.workdir, ignore_errors=True)
  from jaxgan import bench  # pylint: disable=import-outside-toplevel
  report = {"images": args.images, "shape": SHAPE, **bench.cpu_description()}
  try:
    report["write"] = run_phase(args, "write")
    folder = os.path.join(args.data_dir, NAME)
    report["dataset_bytes"] = sum(os.path.getsize(os.path.join(d, f))
                                  for d, _, files in os.walk(folder) for f in files)
    report["stream"] = run_phase(args, "stream")
    report["train"] = run_phase(args, "train")
  finally:
    if not args.keep:
      shutil.rmtree(os.path.join(args.data_dir, NAME), ignore_errors=True)
      shutil.rmtree(args.workdir, ignore_errors=True)
  print(json.dumps(report))


if __name__ == "__main__":
  main()
