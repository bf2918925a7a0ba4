"""Trains a video_gan config with the kind's own pure step, outside jaxgan's loop.

  nice -n 15 python benchmarks/video_gan_direct.py --config=experiments/mocogan_mmnist_small.py \
      --workdir=runs/mocogan_small_direct --minutes=60

Why it exists: issue 14's measured run had to start before the redesigned loop (issue 12)
landed. It uses exactly what the loop would (KIND.from_config, init, step, visuals, evaluate)
but its own data order (uniform indices with replacement from default_rng([seed, step])) and
its own checkpoint (flax msgpack of the state after every `--save_every` steps), so its runs
do not resume into `python -m jaxgan.main` workdirs. Stops after --minutes or num_steps.
"""

import os
import time

import flax.serialization
import jax
import numpy as np
from absl import app
from absl import flags
from ml_collections import config_flags

from jaxgan import images
from jaxgan.data import moving_mnist
from jaxgan.kinds import video_gan

config_flags.DEFINE_config_file("config", None, "A video_gan experiment file.")
flags.DEFINE_string("workdir", None, "Where state.msgpack, strips and log.txt go.")
flags.DEFINE_float("minutes", 60.0, "Wall-clock budget.")
flags.DEFINE_integer("save_every", 100, "Steps between state saves and strips.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  config, workdir = FLAGS.config, FLAGS.workdir
  os.makedirs(workdir, exist_ok=True)
  video_gan.KIND.validate_config(config)
  exp = video_gan.KIND.from_config(config)
  state = exp.init()
  path = os.path.join(workdir, "state.msgpack")
  if os.path.exists(path):
    with open(path, "rb") as f:
      state = flax.serialization.from_bytes(state, f.read())
  step_fn = jax.jit(exp.step, donate_argnums=0)
  source = moving_mnist.MovingMnistSource(config.data.name, config.data.split)
  start, log = time.time(), open(os.path.join(workdir, "log.txt"), "a")
  step = int(state.step)
  while step < config.num_steps and time.time() - start < FLAGS.minutes * 60:
    rng = np.random.default_rng([config.seed, step])
    frames = source.batch(rng.integers(0, len(source), exp.examples_per_step))["frames"]
    batch = {"train": {"frames": moving_mnist_unit(frames)}}
    state, metrics = step_fn(state, batch)
    step += 1
    if step % config.log_every == 0:
      values = {k: float(v) for k, v in jax.device_get(metrics).items()}
      line = (f"step {step} {time.time() - start:.0f}s " +
              " ".join(f"{k}={values[k]:.3f}" for k in sorted(values)))
      print(line, flush=True)
      log.write(line + "\n")
      log.flush()
    if step % FLAGS.save_every == 0:
      save(state, path, exp, workdir, step)
  save(state, path, exp, workdir, step)
  print(f"stopped at step {step} after {time.time() - start:.0f} s", flush=True)


def moving_mnist_unit(frames):
  return frames.astype(np.float32) * (2.0 / 255.0) - 1.0


def save(state, path, exp, workdir, step):
  with open(path + ".tmp", "wb") as f:
    f.write(flax.serialization.to_bytes(jax.device_get(state)))
  os.replace(path + ".tmp", path)
  images.save_png(exp.visuals(state)["samples"],
                  os.path.join(workdir, "samples", f"strip_{step:08d}.png"))


if __name__ == "__main__":
  flags.mark_flags_as_required(["config", "workdir"])
  app.run(main)
