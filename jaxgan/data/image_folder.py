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
import shlex
import sys
from typing import Callable, Iterable, Iterator, Mapping

from array_record.python import array_record_module
import numpy as np
import tensorflow_datasets as tfds
from absl import app
from absl import flags
from absl import logging
from PIL import Image
from PIL import ImageOps

from jaxgan.data import sources
from jaxgan.data import staging
from jaxgan.errors import UserError
from jaxgan.errors import one_line

VERSION = "1.0.0"
SHARD_BYTES = 256 << 20     # Per array_record file.
SMALL_CHOICES = ("refuse", "upscale", "skip")
BACKGROUNDS = {"black": (0, 0, 0, 255), "white": (255, 255, 255, 255)}


@dataclasses.dataclass
class Options:
  size: int = 64
  channels: int = 3
  test_fraction: float = 0.1
  small: str = "refuse"
  background: str = "black"    # What transparent pixels are composited onto.


@dataclasses.dataclass
class Found:
  """What a walk over a folder found: images by relative path, classes, what was skipped."""
  images: dict          # relative path -> label (-1 without classes)
  classes: list
  skipped: list         # relative paths of files that are not images, or left out
  split_of: dict = dataclasses.field(default_factory=dict)  # path -> split, if pre-split
  empty: list = dataclasses.field(default_factory=list)     # class folders without files


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
  1 GB in a buffer that needs TensorFlow to spill. All goes into a staging folder swapped into
  place at the end (data/staging.py), so a crash or a full disk leaves no half dataset under
  `name` and an existing one is replaced only by a complete one.
  """
  target = os.path.join(data_dir, name, VERSION)
  try:
    os.makedirs(data_dir, exist_ok=True)
    with staging.writer(data_dir, name) as folder:
      if os.path.exists(target) and not overwrite:
        raise UserError(f"{target} exists; pass --overwrite to replace it or choose another "
                        f"--name")
      version_dir = os.path.join(folder, name, VERSION)
      os.makedirs(version_dir)
      feature_dict = tfds.features.FeaturesDict(dict(features))
      split_infos = [info for split, make in splits.items()
                     if (info := _write_split(version_dir, name, split, feature_dict, make()))]
      tfds.folder_dataset.write_metadata(
          data_dir=version_dir, features=feature_dict, split_infos=split_infos,
          check_data=False, description=description,
          metadata=tfds.core.MetadataDict(metadata or {}), disable_shuffling=True)
      if os.path.exists(target) and not overwrite:   # Written meanwhile by another tool.
        raise UserError(f"{target} appeared while converting; pass --overwrite to replace it "
                        f"or choose another --name")
      staging.put_in_place(version_dir, target, folder)
  except (OSError, RuntimeError) as error:   # array_record reports a failed write as RuntimeError.
    kept = "the existing dataset is unchanged" if os.path.exists(target) else "nothing was kept"
    reason = getattr(error, "strerror", None) or " ".join(str(error).split())[:200]
    raise UserError(f"writing dataset {name!r} in {data_dir} failed ({reason}); {kept}; free "
                    f"space or choose another --data_dir, then run the command again") from None
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
IGNORED_FOLDERS = ("__MACOSX",)     # Resource forks a macOS zip adds beside the real files.
SPLIT_FOLDERS = {"train": "train", "test": "test", "val": "test", "validation": "test"}


def _walk(root: str) -> list[str]:
  found = []
  for directory, subdirs, files in os.walk(root):
    subdirs[:] = sorted(d for d in subdirs if d not in IGNORED_FOLDERS)
    found.extend(os.path.relpath(os.path.join(directory, f), root) for f in sorted(files))
  return found


def _folders(root: str) -> list[str]:
  """Subfolders that can hold images: not hidden, not __MACOSX."""
  return [e for e in sorted(os.listdir(root)) if os.path.isdir(os.path.join(root, e))
          and not e.startswith(".") and e not in IGNORED_FOLDERS]


def shown(path: str) -> str:
  """A path as it can be printed on one line, whatever bytes its name holds."""
  return one_line(path)


def _classes_of(root: str, files: list[str], prefix: str = "") -> tuple[list[str], list[str]]:
  """(class folders under root/prefix holding at least one file, empty ones left out)."""
  folders = _folders(os.path.join(root, prefix) if prefix else root)
  tops = {f[len(prefix):].split(os.sep)[0] for f in files
          if f.startswith(prefix) and os.sep in f[len(prefix):]}
  return [c for c in folders if c in tops], [c for c in folders if c not in tops]


def find_images(root: str) -> Found:
  """Classes from subfolders; every file under them (or under `root` if flat) is a candidate
  image, checked when it is read. A folder whose subfolders are `train` and `test` (or `val`)
  is taken as split already: classes are the subfolders of each."""
  if not os.path.isdir(root):
    raise UserError(f"{shown(root)} is not a folder; give the folder of images to convert")
  files = _walk(root)
  if not files:
    raise UserError(f"{shown(root)} is empty: no files to convert (put images in it, or one "
                    f"subfolder of images per class)")
  tops = _folders(root)
  presplit = "train" in tops and len(tops) > 1 and set(tops) <= set(SPLIT_FOLDERS)
  if presplit and len(tops) > 2:
    raise UserError(f"{shown(root)} has folders {tops}: jaxgan writes one train and one test "
                    f"split; merge the others into train/ or test/ and convert again")
  prefixes = [t + os.sep for t in tops] if presplit else [""]
  classes, empty = [], []
  for prefix in prefixes:
    found, none = _classes_of(root, files, prefix)
    classes = sorted(set(classes) | set(found))
    empty += [prefix + e for e in none]
  empty = [e for e in empty if e.split(os.sep)[-1] not in classes]
  images, skipped, split_of = {}, [], {}
  for path in files:
    prefix = path.split(os.sep)[0] + os.sep if presplit else ""
    if presplit and prefix not in prefixes:
      skipped.append(path)   # Beside the split folders.
      continue
    inner = path[len(prefix):]
    if classes and not (inner.split(os.sep)[0] in classes and os.sep in inner):
      skipped.append(path)   # Beside the class folders, or under a hidden one.
      continue
    images[path] = classes.index(inner.split(os.sep)[0]) if classes else -1
    if presplit:
      split_of[path] = SPLIT_FOLDERS[prefix[:-1]]
  return Found(images, classes, skipped, split_of, empty)


def _stem(path: str) -> str:
  return os.path.splitext(path)[0]


def in_test(path: str, test_fraction: float) -> bool:
  digest = hashlib.sha256(os.fsencode(path.replace(os.sep, "/"))).digest()
  return int.from_bytes(digest[:8], "big") / 2**64 < test_fraction


def read_image(path: str) -> Image.Image | None:
  """The decoded image turned as its EXIF orientation says (a phone photo stands upright), or
  None if Pillow cannot read it as one."""
  try:
    with Image.open(path) as image:
      image.load()
      return ImageOps.exif_transpose(image)
  except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
    return None


def has_alpha(image: Image.Image) -> bool:
  return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _eight_bit(image: Image.Image) -> Image.Image:
  """A 16-bit or float grayscale image scaled (not clipped) to 8 bits."""
  pixels = np.asarray(image).astype(np.float64)
  if image.mode == "F":
    top = 1.0 if pixels.size and pixels.max() <= 1.0 else 255.0
  else:   # I;16* holds 0..65535; a 16-bit PNG may open as I in other Pillow versions.
    sixteen = image.mode.startswith("I;16") or (pixels.size and pixels.max() > 255)
    top = 65535.0 if sixteen else 255.0
  return Image.fromarray(np.clip(np.rint(pixels * (255 / top)), 0, 255).astype(np.uint8), "L")


def to_array(image: Image.Image, path: str, options: Options) -> np.ndarray | None:
  """uint8 [size, size, channels]: transparent pixels composited onto --background, shorter
  side resized, centre crop. None: skip it."""
  if image.mode.startswith("I") or image.mode == "F":
    image = _eight_bit(image)
  if has_alpha(image):
    rgba = image.convert("RGBA")
    image = Image.alpha_composite(Image.new("RGBA", rgba.size, BACKGROUNDS[options.background]),
                                  rgba)
  image = image.convert("RGB" if options.channels == 3 else "L")
  width, height = image.size
  size = options.size
  if min(width, height) < size:
    if options.small == "skip":
      return None
    if options.small == "refuse":
      raise UserError(f"{shown(path)} is {width}x{height}, smaller than --size={size}; pass "
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
  except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
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
    self.transparent = 0    # Images whose transparent pixels were composited.
    usable = [rel for rel in sorted(self.found.images) if self._usable(rel)]
    for rel in usable:
      split = self.found.split_of.get(rel) or (
          "test" if in_test(rel, options.test_fraction) else "train")
      self.splits[split].append(rel)
    self._drop_classes_without_images(usable)

  def _drop_classes_without_images(self, usable: list[str]) -> None:
    """A class folder with no usable image is no class: it would shift every later label."""
    kept = sorted({self.found.images[rel] for rel in usable} - {-1})
    if not self.found.classes or len(kept) == len(self.found.classes):
      return
    self.found.empty += [c for i, c in enumerate(self.found.classes) if i not in kept]
    new_label = {old: new for new, old in enumerate(kept)}
    self.found.images = {rel: new_label.get(label, -1) for rel, label in self.found.images.items()}
    self.found.classes = [self.found.classes[i] for i in kept]

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
    if image is None:
      return None
    self.transparent += has_alpha(image)
    return to_array(image, os.path.join(root, rel), self.options)

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
  if options.background not in BACKGROUNDS:
    raise UserError(f"--background={options.background!r}: choose one of {sorted(BACKGROUNDS)}")
  directory = sources.checked_data_dir(data_dir, writing=True)
  converter = Converter(root, options, paired_with)
  if not converter.splits["train"]:
    raise UserError(f"{shown(root)} has no PNG/JPEG/WebP image Pillow can read for the train "
                    f"split ({len(converter.skipped)} files skipped, e.g. "
                    f"{[shown(p) for p in converter.skipped[:1]]}); nothing was written")
  # TFDS writes no empty split: a test_fraction too small for the folder gives train only.
  splits = {split: functools.partial(converter.examples, split)
            for split, paths in converter.splits.items() if paths}
  presplit = bool(converter.found.split_of)
  # The metadata is JSON: names that are not UTF-8 are stored as they print.
  metadata = {"classes": [shown(c) for c in converter.found.classes],
              "source_folder": shown(os.path.abspath(root)),
              "paired_with": shown(os.path.abspath(paired_with)) if paired_with else "",
              "size": options.size, "channels": options.channels, "small": options.small,
              "test_fraction": None if presplit else options.test_fraction,
              "split_by": "folders" if presplit else "hash", "background": options.background}
  written = write_dataset(name, directory, converter.features(), splits, metadata, overwrite,
                          description=f"Images from {shown(os.path.abspath(root))} "
                                      f"(jaxgan.data.image_folder).")
  counts = {split: tfds.builder_from_directory(written).info.splits[split].num_examples
            for split in splits}
  return {"name": name, "path": written, "counts": counts, "classes": converter.found.classes,
          "skipped": sorted(set(converter.skipped)), "ignored": converter.found.empty,
          "presplit": presplit, "transparent": converter.transparent,
          "background": options.background,
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
  flags.DEFINE_bool("overwrite", False, "Replace a dataset of the same name (swapped in once "
                    "the new one is complete).")
  flags.DEFINE_enum("background", "black", sorted(BACKGROUNDS),
                    "What transparent pixels (PNG/WebP alpha) are composited onto.")


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
    summary = convert(argv[1], f.name, Options(f.size, f.channels, f.test_fraction, f.small,
                                               f.background),
                      f.data_dir, f.paired_with, f.overwrite)
  except UserError as error:
    print(f"jaxgan: error: {one_line(str(error))}", file=sys.stderr)
    sys.exit(1)
  print(summary_lines(summary))


def summary_lines(summary: dict) -> str:
  """What was written and the flags to train on it, quoted so they paste into a shell."""
  skipped, ignored = summary["skipped"], summary["ignored"]
  shape = "(" + ",".join(map(str, summary["shape"])) + ")"
  classes = [shown(c) for c in summary["classes"]]
  text = (f"wrote {summary['name']} to {summary['path']}: "
          + ", ".join(f"{k} {v}" for k, v in summary["counts"].items())
          + (" (split by its train/ and test/ folders)" if summary["presplit"] else "")
          + (f"; {len(classes)} classes {classes}" if classes else "")
          + (f"; ignored folders without images {[shown(c) for c in ignored]}" if ignored else "")
          + (f"; skipped {len(skipped)} files that are not usable images (e.g. "
             f"{shown(skipped[0])})" if skipped else "")
          + (f"; {summary['transparent']} images with transparency composited onto "
             f"{summary['background']} (--background to change)"
             if summary["transparent"] else ""))
  flags_ = [f"--config.data.name={summary['name']}", f"--config.data.image_shape={shape}"]
  return text + "\ntrain with: " + " ".join(shlex.quote(f) for f in flags_)


if __name__ == "__main__":
  define_flags()
  app.run(main)
