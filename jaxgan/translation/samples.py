"""What the image-to-image kinds (pix2pix, cyclegan) share: reading evaluation records,
matching channel counts, the source | output | target grid, and translating a folder.

Kinds build on these; nothing here knows a kind.
"""

import os
from typing import Callable, Iterator

import numpy as np
from PIL import Image

from jaxgan import images as images_lib
from jaxgan.data import pipeline
from jaxgan.data import sources
from jaxgan.errors import UserError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def open_source(dataset: str, split: str, data_dir: str = ""):
  """The random-access source of (dataset, split): len(), [i] and batch(indices)."""
  return sources.open(dataset, split, data_dir)


def batches(source, names, num: int, batch_size: int) -> Iterator[dict[str, np.ndarray]]:
  """The first `num` records (all if fewer) as batches {name: array}; uint8 features become
  float32 in [-1, 1], as the step sees them."""
  num = min(num, len(source)) if num else len(source)
  for start in range(0, num, batch_size):
    read = source.batch(np.arange(start, min(start + batch_size, num)))
    yield {name: pipeline.to_unit_range(read[name]) if read[name].dtype == np.uint8
           else read[name] for name in names}


def in_chunks(apply: Callable, inputs: list, chunk: int) -> np.ndarray:
  """apply(chunk_index, *arrays) over the leading axis of `inputs` in batches of exactly
  `chunk` (the last one edge-padded, the padding dropped), so a jitted `apply` compiles once
  for every number of images: grids, sample batches, folders and evaluation alike."""
  count = len(inputs[0])
  outputs = []
  for index, start in enumerate(range(0, count, chunk)):
    parts = [np.asarray(x[start:start + chunk]) for x in inputs]
    missing = chunk - len(parts[0])
    if missing:
      parts = [np.pad(x, [(0, missing)] + [(0, 0)] * (x.ndim - 1), mode="edge") for x in parts]
    outputs.append(np.asarray(apply(index, *parts))[:chunk - missing])
  return np.concatenate(outputs)


def to_channels(images, channels: int):
  """Images [..., C] with `channels` channels: grey repeated to RGB, RGB averaged to grey."""
  have = images.shape[-1]
  if have == channels:
    return images
  if have == 1:
    return np.repeat(np.asarray(images), channels, axis=-1)
  if channels == 1:
    return np.mean(np.asarray(images), axis=-1, keepdims=True)
  raise ValueError(f"cannot map {have} channels to {channels}")


def triple_grid(columns, per_row: int = 4, padding: int = 2) -> np.ndarray:
  """uint8 grid of `per_row` groups per row, each group the images of `columns` side by
  side (e.g. source | output | target); all [N, H, W, *] in [-1, 1]; channels are matched
  to the widest."""
  channels = max(c.shape[-1] for c in columns)
  columns = [to_channels(np.asarray(c, np.float32), channels) for c in columns]
  n, h, w, _ = columns[0].shape
  rows = -(-n // per_row)
  group_w = len(columns) * w
  grid = np.full((rows * (h + padding) + padding,
                  per_row * (group_w + 2 * padding) + padding, channels), 255, np.uint8)
  for index in range(n):
    r, c = divmod(index, per_row)
    top, left = padding + r * (h + padding), padding + c * (group_w + 2 * padding)
    for k, column in enumerate(columns):
      grid[top:top + h, left + k * w:left + (k + 1) * w] = images_lib.to_uint8(column[index])
  return grid


def read_folder(input_dir: str, image_shape) -> tuple[list[str], np.ndarray]:
  """(file names, float32 [N, H, W, C] in [-1, 1]) of the images in `input_dir`, resized
  to `image_shape` (bicubic) and converted to its channels."""
  if not os.path.isdir(input_dir):
    raise UserError(f"config.sample.input_dir={input_dir!r}: no such folder")
  names = sorted(n for n in os.listdir(input_dir) if n.lower().endswith(IMAGE_EXTENSIONS))
  if not names:
    raise UserError(f"config.sample.input_dir={input_dir!r}: no images "
                    f"({'/'.join(IMAGE_EXTENSIONS)}) in it")
  h, w, c = image_shape
  arrays = []
  for name in names:
    try:
      with Image.open(os.path.join(input_dir, name)) as image:
        image = image.convert("L" if c == 1 else "RGB")
        if image.size != (w, h):
          image = image.resize((w, h), Image.BICUBIC)
        arrays.append(np.asarray(image, np.uint8).reshape(h, w, c))
    except OSError as error:
      raise UserError(f"config.sample.input_dir: {os.path.join(input_dir, name)} is not a "
                      f"readable image ({error}); remove it") from None
  return names, pipeline.to_unit_range(np.stack(arrays))


def translate_folder(input_dir: str, output_dir: str, image_shape, translate: Callable,
                     batch_size: int = 64) -> list[str]:
  """Writes translate(image) for every image of `input_dir` to `output_dir` under the same
  file name; returns the names."""
  names, inputs = read_folder(input_dir, image_shape)
  os.makedirs(output_dir, exist_ok=True)
  for start in range(0, len(names), batch_size):
    outputs = images_lib.to_uint8(translate(inputs[start:start + batch_size]))
    for name, image in zip(names[start:start + batch_size], outputs):
      image = image[..., 0] if image.shape[-1] == 1 else image
      Image.fromarray(image).save(os.path.join(output_dir, name))
  return names
