"""The input pipeline: a stream's records -> shuffled, sharded, preprocessed local batches.

Built on grain's MapDataset. Global batch p of the run (p = 0, 1, ...) is a pure function of
(seed, p): epoch e = p // B, where B = floor(N / global_batch) (the remainder of each epoch is
dropped), holds positions [b*G, (b+1)*G) of epoch e's permutation of the N records (grain's
index shuffle, seeded per epoch, so every epoch has a different order). Process k of K reads
its contiguous part [k*G/K, (k+1)*G/K) of every global batch, so global batch p is the union
of the processes' local batches p. The iterator's state is p, so the checkpoint stores a few
integers and resume is exact whatever the prefetching.

Host-side preprocessing (from the stored dtype of each feature): uint8 -> float32 in [-1, 1];
other integers -> int32; floats -> float32. Records are read a local batch at a time
(`source.batch`; small datasets are first read into memory, see CACHE_MAX_BYTES),
READ_THREADS batches ahead in threads: grain returns them in order, so
threads change speed, not content.
"""

import sys

import grain
import numpy as np

from jaxgan.data import records
from jaxgan.data import sources
from jaxgan.data import spec
from jaxgan.errors import UserError

# Local batches read at once. On the 2-core test machine under load, 1, 2 and 4 threads read
# streamed MNIST batches of 64 in 4.4-6.6 ms each with no consistent winner; 2 keeps one
# batch in flight while another is decoded, and more help where files are slow to reach.
READ_THREADS = 2
PREFETCH_BATCHES = 4      # Local batches read ahead of the step; bounds the memory used.
# Datasets whose streamed features fit in this are read into memory once (MNIST: 47 MB), so
# a batch is a gather; bigger ones are read from their files batch by batch.
CACHE_MAX_BYTES = 256 << 20


def to_unit_range(images_uint8: np.ndarray) -> np.ndarray:
  """uint8 [0, 255] -> float32 [-1, 1], the range of a tanh generator; float data (2D points)
  is already in model units and passes through."""
  if np.issubdtype(images_uint8.dtype, np.floating):
    return images_uint8.astype(np.float32)
  return images_uint8.astype(np.float32) * (2.0 / 255.0) - 1.0


def preprocess(array: np.ndarray) -> np.ndarray:
  """A stored feature as the step sees it (see the module docstring)."""
  if array.dtype == np.uint8:
    return to_unit_range(array)
  if np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
    return array.astype(np.int32)
  return array.astype(np.float32)


def _shuffle_seed(seed: int) -> int:
  """A 32-bit seed mixed from `seed`: grain seeds epoch e with seed + e, so raw seeds s and
  s + 1 would share permutations one epoch apart."""
  return int(np.random.SeedSequence(int(seed) % 2**63).generate_state(1)[0])


def check_features(stream: spec.Stream, source) -> None:
  """One UserError line for a missing feature or a shape that differs from the declared one."""
  record = source[0]
  for name, feature in stream.features.items():
    if name not in record:
      raise UserError(f"{stream.dataset} (split {stream.split!r}) has no feature {name!r}: its "
                      f"features are {sorted(record)}"
                      + ("; set config.model.num_classes=0 for an unconditional model"
                         if name == "label" else ""))
    shape, want = tuple(np.shape(record[name])), tuple(feature.shape)
    if shape != want:
      if name == "image":
        raise UserError(f"config.data.image_shape={want!r} but {stream.dataset} images are "
                        f"{shape}; set it to match")
      raise UserError(f"feature {name!r} of {stream.dataset} has shape {shape}, but the "
                      f"model expects {want}; make the config's shape match the data")


class _LocalBatches:
  """Position p -> the record indices of this process's part of global batch p."""

  def __init__(self, num_records, global_batch, local_batch, local_offset, seed):
    self.num_records, self.global_batch, self.seed = num_records, global_batch, seed
    self.local_batch, self.local_offset = local_batch, local_offset
    self.batches_per_epoch = num_records // global_batch

  def __call__(self, position: int) -> np.ndarray:
    epoch, index = divmod(int(position), self.batches_per_epoch)
    start = index * self.global_batch + self.local_offset
    epoch_seed = (self.seed + epoch) % 2**32    # As grain's MapDataset.shuffle seeds epochs.
    chosen = [grain.experimental.index_shuffle(j, max_index=self.num_records - 1,
                                               seed=epoch_seed, rounds=4)
              for j in range(start, start + self.local_batch)]
    return np.sort(np.asarray(chosen, np.int64))  # Sorted: array_record reads them faster.


def check_range(stream: spec.Stream, name: str, values: np.ndarray) -> None:
  """One UserError line for a value outside [0, feature.below): a label the model has no class
  for would become an all-zero one-hot vector, without a word."""
  below = stream.features[name].below
  if below is None or not np.size(values):
    return
  low, high = int(np.min(values)), int(np.max(values))
  if low < 0 or high >= below:
    raise UserError(f"config.{stream.features[name].below_field}={below} but {stream.dataset} "
                    f"(split {stream.split!r}) has {name} {high if high >= below else low}; "
                    f"set --config.{stream.features[name].below_field}={max(high + 1, below)} "
                    f"(one class per {name} value 0..{high}), or choose another dataset")


class _Read:
  def __init__(self, stream: spec.Stream, source):
    self.stream, self.source, self.names = stream, source, tuple(stream.features)

  def __call__(self, indices: np.ndarray) -> dict[str, np.ndarray]:
    batch = self.source.batch(indices)
    for name in self.names:   # Where a whole split was not checked up front.
      check_range(self.stream, name, np.asarray(batch[name]))
    return {name: preprocess(np.asarray(batch[name])) for name in self.names}


class StreamIterator:
  """next() -> {feature: local batch}; get_state()/set_state() round-trip through JSON."""

  def __init__(self, stream: spec.Stream, source, seed: int, process_index: int = 0,
               process_count: int = 1, read_threads: int = READ_THREADS,
               prefetch: int = PREFETCH_BATCHES):
    global_batch = int(stream.examples_per_step)
    if global_batch % process_count:
      raise UserError(f"the global batch of {global_batch} examples does not split over "
                      f"{process_count} processes; make config.batch_size a multiple of it")
    if len(source) < global_batch:
      raise UserError(f"{stream.dataset} split {stream.split!r} has {len(source)} examples, "
                      f"fewer than one global batch ({global_batch}); lower "
                      f"config.batch_size or add data")
    check_features(stream, source)
    self.stream, self.seed, self.global_batch = stream, int(seed), global_batch
    local = global_batch // process_count
    self._indices = _LocalBatches(len(source), global_batch, local, process_index * local,
                                  _shuffle_seed(seed))
    dataset = (grain.MapDataset.range(sys.maxsize)
               .map(self._indices).map(_Read(stream, source)))
    options = grain.ReadOptions(num_threads=read_threads, prefetch_buffer_size=prefetch)
    self._dataset = dataset.to_iter_dataset(options)
    self._iterator = iter(self._dataset)

  @property
  def batches_per_epoch(self) -> int:
    return self._indices.batches_per_epoch

  def __iter__(self):
    return self

  def __next__(self) -> dict[str, np.ndarray]:
    return next(self._iterator)

  def get_state(self) -> dict:
    """JSON-able: the position (global batches produced) and what fixes the order."""
    return {"position": int(self._iterator.get_state()["next_index"]), "seed": self.seed,
            "global_batch_size": self.global_batch, "dataset": self.stream.dataset,
            "split": self.stream.split}

  def set_state(self, state: dict) -> None:
    self._iterator.set_state({"next_index": int(state["position"])})


def make_iterator(stream: spec.Stream, seed: int, process_index: int = 0,
                  process_count: int = 1, cache: bool | None = None) -> StreamIterator:
  """An iterator over `stream`'s local batches, ordered by seed + stream.seed_offset.

  `cache`: read the stream's features into memory once (sources.load_split) instead of from
  the files every batch; None (the default) caches when they take at most CACHE_MAX_BYTES.
  The batches are the same either way.
  """
  source = sources.open(stream.dataset, stream.split, stream.data_dir)
  check_features(stream, source)
  if cache is None:
    per_record = sum(np.asarray(v).nbytes for k, v in source[0].items() if k in stream.features)
    cache = len(source) * per_record <= CACHE_MAX_BYTES
  if cache and not isinstance(source, records.ArraySource):
    arrays = sources.load_split(stream.dataset, stream.split, stream.data_dir)
    source = records.ArraySource({k: arrays[k] for k in stream.features if k in arrays},
                                 stream.dataset)
  if isinstance(source, records.ArraySource):   # In memory: check every value now.
    for name, feature in stream.features.items():
      if feature.below is not None:
        check_range(stream, name, source.arrays[name])
  return StreamIterator(stream, source, seed + stream.seed_offset, process_index,
                        process_count)
