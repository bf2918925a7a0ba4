"""Image grids and PNG files."""

import os

import numpy as np
from PIL import Image


def to_uint8(images) -> np.ndarray:
  """[-1, 1] floats -> uint8 [0, 255]."""
  return np.clip(np.round((np.asarray(images, np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def make_grid(images, rows: int, padding: int = 2) -> np.ndarray:
  """Tiles N images [N, H, W, C] in [-1, 1] into one uint8 [H', W', C] grid, `rows` high."""
  images = to_uint8(images)
  n, h, w, c = images.shape
  cols = -(-n // rows)
  grid = np.zeros((rows * (h + padding) + padding, cols * (w + padding) + padding, c), np.uint8)
  for index, image in enumerate(images):
    r, col = divmod(index, cols)
    top, left = padding + r * (h + padding), padding + col * (w + padding)
    grid[top:top + h, left:left + w] = image
  return grid


def save_png(image_uint8: np.ndarray, path: str) -> None:
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  if image_uint8.shape[-1] == 1:
    image_uint8 = image_uint8[..., 0]
  Image.fromarray(image_uint8).save(path)


def write_folder(images, out_dir: str, rows: int) -> None:
  """Images [N, H, W, C] in [-1, 1] as out_dir/000000.png, ... and their grid.png."""
  for index, image in enumerate(to_uint8(images)):
    save_png(image, os.path.join(out_dir, f"{index:06d}.png"))
  save_png(make_grid(images, rows), os.path.join(out_dir, "grid.png"))
