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

from jaxgan import builder
from jaxgan import checkpoint
from jaxgan import configs
from jaxgan import distributed
from jaxgan import health
from jaxgan import images
from jaxgan import memory
from jaxgan import parallel
from jaxgan import workdir as workdir_lib
from jaxgan import writers
from jaxgan.data import pipeline
from jaxgan.data import staging
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


def make_iterators(exp) -> dict:
  """{stream name: iterator} for the streams the experiment consumes."""
  return {name: pipeline.make_iterator(stream, exp.config.seed, jax.process_index(),
                                       jax.process_count())
          for name, stream in exp.streams().items()}


def next_batch(iterators: dict) -> dict:
  """{stream: {feature: local batch}}: one step's data."""
  return {name: next(iterator) for name, iterator in iterators.items()}


def data_state(iterators: dict) -> dict:
  """What is saved beside the train state: each stream's iterator position."""
  return {name: iterator.get_state() for name, iterator in iterators.items()}


def set_data_state(iterators: dict, saved: dict, directory: str) -> None:
  if sorted(saved) != sorted(iterators):
    raise UserError(f"the checkpoint in {directory} holds the data position of streams "
                    f"{sorted(saved)}, this config reads {sorted(iterators)} (a run from before "
                    f"kinds had streams, or another kind); use a new --workdir")
  for name, iterator in iterators.items():
    check_data_record(saved[name], iterator, directory)
    iterator.set_state(saved[name])


# What fixes a stream's order, as its iterator records it -> the config field that sets it.
DATA_RECORD_FIELDS = {"seed": "seed", "global_batch_size": "batch_size", "dataset": "data.name"}


def check_data_record(saved: dict, iterator, directory: str) -> None:
  """The checkpoint's own record of its data order (seed, global batch, dataset) must match
  this config's, config.json or not: another order would silently be another run."""
  mine, offset = iterator.get_state(), int(iterator.stream.seed_offset)
  for key, field in DATA_RECORD_FIELDS.items():
    if key not in saved or saved[key] == mine[key]:
      continue
    if key == "seed":   # The record holds config.seed + the stream's offset.
      now, then = f"config.seed={mine[key] - offset}", f"seed {saved[key] - offset}"
    elif key == "global_batch_size":
      now = f"config.batch_size gives a global batch of {mine[key]} examples per step"
      then = f"{saved[key]}"
    else:
      now, then = f"config.data.name={mine[key]!r}", f"dataset {saved[key]!r}"
    raise UserError(f"{now} but the checkpoints in {directory} were trained with {then}, as "
                    f"their data record says; changing it on resume would corrupt the run: "
                    f"set config.{field} back or use a new --workdir")


def sample_path(workdir: str, tag: str, step: int) -> str:
  """Where a picture of `Kind.visuals` goes: "samples" -> samples/grid_STEP.png,
  "member_1/samples" -> samples/member_1/grid_STEP.png, "strip" -> samples/strip_STEP.png."""
  folder, name = os.path.split(tag)
  name = "grid" if name == "samples" else name
  return os.path.join(workdir, "samples", folder, f"{name}_{step:08d}.png")


def write_config(config, workdir: str) -> None:
  with open(os.path.join(workdir, "config.json"), "w") as f:
    f.write(config.to_json_best_effort(indent=2, sort_keys=True))


def step_of(state) -> int:
  """The state's step; a sweep's state holds one per member, all equal (jaxgan/sweep.py)."""
  return int(np.max(jax.device_get(state.step)))


def train_and_evaluate(config, workdir: str, resume_step: int | None = None) -> dict:
  """Trains `config` in `workdir`, resuming from its latest checkpoint (or `resume_step`,
  setting later ones aside). Returns the last metrics."""
  configs.validate(config, jax.device_count(), jax.process_count())
  # One writer per workdir (jaxgan/workdir.py): process 0 holds the lock for the whole job.
  lock = workdir_lib.acquire_for_job(workdir, jax.process_index() == 0, distributed.any_process)
  try:
    return _train(config, workdir, resume_step)
  finally:
    if lock is not None:
      lock.release()


def _train(config, workdir: str, resume_step: int | None) -> dict:
  is_chief = jax.process_index() == 0
  exp = builder.build(config)
  mesh = parallel.make_mesh()
  checkpointer = checkpoint.Checkpointer(workdir, keep=config.keep_checkpoints)
  # Resume checks (jaxgan/workdir.py): partial saves cleaned, config changes refused, a run
  # already at num_steps says so.
  resume_from, finished = workdir_lib.prepare_resume(
      config, workdir, checkpointer, resume_step, exp.resume_may_change, is_chief,
      barrier=lambda: distributed.any_process(False))
  if finished is not None:
    logging.warning("%s", finished)
    checkpointer.close()
    return {}
  restored = checkpointer.restore(exp.abstract_state(mesh), step=resume_from)
  data = make_iterators(exp)
  if restored is None:
    state = exp.init_state(mesh)
    logging.info("Starting a new run in %s.", workdir)
  else:
    state, saved_data = restored
    state = jax.jit(exp.with_config_hyperparams,  # jit keeps the arrays global across hosts.
                    out_shardings=parallel.replicated(mesh))(state)
    set_data_state(data, saved_data, checkpointer.directory)
    logging.info("Resuming from step %d in %s.", step_of(state), workdir)
  if is_chief:
    write_config(config, workdir)
    exp.write_run_info(workdir)

  step_fn = exp.jit_step(mesh)
  batch_sharding = parallel.batch_sharding(mesh)
  writer = writers.MetricWriter(workdir, enabled=is_chief)
  # eval_every: the kind's metrics; workdir/best keeps the best checkpoint by eval.best_metric.
  best_checkpointer = None
  if config.eval_every:
    selection = exp.best_metric  # Builds what evaluates (GAN: the feature network): fail now.
    if selection is not None:
      best_checkpointer = checkpoint.Checkpointer(workdir, keep=1, subdir="best", best=selection)
  start = step_of(state)
  if is_chief:  # Rows a crash left past the step resumed from would appear twice.
    workdir_lib.drop_metrics_after(workdir, start)
  monitor = health.DivergenceMonitor()
  last_saved = checkpointer.latest_step()
  pending, last_metrics = [], {}
  progress = tqdm.tqdm(total=config.num_steps, initial=start, disable=not is_chief,
                       unit="step", dynamic_ncols=True)
  window_start, window_steps = time.perf_counter(), 0
  began = window_start

  def save(step: int) -> None:
    nonlocal last_saved
    if step != last_saved:
      checkpointer.save(step, state, data_state(data))
      last_saved = step

  try:
    with PreemptionGuard() as guard:
      for step in range(start + 1, config.num_steps + 1):
        batch = parallel.put_batch(next_batch(data), batch_sharding)
        if step == start + 1:   # Refuse a step that cannot fit before it runs.
          memory.check_step_fits(step_fn, state, batch, config.batch_size)
        state, metrics = step_fn(state, batch)
        if step == start + 1 and not progress.disable:   # It compiled: keep that out of the ETA.
          progress.start_t, progress.initial = progress._time(), step  # pylint: disable=protected-access
        checkpointer.poll()  # A background save that failed stops the run here (SaveError).
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
          for warning in monitor.observe(step, last_metrics) if is_chief else ():
            logging.warning("%s", warning)  # Diverging: jaxgan/health.py.
          progress.set_postfix({k: f"{last_metrics[k]:.3f}" for k in exp.progress_keys
                                if k in last_metrics})
          window_start, window_steps = time.perf_counter(), 0
        if step % config.sample_every == 0 or is_last:
          for tag, picture in exp.visuals(state).items():
            writer.image(step, tag, picture)
            if is_chief:
              images.save_png(picture, sample_path(workdir, tag, step))
        if step % config.checkpoint_every == 0 or is_last:
          save(step)
        if evaluating and not stop:  # A signal leaves no time to evaluate.
          results = exp.evaluate(state)
          if is_chief:
            write_evaluation(workdir, step, results)
          if best_checkpointer is not None:
            best_checkpointer.save(step, state, data_state(data), metrics=results)
        if stop:
          logging.warning("Stopped at step %d after a signal; re-run to resume.", step)
          break
    checkpointer.finish()
    if best_checkpointer is not None:
      best_checkpointer.finish()
    if is_chief:
      logging.info("%s", run_summary(workdir, start, step_of(state), config.num_steps,
                                     time.perf_counter() - began, last_saved))
  except checkpoint.SaveError:
    if is_chief:  # No row past the last good checkpoint stays as if it were kept.
      workdir_lib.drop_metrics_after(workdir, checkpointer.last_good_step or 0)
    raise
  finally:
    progress.close()
    writer.close()
    checkpointer.close()
    if best_checkpointer is not None:
      best_checkpointer.close()
  return last_metrics


def run_summary(workdir: str, start: int, step: int, num_steps: int, seconds: float,
                last_saved: int | None) -> str:
  """The line a person reads when training ends: how far, how long, where things are."""
  minutes, secs = divmod(int(seconds), 60)
  where = os.path.abspath(workdir)
  return (f"Trained steps {start + 1}-{step} of {num_steps} in {minutes}m{secs:02d}s; "
          f"checkpoint {last_saved} in {where}/checkpoints, samples in {where}/samples, "
          f"metrics in {where}/metrics.jsonl")


def evaluation_summary(step: int, results: dict, workdir: str) -> str:
  """One line per evaluation for a person; the JSON file holds everything."""
  numbers = [f"{k} {v:.4g}" for k, v in sorted(results.items())
             if k != "step" and isinstance(v, (int, float)) and not k.startswith("num_samples")]
  shown = ", ".join(numbers[:8]) + (f", ... ({len(numbers) - 8} more)" if len(numbers) > 8 else "")
  return f"evaluated step {step}: {shown} (all of it in {evaluation_path(workdir, step)})"


def restore_for_inference(config, workdir: str, explicit: tuple = ()):
  """(experiment, state) of `config.sample.checkpoint_step` (-1: latest) in `workdir`, with
  the run's data fields from its config.json (`explicit`: the dotted fields the command line
  set, refused where they differ). Refuses a workdir it cannot write results to, before any
  compute."""
  adopted = workdir_lib.adopt_run_data_fields(config, workdir, explicit)
  if adopted:
    logging.warning("Using the run's data fields from %s: %s.",
                    os.path.join(workdir, "config.json"), ", ".join(adopted))
  configs.validate(config, jax.device_count(), jax.process_count())
  if os.path.isdir(workdir):   # A missing one is refused below, with what to check.
    workdir_lib.require_writable(workdir)
  exp = builder.build(config)
  checkpointer = checkpoint.Checkpointer(workdir, keep=config.keep_checkpoints, create=False)
  step = None if config.sample.checkpoint_step < 0 else config.sample.checkpoint_step
  restored = checkpointer.restore(exp.abstract_state(parallel.make_mesh()), step=step)
  checkpointer.close()
  if restored is None:
    raise UserError(f"no checkpoint in {checkpointer.directory}; train first with --mode=train")
  return exp, restored[0]


def evaluate(config, workdir: str, explicit: tuple = ()) -> dict:
  """Evaluates a checkpoint; adds its numbers to eval_STEP.json (an earlier evaluation's other
  metrics are kept) and TensorBoard scalars under eval/."""
  exp, state = restore_for_inference(config, workdir, explicit)
  step = step_of(state)
  results = {"step": step, **exp.evaluate(state)}
  if jax.process_index() == 0:
    write_evaluation(workdir, step, results)
    logging.info("%s", evaluation_summary(step, results, workdir))
  return results


def evaluation_path(workdir: str, step: int) -> str:
  return os.path.join(workdir, f"eval_{step:08d}.json")


def write_evaluation(workdir: str, step: int, results: dict) -> None:
  """eval_STEP.json (numbers beside their sample counts) and TensorBoard scalars in eval/.
  Merged into what the file holds: a second evaluation with other metrics or another feature
  network adds its keys (named by metric and network) and keeps the first one's; the file is
  replaced whole, never half written."""
  path = evaluation_path(workdir, step)
  try:
    with open(path) as f:
      merged = json.load(f)
  except (OSError, ValueError):
    merged = {}
  merged.update({"step": step, **results})
  with open(path + ".tmp", "w") as f:
    json.dump(merged, f, indent=2, sort_keys=True)
  os.replace(path + ".tmp", path)
  writer = writers.MetricWriter(os.path.join(workdir, "eval"))
  # TensorBoard names allow no brackets: fid[lenet-mnist]/ema -> fid_lenet-mnist/ema.
  writer.scalars(step, {re.sub(r"\[([^\]]*)\]", r"_\1", k): v for k, v in results.items()
                        if k != "step"})
  writer.close()


def sample(config, workdir: str, explicit: tuple = ()) -> str:
  """Writes `config.sample.num_images` PNGs and a grid from a checkpoint into
  samples/step_STEP/; returns the folder. A folder from an earlier call is replaced whole
  (written aside, then swapped in), so no file of another call stays beside info.json."""
  exp, state = restore_for_inference(config, workdir, explicit)
  step = step_of(state)
  key = jax.random.fold_in(jax.random.PRNGKey(config.seed), step)
  out_dir = os.path.join(workdir, "samples", f"step_{step:08d}")
  os.makedirs(os.path.dirname(out_dir), exist_ok=True)
  with staging.writer(os.path.dirname(out_dir), os.path.basename(out_dir)) as folder:
    fresh = os.path.join(folder, "new")
    exp.write_samples(state, fresh, key)
    with open(os.path.join(fresh, "info.json"), "w") as f:
      json.dump({"step": step, "num_images": config.sample.num_images,
                 "ema": config.sample.use_ema}, f)
    staging.put_in_place(fresh, out_dir, folder)
  return out_dir
