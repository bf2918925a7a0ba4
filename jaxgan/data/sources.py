"""Where images come from: the shipped MNIST, or any prepared TFDS catalog dataset.

Both are read through `tfds.data_source` (array_record, random access, no TensorFlow). Small
splits are read into memory once, as uint8 NHWC arrays, so batching costs only a gather.
"""

import functools
import os
import shutil
import tempfile

import numpy as np
import tensorflow_datasets as tfds

from jaxgan.data import shipped_mnist
from jaxgan.data import stacked_mnist
from jaxgan.data import synthetic
from jaxgan.errors import UserError

SHIPPED = {"shipped_mnist": shipped_mnist.ShippedMnist}
# Built in memory by a function of the split, deterministically; no files.
GENERATED = {
    "ring8": functools.partial(synthetic.load, "ring8"),
    "grid25": functools.partial(synthetic.load, "grid25"),
    "stacked_mnist": stacked_mnist.load,
}
DEFAULT_DATA_DIR = os.path.join(os.path.expanduser("~"), ".cache", "jaxgan", "tensorflow_datasets")


def data_dir(config_data_dir: str) -> str:
  return config_data_dir or os.environ.get("JAXGAN_DATA_DIR", DEFAULT_DATA_DIR)


def prepare_shipped(name: str, directory: str) -> None:
  """Writes a shipped dataset to array_record in `directory` (once; later calls are no-ops).

  Several processes may prepare it at once (the hosts of a job, test workers): each writes
  into its own staging folder and renames the finished version folder into place, which is
  atomic, so a reader sees a whole dataset or none; the losers of the race drop their copy.
  """
  if SHIPPED[name](data_dir=directory, file_format="array_record").is_prepared():
    return
  os.makedirs(directory, exist_ok=True)
  staging = tempfile.mkdtemp(prefix=f".{name}-staging-", dir=directory)
  try:
    builder = SHIPPED[name](data_dir=staging, file_format="array_record")
    builder.download_and_prepare()
    target = os.path.join(directory, os.path.relpath(builder.data_dir, staging))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
      os.rename(builder.data_dir, target)
    except OSError:  # Another process put it there first.
      if not os.path.exists(os.path.join(target, "dataset_info.json")):
        raise
  finally:
    shutil.rmtree(staging, ignore_errors=True)


def _catalog_source(name: str, split: str, directory: str):
  try:
    return tfds.data_source(name, split=split, data_dir=directory, download=False)
  except Exception as error:  # TFDS raises several types for "not there" and "wrong format".
    raise UserError(
        f"TFDS dataset {name!r} (split {split!r}) is not prepared as array_record in {directory}: "
        f"run `pip install 'jaxgan[tf]' && tfds build {name} --file_format=array_record "
        f"--data_dir={directory}` or point --config.data.data_dir at a prepared copy "
        f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})") from None


@functools.lru_cache(maxsize=4)
def load_split(name: str, split: str, config_data_dir: str = "",
               image_key: str = "image", label_key: str = "label") -> dict[str, np.ndarray]:
  """Reads a whole split as {"image": uint8 [N, H, W, C], "label": int32 [N]}, read-only.

  Cached per process, so runs that share a process (tests, notebooks) read it once.
  """
  if name in GENERATED:
    arrays = GENERATED[name](split)
    for array in arrays.values():
      array.setflags(write=False)
    return arrays
  directory = data_dir(config_data_dir)
  if name in SHIPPED:
    prepare_shipped(name, directory)
  source = _catalog_source(name, split, directory)
  records = source.__getitems__(range(len(source)))
  images = np.stack([r[image_key] for r in records]).astype(np.uint8)
  if images.ndim == 3:
    images = images[..., None]
  arrays = {"image": images}
  if label_key in records[0]:
    arrays["label"] = np.asarray([r[label_key] for r in records], np.int32)
  for array in arrays.values():
    array.setflags(write=False)
  return arrays
