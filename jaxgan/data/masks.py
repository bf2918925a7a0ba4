"""Inpainting masks, drawn on the host from a numpy Generator: 1 marks the hole.

  centre   the central box of side `fraction` of the image (the context encoder's setting,
           Pathak et al. 2016: a 64x64 hole in a 128x128 image, fraction 1/2)
  boxes    1 to `max_boxes` axis-aligned boxes, sides uniform in [min_side, max_side]
  strokes  free-form brush strokes: random walks of line segments drawn with a round brush
           (the irregular holes of Yu et al. 2019 / Liu et al. 2018)

Each returns bool [H, W]; `make(kind, rng, h, w)` picks one by name. The same Generator
state gives the same mask, so a dataset record's mask is a function of its index.
"""

import numpy as np

KINDS = ("centre", "boxes", "strokes")


def centre(height: int, width: int, fraction: float = 0.5) -> np.ndarray:
  mask = np.zeros((height, width), bool)
  bh, bw = round(height * fraction), round(width * fraction)
  top, left = (height - bh) // 2, (width - bw) // 2
  mask[top:top + bh, left:left + bw] = True
  return mask


def box_list(rng: np.random.Generator, height: int, width: int, max_boxes: int = 3,
             min_side: int = 0, max_side: int = 0) -> list[tuple[int, int, int, int]]:
  """[(top, left, box_height, box_width)], inside the image; sides default to 1/4-1/2."""
  min_side = min_side or max(1, min(height, width) // 4)
  max_side = max_side or max(min_side, min(height, width) // 2)
  boxes = []
  for _ in range(rng.integers(1, max_boxes + 1)):
    bh, bw = rng.integers(min_side, max_side + 1, size=2)
    top, left = rng.integers(0, height - bh + 1), rng.integers(0, width - bw + 1)
    boxes.append((int(top), int(left), int(bh), int(bw)))
  return boxes


def draw_boxes(boxes, height: int, width: int) -> np.ndarray:
  mask = np.zeros((height, width), bool)
  for top, left, bh, bw in boxes:
    mask[top:top + bh, left:left + bw] = True
  return mask


def boxes(rng, height: int, width: int, **kwargs) -> np.ndarray:
  return draw_boxes(box_list(rng, height, width, **kwargs), height, width)


def stroke_list(rng: np.random.Generator, height: int, width: int, max_strokes: int = 3,
                max_vertices: int = 5) -> list[np.ndarray]:
  """Polylines [(row, col) float vertices]: start anywhere, then steps of random angle and a
  length up to half the image side, clipped to the image."""
  strokes, side = [], min(height, width)
  for _ in range(rng.integers(1, max_strokes + 1)):
    point = rng.uniform([0, 0], [height - 1, width - 1])
    vertices = [point]
    for _ in range(rng.integers(1, max_vertices + 1)):
      angle, length = rng.uniform(0, 2 * np.pi), rng.uniform(side / 8, side / 2)
      point = np.clip(point + length * np.array([np.sin(angle), np.cos(angle)]),
                      [0, 0], [height - 1, width - 1])
      vertices.append(point)
    strokes.append(np.array(vertices))
  return strokes


def draw_strokes(strokes, brush_width: float, height: int, width: int) -> np.ndarray:
  """Pixels whose centre lies within brush_width / 2 of a segment of any polyline."""
  rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
  pixels = np.stack([rows, cols], -1)
  mask = np.zeros((height, width), bool)
  for vertices in strokes:
    vertices = np.asarray(vertices, np.float64)
    if len(vertices) == 1:
      vertices = np.concatenate([vertices, vertices])
    for start, end in zip(vertices[:-1], vertices[1:]):
      direction = end - start
      length_sq = float(direction @ direction)
      t = 0.0 if length_sq == 0 else np.clip(((pixels - start) @ direction) / length_sq, 0, 1)
      nearest = start + np.asarray(t)[..., None] * direction
      mask |= np.sum(np.square(pixels - nearest), -1) <= (brush_width / 2) ** 2
  return mask


def strokes(rng, height: int, width: int, brush_width: float = 0.0, **kwargs) -> np.ndarray:
  brush_width = brush_width or max(2.0, min(height, width) / 8)
  return draw_strokes(stroke_list(rng, height, width, **kwargs), brush_width, height, width)


def make(kind: str, rng: np.random.Generator, height: int, width: int) -> np.ndarray:
  if kind == "centre":
    return centre(height, width)
  if kind == "boxes":
    return boxes(rng, height, width)
  if kind == "strokes":
    return strokes(rng, height, width)
  raise ValueError(f"mask kind must be one of {KINDS}, got {kind!r}")
