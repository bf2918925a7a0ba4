"""A deterministic, resumable batch iterator over in-memory arrays.

The order is a function of (seed, epoch) alone, and the iterator's whole state is the number
of global batches it has produced, so saving that integer beside the train state makes
resume exact. Each process takes its own contiguous slice of every global batch.
"""

import numpy as np

from jaxgan.errors import UserError


def to_unit_range(images_uint8: np.ndarray) -> np.ndarray:
  """uint8 [0, 255] -> float32 [-1, 1], the range of a tanh generator; float data (2D points)
  is already in model units and passes through."""
  if np.issubdtype(images_uint8.dtype, np.floating):
    return images_uint8.astype(np.float32)
  return images_uint8.astype(np.float32) * (2.0 / 255.0) - 1.0


class BatchIterator:
  """Yields {"image": float32 [-1, 1], "label": int32} local batches, forever."""

  def __init__(self, arrays: dict[str, np.ndarray], global_batch_size: int, seed: int,
               process_index: int = 0, process_count: int = 1):
    self._arrays = arrays
    self._num_examples = len(arrays["image"])
    if global_batch_size > self._num_examples:
      raise ValueError(f"batch of {global_batch_size} exceeds the {self._num_examples} examples")
    self._global_batch_size = global_batch_size
    self._local_batch_size = global_batch_size // process_count
    self._local_offset = process_index * self._local_batch_size
    self._batches_per_epoch = self._num_examples // global_batch_size  # The remainder is dropped.
    self._seed = seed
    self._position = 0
    self._epoch_order = None, None

  def _order(self, epoch: int) -> np.ndarray:
    if self._epoch_order[0] != epoch:
      rng = np.random.default_rng([self._seed, epoch])
      self._epoch_order = epoch, rng.permutation(self._num_examples)
    return self._epoch_order[1]

  def __iter__(self):
    return self

  def __next__(self) -> dict[str, np.ndarray]:
    epoch, index = divmod(self._position, self._batches_per_epoch)
    start = index * self._global_batch_size + self._local_offset
    chosen = np.sort(self._order(epoch)[start:start + self._local_batch_size])
    self._position += 1
    batch = {"image": to_unit_range(self._arrays["image"][chosen])}
    if "label" in self._arrays:
      batch["label"] = self._arrays["label"][chosen]
    return batch

  def get_state(self) -> dict:
    return {"position": self._position, "seed": self._seed,
            "global_batch_size": self._global_batch_size}

  def set_state(self, state: dict) -> None:
    self._position = int(state["position"])


def make_iterator(stream, seed: int, process_index: int = 0, process_count: int = 1):
  """An iterator over `stream`'s local batches with get_state/set_state (see data/spec.py)."""
  from jaxgan.data import sources  # pylint: disable=import-outside-toplevel  (shim, replaced)
  arrays = sources.load_split(stream.dataset, stream.split, stream.data_dir)
  for name, feature in stream.features.items():
    if name not in arrays:
      raise UserError(f"config.data.name={stream.dataset!r} has no {name!r} feature (it has "
                      f"{sorted(arrays)}); pick a dataset with it or a config that needs none")
    if arrays[name].shape[1:] != tuple(feature.shape):
      raise UserError(f"config.data.name={stream.dataset!r}: its {name!r} is "
                      f"{arrays[name].shape[1:]}, the config asks for {tuple(feature.shape)} "
                      f"(config.data.image_shape); set it to match")
  arrays = {name: arrays[name] for name in stream.features}
  return BatchIterator(arrays, stream.examples_per_step, seed + stream.seed_offset,
                       process_index, process_count)
