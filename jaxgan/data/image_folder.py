"""Your own images as a prepared dataset: a folder of PNG/JPEG/WebP -> array_record.

  python -m jaxgan.data.image_folder ~/photos --name=my_photos --size=64 [--channels=3]
      [--data_dir=DIR] [--test_fraction=0.1] [--small=refuse|upscale|skip]
      [--paired_with=~/photos_b] [--overwrite]

then train on it with `--config.data.name=my_photos --config.data.image_shape=(64,64,3)`
(with an architecture that makes 64x64 images). No TensorFlow: Pillow decodes, array_record's
writer writes the records (TFDS-serialised `tfds.features.Tensor` features, pixels as raw
bytes) and TFDS the dataset's metadata, into the data dir (--data_dir, else $JAXGAN_DATA_DIR,
else the default); `sources.open` reads it back like any dataset.

- Class subfolders become an int64 `label` feature: sorted folder names are classes 0, 1, ...
  (as torchvision's ImageFolder); images below a class folder count at any depth, files at
  the top level beside class folders are skipped. No subfolders: `image` only.
- Each image: RGB (--channels=3) or grayscale (1), its shorter side resized to --size
  (Lanczos), then the centre --size x --size square cropped.
- Files Pillow cannot read as an image (a .txt, a broken download) are skipped and counted
  in the summary. Images smaller than --size are refused (--small=upscale enlarges them,
  --small=skip skips and counts them).
- Split: a file goes to `test` when a hash of its path relative to the folder falls below
  --test_fraction (deterministic, and adding files never moves old ones); the rest is `train`.
- Paired (pix2pix): --paired_with=SRC2 matches files by relative path without extension;
  records hold `source` (from SRC), `target` (from SRC2) and `label` if SRC has classes. A
  file without partner, or a pair of two sizes, is refused. Two unpaired domains (CycleGAN)
  are two datasets: run the command once per folder.
"""

import dataclasses
import functools
import hashlib
import os
import shutil
import sys
import tempfile
from typing import Callable, Iterable, Iterator, Mapping

from array_record.python import array_record_module
import numpy as np
import tensorflow_datasets as tfds
from absl import app
from absl import flags
from absl import logging
from PIL import Image

from jaxgan.data import sources
from jaxgan.errors import UserError

VERSION = "1.0.0"
SHARD_BYTES = 256 << 20     # Per array_record file.
SMALL_CHOICES = ("refuse", "upscale", "skip")


@dataclasses.dataclass
class Options:
  size: int = 64
  channels: int = 3
  test_fraction: float = 0.1
  small: str = "refuse"


@dataclasses.dataclass
class Found:
  """What a walk over a folder found: images by relative path, classes, what was skipped."""
  images: dict          # relative path -> label (-1 without classes)
  classes: list
  skipped: list         # relative paths of files that are not images, or left out


# -- writing ------------------------------------------------------------------------------------
def image_tensor(shape) -> tfds.features.Tensor:
  """A uint8 image feature stored as its raw bytes: TFDS's default would store each pixel as an
  int64 in a list, 8x slower to write and to read."""
  return tfds.features.Tensor(shape=tuple(shape), dtype=np.uint8,
                              encoding=tfds.features.Encoding.BYTES)


def write_dataset(name: str, data_dir: str, features: Mapping[str, tfds.features.Tensor],
                  splits: Mapping[str, Callable[[], Iterable[dict]]], metadata: dict | None = None,
                  overwrite: bool = False, description: str = "") -> str:
  """Writes `splits` (split -> function giving example dicts) as array_record; returns the
  version folder. Splits that give no example are left out.

  The shards are written here with array_record's writer (one record per example, as TFDS
  writes them) and TFDS writes the metadata: TFDS's own builder would hold everything past
  1 GB in a buffer that needs TensorFlow to spill. All goes into a staging folder renamed into
  place at the end, so a crash leaves no half dataset under `name`.
  """
  target = os.path.join(data_dir, name, VERSION)
  if os.path.exists(target):
    if not overwrite:
      raise UserError(f"{target} exists; pass --overwrite to replace it or choose another "
                      f"--name")
    shutil.rmtree(target)
  try:
    os.makedirs(data_dir, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{name}-staging-", dir=data_dir)
  except OSError as error:
    raise UserError(f"cannot write in --data_dir={data_dir} ({error.strerror}); choose a "
                    f"writable directory") from None
  try:
    version_dir = os.path.join(staging, name, VERSION)
    os.makedirs(version_dir)
    feature_dict = tfds.features.FeaturesDict(dict(features))
    split_infos = [info for split, make in splits.items()
                   if (info := _write_split(version_dir, name, split, feature_dict, make()))]
    tfds.folder_dataset.write_metadata(
        data_dir=version_dir, features=feature_dict, split_infos=split_infos, check_data=False,
        description=description, metadata=tfds.core.MetadataDict(metadata or {}),
        disable_shuffling=True)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.rename(version_dir, target)
  finally:
    shutil.rmtree(staging, ignore_errors=True)
  return target


def _write_split(directory: str, name: str, split: str, feature_dict, examples: Iterable[dict]):
  """Shards of about SHARD_BYTES, named as TFDS names them; the SplitInfo, or None if empty."""
  lengths, sizes, writer = [], [], None
  partial = lambda i: os.path.join(directory, f".{name}-{split}-{i:05d}.partial")
  for example in examples:
    if writer is None or sizes[-1] >= SHARD_BYTES:
      if writer is not None:
        writer.close()
      writer = array_record_module.ArrayRecordWriter(partial(len(lengths)), "group_size:1")
      lengths.append(0)
      sizes.append(0)
    record = feature_dict.serialize_example(example)
    writer.write(record)
    lengths[-1] += 1
    sizes[-1] += len(record)
  if writer is None:
    return None
  writer.close()
  for index in range(len(lengths)):
    os.rename(partial(index), os.path.join(
        directory, f"{name}-{split}.array_record-{index:05d}-of-{len(lengths):05d}"))
  return tfds.core.SplitInfo(name=split, shard_lengths=lengths, num_bytes=sum(sizes))


# -- reading the folder -------------------------------------------------------------------------
def _walk(root: str) -> list[str]:
  found = []
  for directory, subdirs, files in os.walk(root):
    subdirs.sort()
    found.extend(os.path.relpath(os.path.join(directory, f), root) for f in sorted(files))
  return found


def find_images(root: str) -> Found:
  """Classes from subfolders; every file under them (or under `root` if flat) is a candidate
  image, checked when it is read."""
  if not os.path.isdir(root):
    raise UserError(f"{root} is not a folder; give the folder of images to convert")
  entries = sorted(os.listdir(root))
  classes = [e for e in entries if os.path.isdir(os.path.join(root, e)) and not e.startswith(".")]
  files = _walk(root)
  if not files:
    raise UserError(f"{root} is empty: no files to convert (put images in it, or one "
                    f"subfolder of images per class)")
  if not classes:
    return Found({f: -1 for f in files}, [], [])
  images, skipped = {}, []
  for path in files:
    top = path.split(os.sep)[0]
    if top in classes and os.sep in path:
      images[path] = classes.index(top)
    else:
      skipped.append(path)   # Beside the class folders, or under a hidden one.
  return Found(images, classes, skipped)


def _stem(path: str) -> str:
  return os.path.splitext(path)[0]


def in_test(path: str, test_fraction: float) -> bool:
  digest = hashlib.sha256(path.replace(os.sep, "/").encode()).digest()
  return int.from_bytes(digest[:8], "big") / 2**64 < test_fraction


def read_image(path: str) -> Image.Image | None:
  """The decoded image, or None if Pillow cannot read it as one."""
  try:
    with Image.open(path) as image:
      image.load()
      return image.copy()
  except (OSError, ValueError, Image.DecompressionBombError):
    return None


def to_array(image: Image.Image, path: str, options: Options) -> np.ndarray | None:
  """uint8 [size, size, channels]: shorter side resized, centre crop. None: skip it."""
  image = image.convert("RGB" if options.channels == 3 else "L")
  width, height = image.size
  size = options.size
  if min(width, height) < size:
    if options.small == "skip":
      return None
    if options.small == "refuse":
      raise UserError(f"{path} is {width}x{height}, smaller than --size={size}; pass "
                      f"--small=upscale to enlarge such images, --small=skip to leave them out, "
                      f"or a smaller --size")
  scale = size / min(width, height)
  new = (max(size, round(width * scale)), max(size, round(height * scale)))
  if new != (width, height):
    image = image.resize(new, Image.Resampling.LANCZOS)
  left, top = (new[0] - size) // 2, (new[1] - size) // 2
  array = np.asarray(image.crop((left, top, left + size, top + size)), np.uint8)
  return array.reshape(size, size, options.channels)


def header_size(path: str) -> tuple[int, int] | None:
  """(width, height) from the file's header, or None if Pillow does not see an image."""
  try:
    with Image.open(path) as image:
      return image.size
  except (OSError, ValueError, Image.DecompressionBombError):
    return None


class Converter:
  """Checks one or two (paired) folders from the image headers first, so every refusal comes
  before anything is written, then decodes and converts image by image while writing."""

  def __init__(self, root: str, options: Options, paired_with: str = ""):
    self.root, self.options, self.paired_with = root, options, paired_with
    self.found = find_images(root)
    self.skipped = list(self.found.skipped)
    self.partners = self._match() if paired_with else {}
    self.splits = {"train": [], "test": []}
    for rel in sorted(self.found.images):
      if self._usable(rel):
        self.splits["test" if in_test(rel, options.test_fraction) else "train"].append(rel)

  def _match(self) -> dict[str, str]:
    if not os.path.isdir(self.paired_with):
      raise UserError(f"--paired_with={self.paired_with} is not a folder")
    others = {_stem(p): p for p in _walk(self.paired_with)}
    if not others:
      raise UserError(f"--paired_with={self.paired_with} is empty")
    mine = {_stem(p): p for p in self.found.images}
    missing = sorted(set(mine) - set(others))
    extra = sorted(set(others) - set(mine))
    if missing or extra:
      side, example = ((self.root, mine[missing[0]]) if missing
                       else (self.paired_with, others[extra[0]]))
      raise UserError(f"{os.path.join(side, example)} has no partner of the same name in the "
                      f"other folder ({len(missing)} in {self.root} and {len(extra)} in "
                      f"{self.paired_with} unmatched); pairs are matched by relative path "
                      f"without extension: add or remove files so both folders match")
    return {mine[s]: others[s] for s in mine}

  def _usable(self, rel: str) -> bool:
    """Whether `rel` is written; refuses (UserError) what --small and pairing forbid."""
    path = os.path.join(self.root, rel)
    size = header_size(path)
    if size is None:
      self.skipped.append(rel)
      return False
    if min(size) < self.options.size:
      if self.options.small == "refuse":
        raise UserError(f"{path} is {size[0]}x{size[1]}, smaller than --size="
                        f"{self.options.size}; pass --small=upscale to enlarge such images, "
                        f"--small=skip to leave them out, or a smaller --size")
      if self.options.small == "skip":
        self.skipped.append(rel)
        return False
    if self.paired_with:
      partner = os.path.join(self.paired_with, self.partners[rel])
      other = header_size(partner)
      if other is None:
        raise UserError(f"{partner}, the partner of {path}, is not an image Pillow can read; "
                        f"replace or remove the pair")
      if other != size:
        raise UserError(f"pair {_stem(rel)}: {path} is {size[0]}x{size[1]} but {partner} is "
                        f"{other[0]}x{other[1]}; the two images of a pair must be the same size")
    return True

  def _array(self, root: str, rel: str) -> np.ndarray | None:
    image = read_image(os.path.join(root, rel))
    return None if image is None else to_array(image, os.path.join(root, rel), self.options)

  def examples(self, split: str) -> Iterator[dict]:
    """Example dicts of `split` in path order; a file whose data (past a good header) does not
    decode is skipped and counted."""
    for rel in self.splits[split]:
      array = self._array(self.root, rel)
      target = self._array(self.paired_with, self.partners[rel]) if self.paired_with else None
      if array is None or (self.paired_with and target is None):
        self.skipped.append(rel)
        continue
      example = {"source": array, "target": target} if self.paired_with else {"image": array}
      if self.found.classes:
        example["label"] = np.int64(self.found.images[rel])
      yield example

  def features(self) -> dict:
    shape = (self.options.size, self.options.size, self.options.channels)
    names = ("source", "target") if self.paired_with else ("image",)
    features = {n: image_tensor(shape) for n in names}
    if self.found.classes:
      features["label"] = tfds.features.Tensor(shape=(), dtype=np.int64)
    return features


def convert(root: str, name: str, options: Options, data_dir: str = "", paired_with: str = "",
            overwrite: bool = False) -> dict:
  """Converts the folder; returns a summary (counts per split, classes, skipped files)."""
  _check_name(name)
  if options.size < 1 or options.channels not in (1, 3) or not 0 <= options.test_fraction < 1:
    raise UserError(f"--size={options.size}, --channels={options.channels}, "
                    f"--test_fraction={options.test_fraction}: need size >= 1, channels 1 or "
                    f"3, 0 <= test_fraction < 1")
  if options.small not in SMALL_CHOICES:
    raise UserError(f"--small={options.small!r}: choose one of {SMALL_CHOICES}")
  directory = sources.checked_data_dir(data_dir, writing=True)
  converter = Converter(root, options, paired_with)
  if not converter.splits["train"]:
    raise UserError(f"{root} has no PNG/JPEG/WebP image Pillow can read for the train split "
                    f"({len(converter.skipped)} files skipped, e.g. {converter.skipped[:1]}); "
                    f"nothing was written")
  # TFDS writes no empty split: a test_fraction too small for the folder gives train only.
  splits = {split: functools.partial(converter.examples, split)
            for split, paths in converter.splits.items() if paths}
  metadata = {"classes": converter.found.classes, "source_folder": os.path.abspath(root),
              "paired_with": os.path.abspath(paired_with) if paired_with else "",
              "size": options.size, "channels": options.channels, "small": options.small,
              "test_fraction": options.test_fraction}
  written = write_dataset(name, directory, converter.features(), splits, metadata, overwrite,
                          description=f"Images from {os.path.abspath(root)} "
                                      f"(jaxgan.data.image_folder).")
  counts = {split: tfds.builder_from_directory(written).info.splits[split].num_examples
            for split in splits}
  return {"name": name, "path": written, "counts": counts, "classes": converter.found.classes,
          "skipped": sorted(set(converter.skipped)),
          "shape": (options.size, options.size, options.channels)}


def _check_name(name: str) -> None:
  if (not name or not name.replace("_", "a").isalnum() or not name[0].isalpha()
      or name != name.lower()):
    raise UserError(f"--name={name!r}: use lower-case letters, digits and _ (starting with a "
                    f"letter), e.g. --name=my_photos")
  if name in sources.SHIPPED or name in sources.GENERATED:
    raise UserError(f"--name={name!r} is a built-in dataset; choose another name")


# -- the command --------------------------------------------------------------------------------
def define_flags() -> None:
  """The command's flags; defined only when it runs, so importing this module defines none."""
  flags.DEFINE_string("name", None, "Dataset name to write (config.data.name).")
  flags.DEFINE_integer("size", 64, "Side of the square images written.")
  flags.DEFINE_integer("channels", 3, "3: RGB; 1: grayscale.")
  flags.DEFINE_string("data_dir", "", "Where to write; '': $JAXGAN_DATA_DIR or the default.")
  flags.DEFINE_float("test_fraction", 0.1, "Share of the files put in the test split.")
  flags.DEFINE_enum("small", "refuse", SMALL_CHOICES, "What to do with images under --size.")
  flags.DEFINE_string("paired_with", "", "A second folder: paired source/target records.")
  flags.DEFINE_bool("overwrite", False, "Replace a dataset of the same name.")


def main(argv):
  f = flags.FLAGS
  logging.set_verbosity(logging.WARNING)   # TFDS's per-file progress is noise here.
  tfds.disable_progress_bar()
  try:
    if len(argv) != 2:
      raise UserError("give one folder: python -m jaxgan.data.image_folder SRC --name=NAME "
                      "--size=64")
    if not f.name:
      raise UserError("--name is required: the dataset name to train with "
                      "(--config.data.name=NAME)")
    summary = convert(argv[1], f.name, Options(f.size, f.channels, f.test_fraction, f.small),
                      f.data_dir, f.paired_with, f.overwrite)
  except UserError as error:
    print(f"jaxgan: error: {error}", file=sys.stderr)
    sys.exit(1)
  shape = "(" + ",".join(map(str, summary["shape"])) + ")"
  skipped = summary["skipped"]
  print(f"wrote {summary['name']} to {summary['path']}: "
        + ", ".join(f"{k} {v}" for k, v in summary["counts"].items())
        + (f"; {len(summary['classes'])} classes {summary['classes']}"
           if summary["classes"] else "")
        + (f"; skipped {len(skipped)} files that are not usable images (e.g. {skipped[0]})"
           if skipped else ""))
  print(f"train with: --config.data.name={summary['name']} --config.data.image_shape={shape}")


if __name__ == "__main__":
  define_flags()
  app.run(main)
