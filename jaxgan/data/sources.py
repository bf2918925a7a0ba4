"""Where records come from: every dataset is a random-access source of named features.

    sources.open(name, split, data_dir) -> source: len(source), source[i] -> {feature: array},
        source.batch(indices) -> {feature: array [n, ...]}   (data/records.py)

Four kinds of name, looked up in this order:

- GENERATED (ring8, grid25, stacked_mnist, the mnist_* image-to-image tasks): computed per
  index from (split, index), no files.
  Adding one is one file and one line: write `jaxgan/data/my_data.py` with a
  `records.Source` subclass (define `__len__` and `record(index)` or `batch(indices)`, a pure
  function of the split and the index) and a `source(split)` factory, then add
  `"my_data": my_data.source` to GENERATED below. A factory may instead return a dict of
  equal-length arrays (a small table); it is wrapped in `records.ArraySource`.
- SHIPPED (shipped_mnist): data inside the package, prepared once to array_record in the data
  dir by its TFDS builder, then read with `tfds.data_source`.
- Prepared datasets in the data dir: what `python -m jaxgan.data.image_folder` wrote (your own
  images), or any TFDS dataset prepared there as array_record.
- TFDS catalog names not prepared yet: an error that says how to prepare them.

The data dir is config.data.data_dir, else $JAXGAN_DATA_DIR, else DEFAULT_DATA_DIR.
`load_split` reads a whole split into memory, for small ones only (up to LOAD_SPLIT_MAX_BYTES
of features); anything bigger is streamed by the pipeline (data/pipeline.py).
"""

import functools
import glob
import os
import shutil

import numpy as np
import tensorflow_datasets as tfds

from jaxgan.data import mnist_tasks
from jaxgan.data import moving_mnist
from jaxgan.data import records
from jaxgan.data import shipped_mnist
from jaxgan.data import staging
from jaxgan.data import stacked_mnist
from jaxgan.data import synthetic
from jaxgan.errors import UserError

SHIPPED = {"shipped_mnist": shipped_mnist.ShippedMnist}
# name -> factory(split) -> records.Source (or a dict of arrays). Computed, never stored.
GENERATED = {
    "ring8": functools.partial(synthetic.source, "ring8"),
    "grid25": functools.partial(synthetic.source, "grid25"),
    "stacked_mnist": stacked_mnist.source,
    "mnist_inpaint_centre": mnist_tasks.SOURCES["mnist_inpaint_centre"],
    "mnist_inpaint_boxes": mnist_tasks.SOURCES["mnist_inpaint_boxes"],
    "mnist_inpaint_strokes": mnist_tasks.SOURCES["mnist_inpaint_strokes"],
    "mnist_edges2digit": mnist_tasks.SOURCES["mnist_edges2digit"],
    "mnist_grey3": mnist_tasks.SOURCES["mnist_grey3"],
    "mnist_colour": mnist_tasks.SOURCES["mnist_colour"],
    **{name: functools.partial(moving_mnist.source, name) for name in moving_mnist.VARIANTS},
}
DEFAULT_DATA_DIR = os.path.join(os.path.expanduser("~"), ".cache", "jaxgan", "tensorflow_datasets")
# load_split refuses splits whose features take more than this in memory (1 GiB); the
# pipeline streams any size. MNIST's train split is 47 MB, Stacked MNIST's 141 MB.
LOAD_SPLIT_MAX_BYTES = 1 << 30
_READ_CHUNK = 4096


def data_dir(config_data_dir: str = "") -> str:
  if not config_data_dir and os.environ.get("JAXGAN_DATA_DIR") == "":
    raise UserError("JAXGAN_DATA_DIR is set but empty (an unset variable in its value?); set "
                    "it to a directory, or unset it for the default "
                    f"{DEFAULT_DATA_DIR}")
  return config_data_dir or os.environ.get("JAXGAN_DATA_DIR", DEFAULT_DATA_DIR)


def _dir_origin(config_data_dir: str) -> str:
  if config_data_dir:
    return "config.data.data_dir"
  return "JAXGAN_DATA_DIR" if "JAXGAN_DATA_DIR" in os.environ else "the default data dir"


def checked_data_dir(config_data_dir: str = "", writing: bool = False) -> str:
  """The data dir, refused in one line if it is a file or (when `writing`) not writable."""
  directory = data_dir(config_data_dir)
  origin = _dir_origin(config_data_dir)
  if os.path.exists(directory) and not os.path.isdir(directory):
    raise UserError(f"{origin}={directory} is a file, not a directory; point it at a "
                    f"directory (it is created if absent)")
  if writing:
    existing = directory
    while not os.path.exists(existing):
      existing = os.path.dirname(existing) or "."
    if not os.path.isdir(existing) or not os.access(existing, os.W_OK | os.X_OK):
      raise UserError(f"{origin}={directory} is not writable ({existing} is read-only) and "
                      f"a dataset must be prepared there; point {origin} at a writable "
                      f"directory")
  return directory


def prepare_shipped(name: str, directory: str) -> None:
  """Writes a shipped dataset to array_record in `directory` (once; later calls are no-ops).

  Several processes may prepare it at once (the hosts of a job, test workers): each writes
  into its own staging folder and renames the finished version folder into place, which is
  atomic, so a reader sees a whole dataset or none; the losers of the race drop their copy.
  """
  if SHIPPED[name](data_dir=directory, file_format="array_record").is_prepared():
    return
  os.makedirs(directory, exist_ok=True)
  staging.remove_abandoned(directory, name)   # Left by a killed preparation.
  folder = staging.make(directory, name)
  try:
    builder = SHIPPED[name](data_dir=folder, file_format="array_record")
    tfds.disable_progress_bar()   # Its bars count examples of a local copy; one line says it.
    builder.download_and_prepare()
    target = os.path.join(directory, os.path.relpath(builder.data_dir, folder))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
      os.rename(builder.data_dir, target)
    except OSError:  # Another process put it there first.
      if not os.path.exists(os.path.join(target, "dataset_info.json")):
        raise
  finally:
    shutil.rmtree(folder, ignore_errors=True)


@functools.lru_cache(maxsize=1)
def catalog() -> frozenset:
  """The TFDS catalog names this TFDS knows (from its code: no network)."""
  return frozenset(tfds.list_builders(with_community_datasets=False))


def prepared(directory: str) -> dict[str, str]:
  """{name: newest version folder} of the datasets prepared in `directory`."""
  found = {}
  for info in sorted(glob.glob(os.path.join(directory, "*", "*", "dataset_info.json"))):
    version_dir = os.path.dirname(info)
    name = os.path.basename(os.path.dirname(version_dir))
    if not name.startswith("."):
      found[name] = max(found.get(name, version_dir), version_dir, key=_version_key)
  return found


def _version_key(version_dir: str) -> tuple:
  parts = os.path.basename(version_dir).split(".")
  return tuple(int(p) if p.isdigit() else -1 for p in parts)


def known_names(directory: str) -> str:
  return (f"shipped: {sorted(SHIPPED)}; generated: {sorted(GENERATED)}; prepared in "
          f"{directory}: {sorted(prepared(directory)) if os.path.isdir(directory) else []}")


class TfdsSource(records.Source):
  """A prepared array_record split, read with `tfds.data_source`; a corrupt file is one line."""

  def __init__(self, name: str, split: str, builder, hint: str):
    self.name, self.split, self.dataset_dir, self._hint = name, split, str(builder.data_dir), hint
    if split not in builder.info.splits:
      raise UserError(f"config.data.split={split!r}: {name} has splits "
                      f"{sorted(builder.info.splits)}")
    try:
      self._source = builder.as_data_source(split=split)
    except Exception as error:  # A missing or unreadable shard, a tfrecord-only copy.
      raise self._corrupt(error) from None
    self._length = len(self._source)

  def _corrupt(self, error: Exception) -> UserError:
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    return UserError(f"prepared dataset {self.name} in {self.dataset_dir} cannot be read "
                     f"({first[:160]}); delete that folder and prepare it again ({self._hint})")

  def __len__(self) -> int:
    return self._length

  def batch(self, indices) -> dict[str, np.ndarray]:
    try:
      read = self._source.__getitems__([int(i) for i in indices])
    except Exception as error:  # array_record: "Corrupted Riegeli/records file" and kin.
      raise self._corrupt(error) from None
    return {k: _channels_last(k, np.stack([r[k] for r in read])) for k in read[0]}


def _channels_last(name: str, array: np.ndarray) -> np.ndarray:
  """Grayscale catalog images stored as [H, W] get a channel axis, like every other image."""
  return array[..., None] if name == "image" and array.ndim == 3 else array


# pylint: disable-next=redefined-builtin
def open(name: str, split: str, config_data_dir: str = "") -> records.Source:
  """A random-access source of `split` of dataset `name` (see the module docstring)."""
  if name in GENERATED:
    try:
      return records.as_source(GENERATED[name](split), name)
    except ValueError as error:
      raise UserError(f"config.data.split={split!r}: {error}") from None
  directory = checked_data_dir(config_data_dir)
  if name in SHIPPED:
    builder = SHIPPED[name](data_dir=directory, file_format="array_record")
    if not builder.is_prepared():
      try:
        prepare_shipped(name, checked_data_dir(config_data_dir, writing=True))
      except OSError as error:  # A read-only mount, a full disk, a quota.
        raise UserError(f"could not prepare {name} in {directory} ({error.strerror or error}); "
                        f"point {_dir_origin(config_data_dir)} at a writable directory with "
                        f"100 MB free") from None
      builder = SHIPPED[name](data_dir=directory, file_format="array_record")
    hint = "jaxgan prepares it again on the next run"
    return TfdsSource(name, split, builder, hint)
  folders = prepared(directory) if os.path.isdir(directory) else {}
  if name in folders:
    try:
      builder = tfds.builder_from_directory(folders[name])
    except Exception as error:
      raise UserError(f"prepared dataset {name} in {folders[name]} has unreadable metadata "
                      f"({type(error).__name__}); delete that folder and prepare it "
                      f"again") from None
    hint = ("python -m jaxgan.data.image_folder, or tfds build "
            f"{name} --file_format=array_record --data_dir={directory}")
    return TfdsSource(name, split, builder, hint)
  if name in catalog():
    raise UserError(
        f"TFDS dataset {name!r} (split {split!r}) is not prepared as array_record in "
        f"{directory}: run `pip install 'jaxgan[tf]' && tfds build {name} "
        f"--file_format=array_record --data_dir={directory}` or point "
        f"--config.data.data_dir at a prepared copy")
  raise UserError(f"config.data.name={name!r} is no dataset: not shipped, generated, "
                  f"prepared in the data dir, nor in the TFDS catalog ({known_names(directory)}"
                  f"); check the name, or make it with python -m jaxgan.data.image_folder")


def record_nbytes(record: dict) -> int:
  return sum(np.asarray(v).nbytes for v in record.values())


@functools.lru_cache(maxsize=4)
def load_split(name: str, split: str, config_data_dir: str = "") -> dict[str, np.ndarray]:
  """A whole SMALL split as read-only arrays {feature: [N, ...]}; integer features int32.

  Refused above LOAD_SPLIT_MAX_BYTES (stream it: pipeline.make_iterator, or read
  `open(...).batch(indices)` in chunks). Cached per process, so runs that share a process
  (tests, notebooks) read it once.
  """
  source = open(name, split, config_data_dir)
  if name in SHIPPED:  # Its own arrays hold the same records, and read 100x faster.
    arrays = SHIPPED[name].split_arrays(split)
    for array in arrays.values():
      array.setflags(write=False)
    return arrays
  total = len(source) * record_nbytes(source[0])
  if total > LOAD_SPLIT_MAX_BYTES:
    raise UserError(f"{name} split {split!r} is {total / 2**30:.1f} GiB, more than "
                    f"sources.load_split reads into memory ({LOAD_SPLIT_MAX_BYTES / 2**30:g} "
                    f"GiB); stream it with sources.open(...).batch or pipeline.make_iterator")
  chunks = [source.batch(np.arange(start, min(start + _READ_CHUNK, len(source))))
            for start in range(0, len(source), _READ_CHUNK)]
  arrays = {}
  for key in chunks[0]:
    array = np.concatenate([c[key] for c in chunks])
    if np.issubdtype(array.dtype, np.integer) and array.dtype != np.uint8:
      array = array.astype(np.int32)
    array.setflags(write=False)
    arrays[key] = array
  return arrays
