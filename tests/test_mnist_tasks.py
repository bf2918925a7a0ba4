"""The generated image-to-image MNIST tasks: records are functions of (split, index), holes are
where the masks say, edges lie outside the digit, the two domains share no digit."""

import numpy as np
import pytest

from jaxgan.data import mnist_tasks
from jaxgan.data import shipped_mnist
from jaxgan.data import sources


@pytest.mark.parametrize("name", sorted(mnist_tasks.SOURCES))
def test_records_are_a_function_of_split_and_index_and_registered(name):
  source = sources.open(name, "test")
  again = mnist_tasks.SOURCES[name]("test")
  for index in (0, 7, len(source) - 1):
    first, second = source[index], again[index]
    assert sorted(first) == sorted(mnist_tasks.features(name.removeprefix("mnist_")))
    for feature, (shape, dtype) in mnist_tasks.features(name.removeprefix("mnist_")).items():
      assert first[feature].shape == shape and first[feature].dtype == dtype
      np.testing.assert_array_equal(first[feature], second[feature])
  batch = source.batch(np.array([3, 1]))
  np.testing.assert_array_equal(batch[sorted(batch)[0]][1], source[1][sorted(batch)[0]])


@pytest.mark.parametrize("kind", ["centre", "boxes", "strokes"])
def test_inpainting_holes_are_grey_where_the_mask_is_and_the_digit_elsewhere(kind):
  source = mnist_tasks.SOURCES[f"mnist_inpaint_{kind}"]("train")
  for index in range(5):
    record = source[index]
    hole = record["mask"][..., 0] == 255
    assert ((record["mask"] == 0) | (record["mask"] == 255)).all()
    assert hole.any() and not hole.all()
    assert (record["source"][..., 0][hole] == mnist_tasks.HOLE_VALUE).all()
    np.testing.assert_array_equal(record["source"][~hole], record["target"][~hole])
  masks_of = [source[i]["mask"] for i in range(3)]
  assert kind == "centre" or not np.array_equal(masks_of[0], masks_of[1])


def test_edges_are_the_contour_outside_the_digit():
  source = mnist_tasks.SOURCES["mnist_edges2digit"]("test")
  record = source[0]
  edge, digit = record["source"][..., 0] > 0, record["target"][..., 0] > 127
  assert edge.any() and not (edge & digit).any()
  digit_neighbourhood = np.zeros_like(digit)
  for dr in (-1, 0, 1):
    for dc in (-1, 0, 1):
      digit_neighbourhood |= np.roll(np.roll(digit, dr, 0), dc, 1)
  assert (edge <= digit_neighbourhood).all()


def test_unpaired_domains_split_mnist_in_two_halves():
  mnist = shipped_mnist.load_arrays()
  grey = mnist_tasks.SOURCES["mnist_grey3"]("test")
  colour = mnist_tasks.SOURCES["mnist_colour"]("test")
  assert len(grey) == len(colour) == 5000
  np.testing.assert_array_equal(grey[0]["image"][..., 0], mnist["test_images"][0])
  np.testing.assert_array_equal(grey[0]["image"][..., 0], grey[0]["image"][..., 2])
  # Colour record 0 is MNIST test digit 5000, tinted: its brightest channel is the digit.
  np.testing.assert_allclose(colour[0]["image"].max(-1), mnist["test_images"][5000], atol=1)
  assert colour[0]["label"] == mnist["test_labels"][5000]
  hues = {tuple(colour[i]["image"].reshape(-1, 3).max(0) > 128) for i in range(20)}
  assert len(hues) > 2                 # Different records, different colours.
