"""benchmarks/mode_histogram.py draws the Stacked MNIST mode histogram it is given."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))
import mode_histogram  # pylint: disable=wrong-import-position


def test_bars_are_sorted_counts_over_the_uniform_line():
  histogram = np.full(1000, 10)
  histogram[7], histogram[999] = 30, 20                     # 3x and 2x the uniform 10
  histogram[[1, 2, 500]] = 0                                # three empty modes: 10,000 in all
  picture = mode_histogram.draw(histogram, height=61)       # 3x uniform fills 60 rows.
  assert picture.shape == (61, 1000, 3) and picture.dtype == np.uint8
  white = (picture == 255).all(-1)
  red = (picture == (255, 0, 0)).all(-1)
  heights = white.sum(0) + red.sum(0)
  assert heights[0] == 60 and heights[1] == 40 and heights[2] == 21   # 30, 20, 10 (+ the red line)
  assert heights[-1] == 1 and red[:, -1].sum() == 1         # an empty mode: only the red line
  assert red.sum(1).max() == 1000 and np.argmax(red.sum(1)) == 60 - 20   # the uniform count
