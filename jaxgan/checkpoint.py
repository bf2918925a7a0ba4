"""Orbax checkpoints of the train state plus the data iterator's position.

Each finished step also gets a checksum file (jaxgan/checkpoint_files.py) that restore
verifies; a save that fails stops the run with one line (SaveError).
"""

import os
import shutil

from absl import logging
import jax
import numpy as np
import orbax.checkpoint as ocp

from jaxgan import checkpoint_files
from jaxgan.errors import UserError


class SaveError(UserError):
  """A checkpoint could not be written (disk full, permissions, quota): the run stops."""


def _key_name(key) -> str:
  for attribute in ("key", "name", "idx"):  # DictKey, GetAttrKey, SequenceKey.
    if hasattr(key, attribute):
      return str(getattr(key, attribute))
  return str(key)


def _shape_signature(tree) -> dict[str, tuple]:
  """{path: shape} of every array leaf, the thing two architectures differ in.

  Paths are spelt the same whether the tree is our dataclasses or orbax's saved metadata.
  """
  leaves = jax.tree_util.tree_flatten_with_path(tree)[0]
  return {"/".join(_key_name(k) for k in path): tuple(getattr(leaf, "shape", ()))
          for path, leaf in leaves}


class Checkpointer:
  """Saves `{state, data}` every `checkpoint_every` steps, keeping the newest `keep`.

  Orbax writes in a background thread; `poll()` (each step) and `finish()` surface a failed
  write as SaveError as soon as that thread ends, and write the checksum of a step that
  completed. A failed save never deletes a good step: orbax removes steps beyond `keep` only
  after the new one is complete.
  """

  def __init__(self, workdir: str, keep: int = 3, subdir: str = "checkpoints",
               best: tuple[str, str] | None = None, create: bool = True):
    """`best=(metric, "min" | "max")` keeps the `keep` best by the `metrics` given to save()
    instead of the newest (workdir/best during training with config.eval_every). `create=False`
    (sample, eval) reads only and needs the folder to exist."""
    self.directory = os.path.join(os.path.abspath(workdir), subdir)
    if not create and not os.path.isdir(self.directory):
      raise UserError(f"no checkpoints in {os.path.abspath(workdir)} ({self.directory} does "
                      f"not exist); check --workdir, or train first with --mode=train")
    options = ocp.CheckpointManagerOptions(max_to_keep=keep, create=create)
    if best is not None:
      options = ocp.CheckpointManagerOptions(
          max_to_keep=keep, create=create, best_fn=lambda metrics: metrics[best[0]],
          best_mode=best[1], keep_checkpoints_without_metrics=False)
    self._manager = ocp.CheckpointManager(
        self.directory, options=options,
        item_handlers={"state": ocp.StandardCheckpointHandler(),
                       "data": ocp.JsonCheckpointHandler()})
    self._is_primary = jax.process_index() == 0
    self._reader = not create   # sample, eval: the run may be training in the workdir now.
    self._pending = None       # The step whose background write has not been checked yet.
    self._failed = False
    self._state_bytes = 0
    self.last_good_step = self.latest_step()

  def latest_step(self) -> int | None:
    return self._manager.latest_step()

  def reload(self) -> None:
    """Re-reads the step folders (after some were moved: --resume_step)."""
    self._manager.reload()
    self.last_good_step = self.latest_step()

  def all_steps(self) -> list[int]:
    return sorted(self._manager.all_steps())

  def remove_partial_saves(self) -> list[str]:
    """Deletes folders of saves that never finished; call only while holding the workdir
    lock (jaxgan/workdir.py), as a save in progress looks the same."""
    return checkpoint_files.remove_partial_folders(self.directory) if self._is_primary else []

  def save(self, step: int, state, data_state: dict, metrics: dict | None = None) -> None:
    self.finish()  # One save at a time, each checked before the next starts.
    self._state_bytes = sum(getattr(x, "nbytes", 0) for x in jax.tree.leaves(state))
    try:
      self._manager.save(step, args=ocp.args.Composite(
          state=ocp.args.StandardSave(state), data=ocp.args.JsonSave(data_state)), force=True,
          metrics=metrics)
    except Exception as error:  # Whatever the storage raised: say it in one line and stop.
      self._fail(step, error)
    self._pending = step

  def poll(self) -> None:
    """Checks a background save that has ended (cheap: no waiting); raises SaveError."""
    if self._pending is not None and not self._manager.is_saving_in_progress():
      self.finish()

  def finish(self) -> None:
    """Waits for the pending save; raises SaveError if it failed, else writes its checksum."""
    if self._pending is None:
      return
    step, self._pending = self._pending, None
    try:
      self._manager.wait_until_finished()
      if self._is_primary:
        checkpoint_files.write_checksums(checkpoint_files.step_dir(self.directory, step))
    except Exception as error:
      self._fail(step, error)
    self.last_good_step = step

  def _fail(self, step: int, error: Exception):
    self._failed = True
    self._pending = None
    self.remove_partial_saves()
    kept = (f"checkpoint {self.last_good_step} is intact" if self.last_good_step is not None
            else "no checkpoint was kept")
    space = ""
    try:
      free = shutil.disk_usage(self.directory).free
      needed = (checkpoint_files.folder_bytes(checkpoint_files.step_dir(
          self.directory, self.last_good_step)) if self.last_good_step is not None
                else self._state_bytes)
      space = (f"; {checkpoint_files.human_bytes(free)} free there, a checkpoint needs about "
               f"{checkpoint_files.human_bytes(needed)}")
    except OSError:
      pass
    fix = ("free space (or give --workdir on a bigger disk)"
           if checkpoint_files.is_space_error(error) else "fix the cause")
    raise SaveError(
        f"saving checkpoint {step} to {self.directory} failed ({checkpoint_files.describe_error(error)})"
        f"{space}; training stopped, {kept}; {fix}, then re-run the same command to resume"
    ) from error

  def restore(self, abstract_state, step: int | None = None):
    """Returns (state, data_state) of `step` (default: latest), or None if there is none.
    The step's files are checked against their checksums first."""
    step = (self.latest_complete_step() if self._reader else self.latest_step()) \
        if step is None else step
    if step is None:
      return None
    if step not in self._manager.all_steps():
      raise UserError(f"no checkpoint for step {step} in {self.directory}; "
                      f"available: {sorted(self._manager.all_steps())}")
    self._verify(step)
    self._check_compatible(step, abstract_state)
    try:
      restored = self._manager.restore(step, args=ocp.args.Composite(
          state=ocp.args.StandardRestore(abstract_state), data=ocp.args.JsonRestore()))
    except Exception as error:  # Orbax reports truncated or corrupt files in many ways.
      raise UserError(f"checkpoint {step} in {self.directory} could not be read "
                      f"({checkpoint_files.describe_error(error)}); {self._fallback(step)}"
                      ) from error
    return restored.state, restored.data

  def latest_complete_step(self) -> int | None:
    """The newest step whose checksum file is written (its save completed), else the newest:
    what a reader takes while training may be writing the next step."""
    steps = self.all_steps()
    complete = [s for s in steps
                if checkpoint_files.has_checksums(checkpoint_files.step_dir(self.directory, s))]
    return max(complete) if complete else (max(steps) if steps else None)

  def _fallback(self, step: int) -> str:
    if self._reader:   # Never advise deleting: a live run may be writing or rotating it.
      others = [s for s in self.all_steps() if s != step]
      return (f"if a training runs in this workdir it may have rotated the step away: run the "
              f"command again"
              + (f", or read another step with --config.sample.checkpoint_step=N (available: "
                 f"{others})" if others else ""))
    earlier = [s for s in self._manager.all_steps() if s < step]
    folder = checkpoint_files.step_dir(self.directory, step)
    if not earlier:
      return f"no earlier checkpoint: delete {folder} to start over, or use a new --workdir"
    return (f"resume from checkpoint {max(earlier)} with --resume_step={max(earlier)} "
            f"(or delete {folder})")

  def _verify(self, step: int) -> None:
    folder = checkpoint_files.step_dir(self.directory, step)
    if not checkpoint_files.has_checksums(folder):
      logging.warning("Checkpoint %d in %s has no checksum file (the run stopped before it was "
                      "written, or an older jaxgan saved it): restoring it unverified.",
                      step, self.directory)
      return
    problem = checkpoint_files.verify_checksums(folder)
    if problem is not None:
      raise UserError(f"checkpoint {step} in {self.directory} is corrupt: {problem}; "
                      f"{self._fallback(step)}")

  def _check_compatible(self, step: int, abstract_state) -> None:
    try:
      metadata = self._manager.item_metadata(step)["state"]
    except Exception as error:
      raise UserError(f"checkpoint {step} in {self.directory} has unreadable metadata "
                      f"({checkpoint_files.describe_error(error)}); {self._fallback(step)}"
                      ) from error
    saved, expected = _shape_signature(metadata), _shape_signature(abstract_state)
    if saved != expected:
      differing = sorted(set(saved.items()) ^ set(expected.items()))[0]
      raise UserError(
          f"the checkpoint in {self.directory} was written by a different model or config "
          f"(first difference: {differing[0]} {differing[1]}); "
          f"use a new --workdir or the original config")

  def close(self) -> None:
    """Finishes the pending save (raising SaveError if it failed) and closes orbax."""
    try:
      if not self._failed:
        self.finish()
    finally:
      try:
        self._manager.close()
      except Exception:  # pylint: disable=broad-except
        if not self._failed:  # Already reported in one line; do not bury it under another.
          raise


def abstract_with_sharding(tree, sharding):
  """ShapeDtypeStructs of `tree` placed on `sharding`: the restore target."""
  return jax.tree.map(
      lambda x: jax.ShapeDtypeStruct(np.shape(x), x.dtype, sharding=sharding), tree)
