"""Time to quality: the wall time jaxgan and PyTorch each need to train one GAN recipe to
fid[lenet-mnist] <= a target, on this machine, scored by the same jaxgan evaluator.

    pip install -e '.[bench]'        # torch==2.13.0, the CPU build
    python benchmarks/time_to_quality.py --config=experiments/dcgan_mnist.py \\
        --config.model.d_batch_norm=False --config.loss.name=relativistic_pairing \\
        --config.penalty.name=r1_r2 --config.penalty.weight=1.0 --minutes=20 --every_minutes=2

The recipe is a jaxgan experiment file plus `--config.*` overrides. It trains twice, one
framework after the other in its own process (never at once): jaxgan's own step and data
pipeline (`Kind.init_state`, `jit_step`, `train.make_iterators`: the loop's pieces,
without its logs and checkpoints), and the same recipe in PyTorch (benchmarks/torch_recipe.py,
which reads the config). Each trains for `--minutes` of wall time (or the config's num_steps,
whichever ends first; the clock starts before the networks are built, so jaxgan's
compilation counts) and, every `--every_minutes`, stops its clock and saves `--num_samples`
samples of the raw and the EMA generator. Afterwards every saved set is scored with jaxgan's
evaluator (fid[lenet-mnist] against the config's reference split, the 60,000 training images;
scoring time is not training time).

Prints one JSON line per framework: the FID curve (training seconds, steps, raw and EMA FID),
the first training time at which either generator reaches fid <= `--target` (null if never),
and the CPU (`cpu_model`, `vector_isa`). Writes both to
benchmarks/results/time_to_quality_<name>.json.
"""

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from absl import app
from absl import flags
from absl import logging
from ml_collections import config_flags
import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]  # torch_recipe, and jaxgan from this checkout.

FRAMEWORKS = ("jaxgan", "torch")

_CONFIG = config_flags.DEFINE_config_file("config", None, "A GAN experiment file (with "
                                          "--config.* overrides).", lock_config=True)
_MINUTES = flags.DEFINE_float("minutes", 20.0, "Training wall time per framework.")
_EVERY = flags.DEFINE_float("every_minutes", 2.0, "Training minutes between sample sets.")
_TARGET = flags.DEFINE_float("target", 10.0, "The FID the time is measured to.")
_NUM_SAMPLES = flags.DEFINE_integer("num_samples", 10_000, "Samples per set (raw and EMA).")
_FRAMEWORKS = flags.DEFINE_list("frameworks", list(FRAMEWORKS), "Which to train, in order.")
_NAME = flags.DEFINE_string("name", "", "Result name; '': the config file's name.")
_OUT_DIR = flags.DEFINE_string("out_dir", os.path.join(_HERE, "results"), "Where the JSON goes.")
_SAMPLES_DIR = flags.DEFINE_string("samples_dir", "", "Where sample sets go while scoring; "
                                   "'': a temporary folder, deleted afterwards.")
_THREADS = flags.DEFINE_integer("threads", 0, "PyTorch's threads; 0: the machine's cores.")
_TORCH_INIT = flags.DEFINE_enum("torch_init", "jaxgan", ["jaxgan", "torch"],
                                "PyTorch's initialisation: jaxgan's (flax's) or its own.")
_TRAIN_ONLY = flags.DEFINE_enum("train_only", "", ["", *FRAMEWORKS],
                                "Internal: train this framework into --samples_dir and exit.")


class TrainingClock:
  """Wall seconds of training: runs from construction, paused while samples are saved."""

  def __init__(self):
    self._start, self._paused = time.perf_counter(), 0.0

  def seconds(self) -> float:
    return time.perf_counter() - self._start - self._paused

  def pause(self):
    clock = self

    class _Paused:
      def __enter__(self):
        self.began = time.perf_counter()

      def __exit__(self, *exc):
        clock._paused += time.perf_counter() - self.began
    return _Paused()


def mark_times(minutes: float, every_minutes: float) -> list[float]:
  """The training seconds at which samples are saved: every `every_minutes`, and the end."""
  marks, t = [], every_minutes
  while t < minutes - 1e-9:
    marks.append(t * 60.0)
    t += every_minutes
  return marks + [minutes * 60.0]


def train_loop(step, sample, num_steps: int, marks: list[float], clock: TrainingClock,
               sync=lambda: None) -> list[dict]:
  """Runs `step()` until the last mark or `num_steps`; at each mark passed, `sync()` (wait
  for queued work), record the training time, and `sample(index)` with the clock paused. A
  mark passed with no step since the last one (a slow start) saves nothing new."""
  saved, steps = [], 0
  for mark in marks:
    while steps < num_steps and clock.seconds() < mark:
      step()
      steps += 1
    if saved and saved[-1]["steps"] == steps:
      continue
    sync()
    saved.append({"seconds": round(clock.seconds(), 2), "steps": steps})
    with clock.pause():
      sample(len(saved) - 1)
    if steps >= num_steps:
      break
  return saved


def save_set(folder: str, index: int, raw: np.ndarray, ema: np.ndarray) -> str:
  path = os.path.join(folder, f"samples_{index:03d}.npz")
  np.savez(path, raw=raw.astype(np.float16), ema=ema.astype(np.float16))
  return path


def train_jaxgan(config, folder: str, marks: list[float], num_samples: int) -> list[dict]:
  from jaxgan import xla_flags
  xla_flags.set_defaults()  # As jaxgan.main does, before JAX starts its backend.
  import jax
  from jaxgan import builder
  from jaxgan import configs
  from jaxgan import parallel
  from jaxgan import train
  configs.validate(config, jax.device_count())
  clock = TrainingClock()
  exp = builder.build(config)
  mesh = parallel.make_mesh()
  state = exp.init_state(mesh)
  data = train.make_iterators(exp)
  step_fn = exp.jit_step(mesh)
  sharding = parallel.batch_sharding(mesh)
  holder = {"state": state}

  def step():
    batch = parallel.put_batch(train.next_batch(data), sharding)
    holder["state"], _ = step_fn(holder["state"], batch)

  def sample(index):
    sets = []
    for use_ema in (False, True):
      sample_batch = exp.eval_sample_batch(holder["state"], use_ema)
      size = config.eval.batch_size
      sets.append(np.concatenate([np.asarray(sample_batch(i, min(size, num_samples - start))[0])
                                  for i, start in enumerate(range(0, num_samples, size))]))
    save_set(folder, index, *sets)

  return train_loop(step, sample, config.num_steps, marks, clock,
                    sync=lambda: jax.block_until_ready(holder["state"]))


def train_torch(config, folder: str, marks: list[float], num_samples: int, threads: int,
                init: str) -> list[dict]:
  import torch
  import torch_recipe
  from jaxgan.data import sources
  torch.set_num_threads(threads)
  torch_recipe.check_config(config)
  clock = TrainingClock()
  recipe = torch_recipe.TorchRecipe(config, init=init)
  images = sources.load_split(config.data.name, config.data.split, config.data.data_dir)["image"]
  rng = np.random.default_rng(config.seed)
  batch_size, order = config.batch_size, []

  def step():
    nonlocal order
    if len(order) < batch_size:  # A new epoch, shuffled; the remainder is dropped.
      order = list(rng.permutation(len(images)))
    chosen, order = np.sort(order[:batch_size]), order[batch_size:]
    real = torch.from_numpy(images[chosen]).permute(0, 3, 1, 2).float() * (2.0 / 255.0) - 1.0
    recipe.step(real)

  noise = torch.Generator().manual_seed(config.seed + 0xE7A1)
  z = torch.randn(num_samples, config.model.latent_dim, generator=noise)
  bn_samples = config.optim.ema_bn_samples
  bn_z = (torch.randn(bn_samples, config.model.latent_dim, generator=noise)
          if bn_samples else None)

  def sample(index):
    sets = []
    with torch.no_grad():
      for use_ema in (False, True):
        g = recipe.sampler(use_ema, bn_z)
        out = torch.cat([g(z[i:i + 500]) for i in range(0, num_samples, 500)])
        sets.append(out.permute(0, 2, 3, 1).numpy())
    save_set(folder, index, *sets)

  return train_loop(step, sample, config.num_steps, marks, clock)


def score(config, folder: str, saved: list[dict], target: float) -> dict:
  """Each saved set's FID (raw, EMA) by jaxgan's evaluator, and the first time either
  generator reached `target`."""
  from jaxgan.metrics import evaluator as evaluator_lib
  config = copy.deepcopy(config)
  with config.unlocked():
    config.eval.metrics = ("fid",)
  evaluator = evaluator_lib.Evaluator(config, tuple(config.data.image_shape))
  suffix, batch = evaluator.suffix, config.eval.batch_size
  curve, reached = [], None
  for index, point in enumerate(saved):
    with np.load(os.path.join(folder, f"samples_{index:03d}.npz")) as npz:
      sets = {tag: npz[tag].astype(np.float32) for tag in ("raw", "ema")}
    row = dict(point)
    for tag, samples in sets.items():
      if not np.all(np.isfinite(samples)):
        row[f"fid_{tag}"] = None  # A diverged generator: no score.
        continue
      fid = evaluator.evaluate(lambda i, size, s=samples: (s[i * batch:i * batch + size], None),
                               tag, len(samples))[f"fid[{suffix}]/{tag}"]
      row[f"fid_{tag}"] = round(fid, 3)
    curve.append(row)
    best = min((v for v in (row["fid_raw"], row["fid_ema"]) if v is not None), default=None)
    if reached is None and best is not None and best <= target:
      reached = {"seconds": row["seconds"], "steps": row["steps"],
                 "generator": "raw" if row["fid_raw"] == best else "ema"}
  return {"metric": f"fid[{suffix}]", "curve": curve, "reference": config.eval.reference_split,
          "num_reference": int(evaluator.reference()["count"]),
          "time_to_target_seconds": reached and reached["seconds"],
          "steps_to_target": reached and reached["steps"],
          "target_reached_by": reached and reached["generator"]}


def child_command(framework: str, folder: str) -> list[str]:
  """This command line again, training `framework` only into `folder`."""
  args = [a for a in sys.argv[1:] if not a.startswith(("--train_only", "--samples_dir"))]
  return [sys.executable, os.path.abspath(__file__), *args, f"--train_only={framework}",
          f"--samples_dir={folder}"]


def versions(framework: str) -> dict:
  if framework == "torch":
    import torch
    return {"torch": torch.__version__}
  import jax
  import flax
  return {"jax": jax.__version__, "flax": flax.__version__}


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  logging.set_verbosity(logging.WARNING)  # Keep the libraries' INFO lines off the console.
  config = _CONFIG.value
  marks = mark_times(_MINUTES.value, _EVERY.value)
  threads = _THREADS.value or os.cpu_count()
  if _TRAIN_ONLY.value:  # The child: one framework's training.
    if _TRAIN_ONLY.value == "jaxgan":
      saved = train_jaxgan(config, _SAMPLES_DIR.value, marks, _NUM_SAMPLES.value)
    else:
      saved = train_torch(config, _SAMPLES_DIR.value, marks, _NUM_SAMPLES.value, threads,
                          _TORCH_INIT.value)
    with open(os.path.join(_SAMPLES_DIR.value, "saved.json"), "w") as f:
      json.dump(saved, f)
    return

  for framework in _FRAMEWORKS.value:
    if framework not in FRAMEWORKS:
      raise app.UsageError(f"--frameworks: {framework!r} is not one of {FRAMEWORKS}")
  if _EVERY.value <= 0 or _MINUTES.value <= 0:
    raise app.UsageError("--minutes and --every_minutes must be > 0")
  if "torch" in _FRAMEWORKS.value:
    import torch_recipe
    try:  # A recipe PyTorch cannot mirror fails before training, in one line.
      torch_recipe.check_config(config)
    except ValueError as error:
      sys.exit(f"time_to_quality: error: {error}")
  from jaxgan import bench
  config_file = config_flags.get_config_filename(flags.FLAGS["config"])
  name = _NAME.value or os.path.splitext(os.path.basename(config_file))[0]
  root = _SAMPLES_DIR.value or tempfile.mkdtemp(prefix="time_to_quality_")
  results = []
  try:
    trained = {}
    for framework in _FRAMEWORKS.value:  # One after the other: never two trainings at once.
      folder = os.path.join(root, framework)
      os.makedirs(folder, exist_ok=True)
      subprocess.run(child_command(framework, folder), check=True)
      with open(os.path.join(folder, "saved.json")) as f:
        trained[framework] = (folder, json.load(f))
    for framework, (folder, saved) in trained.items():
      row = {"name": name, "framework": framework, **versions(framework),
             # jaxgan: XLA's own thread pool, which uses every core.
             **({"threads": threads, "torch_init": _TORCH_INIT.value}
                if framework == "torch" else {}),
             "minutes": _MINUTES.value, "every_minutes": _EVERY.value,
             "target_fid": _TARGET.value,
             "num_samples": _NUM_SAMPLES.value, **bench.cpu_description(),
             **score(config, folder, saved, _TARGET.value)}
      print(json.dumps(row), flush=True)
      results.append(row)
  finally:
    if not _SAMPLES_DIR.value:
      shutil.rmtree(root, ignore_errors=True)
  os.makedirs(_OUT_DIR.value, exist_ok=True)
  path = os.path.join(_OUT_DIR.value, f"time_to_quality_{name}.json")
  with open(path, "w") as f:
    json.dump({"command": " ".join(["python", "benchmarks/time_to_quality.py", *sys.argv[1:]]),
               "config": json.loads(config.to_json_best_effort()), "results": results}, f,
              indent=2)
  print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
  flags.mark_flags_as_required(["config"])
  app.run(main)
