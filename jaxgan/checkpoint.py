"""Orbax checkpoints of the train state plus the data iterator's position."""

import os

import jax
import numpy as np
import orbax.checkpoint as ocp

from jaxgan.errors import UserError


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
  """Saves `{state, data}` every `checkpoint_every` steps, keeping the newest `keep`."""

  def __init__(self, workdir: str, keep: int = 3, subdir: str = "checkpoints",
               best: tuple[str, str] | None = None):
    """`best=(metric, "min" | "max")` keeps the `keep` best by the `metrics` given to save()
    instead of the newest (workdir/best during training with config.eval_every)."""
    self.directory = os.path.join(os.path.abspath(workdir), subdir)
    options = ocp.CheckpointManagerOptions(max_to_keep=keep, create=True)
    if best is not None:
      options = ocp.CheckpointManagerOptions(
          max_to_keep=keep, create=True, best_fn=lambda metrics: metrics[best[0]],
          best_mode=best[1], keep_checkpoints_without_metrics=False)
    self._manager = ocp.CheckpointManager(
        self.directory, options=options,
        item_handlers={"state": ocp.StandardCheckpointHandler(),
                       "data": ocp.JsonCheckpointHandler()})

  def latest_step(self) -> int | None:
    return self._manager.latest_step()

  def save(self, step: int, state, data_state: dict, metrics: dict | None = None) -> None:
    self._manager.save(step, args=ocp.args.Composite(
        state=ocp.args.StandardSave(state), data=ocp.args.JsonSave(data_state)), force=True,
        metrics=metrics)

  def restore(self, abstract_state, step: int | None = None):
    """Returns (state, data_state) of `step` (default: latest), or None if there is none."""
    step = self.latest_step() if step is None else step
    if step is None:
      return None
    if step not in self._manager.all_steps():
      raise UserError(f"no checkpoint for step {step} in {self.directory}; "
                      f"available: {sorted(self._manager.all_steps())}")
    self._check_compatible(step, abstract_state)
    try:
      restored = self._manager.restore(step, args=ocp.args.Composite(
          state=ocp.args.StandardRestore(abstract_state), data=ocp.args.JsonRestore()))
    except Exception as error:  # Orbax reports truncated or corrupt files in many ways.
      raise UserError(f"checkpoint {step} in {self.directory} could not be read "
                      f"({type(error).__name__}); delete that step's folder to resume from "
                      f"an earlier one") from error
    return restored.state, restored.data

  def _check_compatible(self, step: int, abstract_state) -> None:
    try:
      metadata = self._manager.item_metadata(step)["state"]
    except Exception as error:
      raise UserError(f"checkpoint {step} in {self.directory} has unreadable metadata "
                      f"({type(error).__name__}); delete that step's folder") from error
    saved, expected = _shape_signature(metadata), _shape_signature(abstract_state)
    if saved != expected:
      differing = sorted(set(saved.items()) ^ set(expected.items()))[0]
      raise UserError(
          f"the checkpoint in {self.directory} was written by a different model or config "
          f"(first difference: {differing[0]} {differing[1]}); "
          f"use a new --workdir or the original config")

  def close(self) -> None:
    self._manager.wait_until_finished()
    self._manager.close()


def abstract_with_sharding(tree, sharding):
  """ShapeDtypeStructs of `tree` placed on `sharding`: the restore target."""
  return jax.tree.map(
      lambda x: jax.ShapeDtypeStruct(np.shape(x), x.dtype, sharding=sharding), tree)
