"""What `python -m jaxgan.score A B` can read, each as an `Images` stream or saved statistics.

  folder       PNG / JPEG / WebP / BMP files, found recursively, read a batch at a time
  array        .npy (memory-mapped) or .npz (`FILE.npz:KEY` when it holds several arrays;
               its member read a batch at a time, compressed or not), so neither is held in
               memory whole: [N, H, W, C] uint8 in [0, 255] or float in [-1, 1]
  dataset      `NAME:SPLIT` of any jaxgan source: shipped_mnist:test, a prepared image-folder
               dataset, a generated one (stacked_mnist:train, mnist_colour:test, ...)
  statistics   an .npz written by --save_stats (or the evaluator's cache): mu, sigma, count
  workdir      a jaxgan run directory: its latest checkpoint's generator (raw or EMA) draws
               the samples, with the noise `--mode=eval` uses

Every check that can fail (no readable image, mixed sizes, a bad rank or range, an unknown
name) runs when the input is opened, before any feature is computed.
"""

import dataclasses
import os
from typing import Callable
import zipfile

import numpy as np
from PIL import Image

from jaxgan.data import pipeline
from jaxgan.data import sources
from jaxgan.errors import UserError
from jaxgan.metrics import evaluator

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
_MODES = {1: "L", 3: "RGB"}


@dataclasses.dataclass
class Images:
  """A stream of images in [-1, 1]: `batch(index, size)` -> (images [size, H, W, C], labels
  or None), the signature the evaluator's `sample_batch` has."""
  spec: str
  shape: tuple            # (H, W, C) the feature network sees.
  count: int
  batch: Callable
  dataset: str = ""       # The dataset the images come from, when known (picks the network).
  split: str = ""         # Set when the images are that dataset's split itself.
  data_dir: str = ""
  batch_size: int = 500   # `batch(index, size)` reads from index * batch_size.


@dataclasses.dataclass
class Statistics:
  spec: str
  stats: dict             # mu, sigma, count, features?; fingerprint and shape when saved by us.


def _parse_size(text: str) -> tuple[int, int] | None:
  if not text:
    return None
  try:
    height, width = (int(v) for v in text.lower().split("x"))
  except ValueError:
    raise UserError(f"--image_size={text!r}: write HEIGHTxWIDTH, e.g. 28x28") from None
  return height, width


# -- folders -------------------------------------------------------------------------------
def _image_files(folder: str) -> list[str]:
  found = []
  for root, dirs, files in os.walk(folder):
    dirs.sort()
    found += [os.path.join(root, f) for f in sorted(files)
              if f.lower().endswith(IMAGE_EXTENSIONS)]
  return found


def _header(path: str) -> tuple[tuple[int, int], str]:
  try:
    with Image.open(path) as image:
      return (image.height, image.width), image.mode
  except Exception as error:  # PIL raises many types for a broken file.
    raise UserError(f"{path}: not a readable image ({type(error).__name__}); remove it") from None


def _channels(mode: str) -> int:
  return 1 if mode in ("1", "L", "I", "I;16", "F") else 3


def open_folder(folder: str, image_size: str = "", channels: int = 0, num: int = 0,
                batch_size: int = 500) -> Images:
  files = _image_files(folder)
  if not files:
    raise UserError(f"{folder}: no image files ({', '.join(IMAGE_EXTENSIONS)}) in it or its "
                    f"subfolders")
  if num:
    files = files[:num]
  size = _parse_size(image_size)
  headers = {}
  for path in files:  # Headers only: a fast pass that refuses before any compute.
    headers.setdefault(_header(path), path)
  sizes = {hw for hw, _ in headers}
  if size is None and len(sizes) > 1:
    first_of = {}
    for (hw, _), path in headers.items():
      first_of.setdefault(hw, path)
    (a, path_a), (b, path_b) = list(first_of.items())[:2]
    raise UserError(f"{folder}: images of different sizes ({path_a} is {a[0]}x{a[1]}, {path_b} "
                    f"is {b[0]}x{b[1]}); pass --image_size=HxW to resize them all")
  counts = {_channels(mode) for _, mode in headers}
  if not channels and len(counts) > 1:
    raise UserError(f"{folder}: both grayscale and colour images; pass --channels=1 or "
                    f"--channels=3 to convert them all")
  channels = channels or counts.pop()
  height, width = size or sizes.pop()

  def read(path):
    with Image.open(path) as image:
      image = image.convert(_MODES[channels])
      if image.size != (width, height):
        image = image.resize((width, height), Image.BICUBIC)
      return np.asarray(image, np.uint8).reshape(height, width, channels)

  def batch(index, size):
    start = index * batch_size
    chunk = files[start:start + size]
    return pipeline.to_unit_range(np.stack([read(p) for p in chunk])), None

  return Images(folder, (height, width, channels), len(files), batch,
                batch_size=batch_size)


# -- arrays ------------------------------------------------------------------------------
class NpzRows:
  """The array in one .npz member, read a slice of rows at a time through the zip file (a
  stored member seeks, a compressed one decompresses as far as the rows asked for), so a
  stream of batches reads the file once and never holds the array whole."""

  def __init__(self, path: str, member: str):
    self._zip = zipfile.ZipFile(path)
    self._file = self._zip.open(member)
    version = np.lib.format.read_magic(self._file)
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    self.shape, fortran_order, self.dtype = read_header(self._file)
    if fortran_order or self.dtype.hasobject or not self.shape:
      raise UserError(f"{path}: {member} is not a C-ordered numeric array; save the images "
                      f"with np.save or np.savez from a plain array")
    self._data_start = self._file.tell()
    self._row_bytes = int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize

  @property
  def ndim(self) -> int:
    return len(self.shape)

  def __len__(self) -> int:
    return self.shape[0]

  def __getitem__(self, rows: slice) -> np.ndarray:
    start, stop, step = rows.indices(len(self))
    if step != 1:
      raise ValueError("NpzRows reads contiguous rows only")
    count = max(stop - start, 0)
    self._file.seek(self._data_start + start * self._row_bytes)
    data = self._file.read(count * self._row_bytes)
    return np.frombuffer(data, self.dtype).reshape((count,) + tuple(self.shape[1:]))


def _load_array(spec: str):
  path, _, key = spec.partition(".npz:")
  if key or spec.endswith(".npz"):
    path = path if key else spec
    path = path if path.endswith(".npz") else path + ".npz"
    with np.load(path) as npz:
      if {"mu", "sigma"} <= set(npz.files):
        return None, {name: npz[name] for name in npz.files}
      if not key:
        if len(npz.files) != 1:
          raise UserError(f"{path} holds {npz.files}; name the images as {path}:KEY")
        key = npz.files[0]
      if key not in npz.files:
        raise UserError(f"{path} has no array {key!r}; it holds {npz.files}")
    return NpzRows(path, key + ".npy"), None
  return np.load(spec, mmap_mode="r"), None


def _check_array(spec: str, array) -> None:
  if array.ndim != 4 or array.shape[-1] not in (1, 3):
    raise UserError(f"{spec}: shape {array.shape}; need [N, H, W, C] images with C = 1 or 3 "
                    f"(add a channel axis to grayscale: x[..., None])")
  if array.dtype == np.uint8:
    return
  if not np.issubdtype(array.dtype, np.floating):
    raise UserError(f"{spec}: dtype {array.dtype}; need uint8 in [0, 255] or float in [-1, 1]")
  low, high = np.inf, -np.inf
  for start in range(0, len(array), 4096):  # A memory-mapped .npy streams through this.
    chunk = np.asarray(array[start:start + 4096])
    low, high = min(low, float(chunk.min())), max(high, float(chunk.max()))
  if not (np.isfinite(low) and np.isfinite(high)) or low < -1.001 or high > 1.001:
    raise UserError(f"{spec}: float values in [{low:.4g}, {high:.4g}]; need [-1, 1] (map "
                    f"[0, 1] with 2x - 1, or pass uint8 in [0, 255])")


def open_array(spec: str, num: int = 0, batch_size: int = 500):
  array, stats = _load_array(spec)
  if stats is not None:
    return Statistics(spec, stats)
  _check_array(spec, array)
  count = min(num, len(array)) if num else len(array)

  def batch(index, size):
    start = index * batch_size
    return pipeline.to_unit_range(np.asarray(array[start:min(start + size, count)])), None

  return Images(spec, tuple(array.shape[1:]), count, batch, batch_size=batch_size)


# -- datasets ------------------------------------------------------------------------------
def open_dataset(spec: str, num: int = 0, data_dir: str = "", batch_size: int = 500) -> Images:
  name, _, split = spec.rpartition(":")
  source = sources.open(name, split, data_dir)
  first = source[0]
  if "image" not in first:
    raise UserError(f"{spec}: records hold {sorted(first)}, not an 'image'; score image "
                    f"datasets only")
  indices = evaluator.chosen_indices(len(source), num)

  def batch(index, size):
    chosen = indices[index * batch_size:][:size]
    return pipeline.to_unit_range(source.batch(chosen)["image"]), None

  return Images(spec, tuple(np.shape(first["image"])), len(indices), batch, dataset=name,
                split=split, data_dir=data_dir, batch_size=batch_size)


# -- workdirs ------------------------------------------------------------------------------
def is_workdir(path: str) -> bool:
  return os.path.isfile(os.path.join(path, "config.json")) and os.path.isdir(
      os.path.join(path, "checkpoints"))


def saved_config(path: str):
  """The config a run was trained with: the kind's defaults, updated with its config.json
  (lists back to tuples where the default is a tuple)."""
  from jaxgan import configs  # A workdir needs the whole training stack; load it only then.
  from jaxgan import workdir as workdir_lib
  saved = workdir_lib.read_saved_config(path)
  config = configs.base(saved.get("kind", "gan"))

  def update(target, values):
    for key, value in values.items():
      if key not in target:
        continue  # A field the code no longer has.
      if hasattr(target[key], "items") and isinstance(value, dict):
        update(target[key], value)
      else:
        target[key] = tuple(value) if isinstance(target[key], tuple) else value

  update(config, saved)
  return config


def open_workdir(path: str, num: int = 0, use_ema: bool = True, step: int = -1) -> Images:
  """The run's generator at `step` (-1: the latest checkpoint), drawing the noise that
  `--mode=eval` draws, `num` samples (default: the run's eval.num_samples), batched as
  its eval is (the noise is keyed by the batch index)."""
  from jaxgan import train
  config = saved_config(path)
  config.sample.checkpoint_step = step
  exp, state = train.restore_for_inference(config, path)
  if not hasattr(exp, "eval_sample_batch"):
    raise UserError(f"{path}: a {config.kind} run; only GAN runs are scored as a generator")
  sample_batch = exp.eval_sample_batch(state, use_ema)

  def batch(index, size):
    images, labels = sample_batch(index, size)
    return np.asarray(images), labels

  return Images(path, tuple(config.data.image_shape), num or config.eval.num_samples, batch,
                dataset=config.data.name, data_dir=config.data.data_dir,
                batch_size=config.eval.batch_size)


def open_input(spec: str, num: int = 0, image_size: str = "", channels: int = 0,
               data_dir: str = "", use_ema: bool = True, batch_size: int = 500):
  """An `Images` stream or `Statistics`, by what `spec` names (see the module docstring)."""
  if os.path.isdir(spec):
    if is_workdir(spec):
      return open_workdir(spec, num, use_ema)
    return open_folder(spec, image_size, channels, num, batch_size)
  if spec.endswith((".npy", ".npz")) or ".npz:" in spec:
    if not os.path.isfile(spec.split(".npz:")[0] + (".npz" if ".npz:" in spec else "")):
      raise UserError(f"{spec}: no such file")
    return open_array(spec, num, batch_size)
  if ":" in spec:
    return open_dataset(spec, num, data_dir, batch_size)
  raise UserError(f"{spec!r}: not a folder, an .npy/.npz file, a workdir or a DATASET:SPLIT "
                  f"(e.g. shipped_mnist:test)")
