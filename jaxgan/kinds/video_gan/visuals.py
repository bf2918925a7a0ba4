"""Pictures of videos: strips (one row per video, frames left to right) and animated GIFs."""

import os

import numpy as np
from PIL import Image

from jaxgan import images


def strip(videos, padding: int = 1, context_frames: int = 0) -> np.ndarray:
  """uint8 [N * (H + p) + p, T * (W + p) + p, C] of videos [N, T, H, W, C] in [-1, 1].

  With `context_frames` k, the padding after frame k-1 is bright, marking where the given
  frames end and the generated ones begin."""
  frames = images.to_uint8(videos)
  n, t, h, w, c = frames.shape
  out = np.zeros((n * (h + padding) + padding, t * (w + padding) + padding, c), np.uint8)
  if context_frames:
    left = context_frames * (w + padding)
    out[:, left:left + padding] = 255
  for i in range(n):
    for j in range(t):
      top, left = padding + i * (h + padding), padding + j * (w + padding)
      out[top:top + h, left:left + w] = frames[i, j]
  return out


def save_gif(videos, path: str, rows: int, frame_ms: int = 100) -> None:
  """An animated GIF of videos [N, T, H, W, C] in [-1, 1]: each GIF frame is the grid of
  every video's frame t (`rows` high), looping forever."""
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  t = videos.shape[1]
  grids = [images.make_grid(np.asarray(videos)[:, j], rows) for j in range(t)]
  pictures = [Image.fromarray(g[..., 0] if g.shape[-1] == 1 else g) for g in grids]
  pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=frame_ms, loop=0)
