"""The host-side loop: data -> step -> log -> sample -> checkpoint, resumable and preemptible."""

import contextlib
import json
import os
import re
import signal
import time

import jax
import numpy as np
import tqdm
from absl import logging

from jaxgan import checkpoint
from jaxgan import configs
from jaxgan import distributed
from jaxgan import experiment as experiment_lib
from jaxgan import images
from jaxgan import parallel
from jaxgan import sweep
from jaxgan import writers
from jaxgan.data import pipeline
from jaxgan.data import spec
from jaxgan.errors import UserError


class PreemptionGuard(contextlib.AbstractContextManager):
  """Turns SIGTERM/SIGINT into a flag the loop polls, so it can checkpoint before exiting."""

  SIGNALS = (signal.SIGTERM, signal.SIGINT)

  def __init__(self):
    self.stop_requested = False
    self._previous = {}

  def _handle(self, signum, frame):
    del frame
    logging.warning("Received signal %d: checkpointing and stopping.", signum)
    self.stop_requested = True

  def __enter__(self):
    for sig in self.SIGNALS:
      with contextlib.suppress(ValueError):  # Not the main thread: leave signals alone.
        self._previous[sig] = signal.signal(sig, self._handle)
    return self

  def __exit__(self, *exc):
    for sig, handler in self._previous.items():
      signal.signal(sig, handler)
    return False


# With several processes, how often they agree on whether a signal asked any of them to stop.
STOP_CHECK_EVERY = 10


def agreed_stop(requested: bool, step: int) -> bool:
  """Whether to checkpoint and stop after `step`. One process stops at once; several agree
  (a tiny all-gather every STOP_CHECK_EVERY steps), so all save the same step and exit."""
  if jax.process_count() == 1:
    return requested
  return step % STOP_CHECK_EVERY == 0 and distributed.any_process(requested)


def first_non_finite(pending: list) -> tuple[int, str] | None:
  """(step, metric name) of the first NaN/Inf among fetched metrics, else None."""
  for step, metrics in pending:
    for name, value in metrics.items():
      if not np.all(np.isfinite(value)):
        return step, name
  return None


def load_training_data(config, examples_per_step: int):
  features = {"image": spec.Feature(tuple(config.data.image_shape))}
  if config.model.get("num_classes", 0):
    features["label"] = spec.Feature((), "int32")
  stream = spec.Stream(config.data.name, config.data.split, features, examples_per_step,
                       config.data.data_dir)
  return pipeline.make_iterator(stream, config.seed, jax.process_index(), jax.process_count())


def write_config(config, workdir: str) -> None:
  with open(os.path.join(workdir, "config.json"), "w") as f:
    f.write(config.to_json_best_effort(indent=2, sort_keys=True))


def step_of(state) -> int:
  """The state's step; a sweep's state holds one per member, all equal (jaxgan/sweep.py)."""
  return int(np.max(jax.device_get(state.step)))


def train_and_evaluate(config, workdir: str) -> dict:
  """Trains `config` in `workdir`, resuming from its latest checkpoint. Returns last metrics."""
  configs.validate(config, jax.device_count(), jax.process_count())
  is_chief = jax.process_index() == 0
  os.makedirs(workdir, exist_ok=True)
  exp = experiment_lib.build(config)
  mesh = parallel.make_mesh()
  checkpointer = checkpoint.Checkpointer(workdir, keep=config.keep_checkpoints)
  restored = checkpointer.restore(exp.abstract_state(mesh))
  data = load_training_data(config, exp.examples_per_step)
  if restored is None:
    state = exp.init_state(mesh)
    logging.info("Starting a new run in %s.", workdir)
  else:
    state, data_state = restored
    state = jax.jit(exp.with_config_hyperparams,  # jit keeps the arrays global across hosts.
                    out_shardings=parallel.replicated(mesh))(state)
    data.set_state(data_state)
    logging.info("Resuming from step %d in %s.", step_of(state), workdir)
  if is_chief:
    write_config(config, workdir)
    if isinstance(exp, sweep.SweepExperiment):
      sweep.write_members(exp, workdir)

  step_fn = exp.jit_step(mesh)
  batch_sharding = parallel.batch_sharding(mesh)
  writer = writers.MetricWriter(workdir, enabled=is_chief)
  # eval_every: the kind's metrics; workdir/best keeps the best checkpoint by eval.best_metric.
  best_checkpointer = None
  if config.eval_every and getattr(exp, "evaluator", None) is not None:
    selection = exp.evaluator.best_key  # Builds the feature network: bad eval fields fail now.
    if selection is not None:
      best_checkpointer = checkpoint.Checkpointer(workdir, keep=1, subdir="best", best=selection)
  start = step_of(state)
  last_saved = checkpointer.latest_step()
  pending, last_metrics = [], {}
  progress = tqdm.tqdm(total=config.num_steps, initial=start, disable=not is_chief,
                       unit="step", dynamic_ncols=True)
  window_start, window_steps = time.perf_counter(), 0

  def save(step: int) -> None:
    nonlocal last_saved
    if step != last_saved:
      checkpointer.save(step, state, data.get_state())
      last_saved = step

  try:
    with PreemptionGuard() as guard:
      for step in range(start + 1, config.num_steps + 1):
        batch = parallel.put_batch(next(data), batch_sharding)
        state, metrics = step_fn(state, batch)
        pending.append((step, metrics))
        progress.update(1)
        window_steps += 1
        stop = agreed_stop(guard.stop_requested, step)
        is_last = step == config.num_steps or stop
        evaluating = config.eval_every and (step % config.eval_every == 0 or is_last)
        if (step % config.log_every and step % config.checkpoint_every and not is_last
            and not evaluating):
          continue

        fetched = jax.device_get(pending)
        pending = []
        bad = first_non_finite(fetched)
        if bad is not None:
          kept = (f"checkpoint {last_saved} is intact" if last_saved is not None
                  else "no checkpoint was written")
          raise FloatingPointError(
              f"{bad[1]} became NaN/Inf at step {bad[0]}; {kept} in {checkpointer.directory}; "
              f"lower the learning rates (config.optim.*_lr) or add a penalty")
        last_metrics = {k: float(v) for k, v in fetched[-1][1].items()}
        if step % config.log_every == 0 or is_last:
          elapsed = time.perf_counter() - window_start
          last_metrics["steps_per_sec"] = window_steps / elapsed
          writer.scalars(step, last_metrics)
          progress.set_postfix({k: f"{last_metrics[k]:.3f}" for k in ("d_loss", "g_loss", "loss")
                               if k in last_metrics})
          window_start, window_steps = time.perf_counter(), 0
        if step % config.sample_every == 0 or is_last:
          generated = exp.sample_grid(state)
          # A sweep gives {"member_i/samples": images}: one grid (and folder) per member.
          if generated is not None and not isinstance(generated, dict):
            generated = {"samples": generated}
          for tag, generated_images in (generated or {}).items():
            grid = images.make_grid(generated_images, config.sample.grid_rows)
            writer.image(step, tag, grid)
            if is_chief:
              images.save_png(grid, os.path.join(workdir, "samples", os.path.dirname(tag),
                                                 f"grid_{step:08d}.png"))
        if step % config.checkpoint_every == 0 or is_last:
          save(step)
        if evaluating and not stop:  # A signal leaves no time to evaluate.
          results = exp.evaluate(state)
          if is_chief:
            write_evaluation(workdir, step, results)
          if best_checkpointer is not None:
            best_checkpointer.save(step, state, data.get_state(), metrics=results)
        if stop:
          logging.warning("Stopped at step %d after a signal; re-run to resume.", step)
          break
  finally:
    progress.close()
    writer.close()
    checkpointer.close()
    if best_checkpointer is not None:
      best_checkpointer.close()
  return last_metrics


def restore_for_inference(config, workdir: str):
  """(experiment, state) of `config.sample.checkpoint_step` (-1: latest) in `workdir`."""
  configs.validate(config, jax.device_count(), jax.process_count())
  exp = experiment_lib.build(config)
  checkpointer = checkpoint.Checkpointer(workdir, keep=config.keep_checkpoints)
  step = None if config.sample.checkpoint_step < 0 else config.sample.checkpoint_step
  restored = checkpointer.restore(exp.abstract_state(parallel.make_mesh()), step=step)
  checkpointer.close()
  if restored is None:
    raise UserError(f"no checkpoint in {checkpointer.directory}; train first with --mode=train")
  return exp, restored[0]


def evaluate(config, workdir: str) -> dict:
  """Evaluates a checkpoint; writes eval_STEP.json and TensorBoard scalars under eval/."""
  exp, state = restore_for_inference(config, workdir)
  step = int(state.step)
  results = {"step": step, **exp.evaluate(state)}
  if jax.process_index() == 0:
    write_evaluation(workdir, step, results)
  return results


def write_evaluation(workdir: str, step: int, results: dict) -> None:
  """eval_STEP.json (numbers beside their sample counts) and TensorBoard scalars in eval/."""
  with open(os.path.join(workdir, f"eval_{step:08d}.json"), "w") as f:
    json.dump({"step": step, **results}, f, indent=2, sort_keys=True)
  writer = writers.MetricWriter(os.path.join(workdir, "eval"))
  # TensorBoard names allow no brackets: fid[lenet-mnist]/ema -> fid_lenet-mnist/ema.
  writer.scalars(step, {re.sub(r"\[([^\]]*)\]", r"_\1", k): v for k, v in results.items()
                        if k != "step"})
  writer.close()


def sample(config, workdir: str) -> str:
  """Writes `config.sample.num_images` PNGs and a grid from a checkpoint; returns the folder."""
  exp, state = restore_for_inference(config, workdir)
  if not hasattr(exp, "sample"):
    raise UserError(f"config.kind={config.kind!r} does not generate images; --mode=sample "
                    f"is for generative models")
  num, rows = config.sample.num_images, config.sample.grid_rows
  key = jax.random.fold_in(jax.random.PRNGKey(config.seed), int(state.step))
  generated = np.asarray(jax.device_get(exp.sample(state, num, key, config.sample.use_ema)))
  out_dir = os.path.join(workdir, "samples", f"step_{int(state.step):08d}")
  for index, image in enumerate(images.to_uint8(generated)):
    images.save_png(image, os.path.join(out_dir, f"{index:06d}.png"))
  images.save_png(images.make_grid(generated, rows), os.path.join(out_dir, "grid.png"))
  with open(os.path.join(out_dir, "info.json"), "w") as f:
    json.dump({"step": int(state.step), "num_images": num, "ema": config.sample.use_ema}, f)
  return out_dir
