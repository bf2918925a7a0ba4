"""Moving MNIST: deterministic records, digits inside the canvas, bounces, split hygiene."""

import numpy as np
import pytest

from jaxgan.data import moving_mnist as mm
from jaxgan.data import shipped_mnist


@pytest.fixture(scope="module")
def mnist():
  return shipped_mnist.load_arrays()


@pytest.mark.parametrize("name", sorted(mm.VARIANTS))
def test_record_shapes_and_types(name):
  v = mm.VARIANTS[name]
  record = mm.MovingMnistSource(name, "train")[3]
  assert record["frames"].shape == v.frame_shape and record["frames"].dtype == np.uint8
  assert record["labels"].shape == (v.num_digits,) and record["labels"].dtype == np.int32
  assert record["trajectory"].shape == (v.num_frames, v.num_digits, 2)
  assert record["direction"].shape == () and 0 <= record["direction"] < mm.DIRECTIONS
  assert record["directions"][0] == record["direction"]
  assert len(mm.MovingMnistSource(name, "test")) == 10_000


def test_records_are_pure_functions_of_split_index_seed():
  a, b = mm.MovingMnistSource("moving_mnist", "train"), mm.MovingMnistSource("moving_mnist",
                                                                              "train")
  for index in (0, 17, 59_999):
    for key in a[index]:
      np.testing.assert_array_equal(a[index][key], b[index][key])
  # Any order gives the same records; another seed gives other videos.
  batch = a.batch([5, 2])
  np.testing.assert_array_equal(batch["frames"][1], a[2]["frames"])
  other = mm.MovingMnistSource("moving_mnist", "train", seed=1)
  assert not np.array_equal(other[0]["frames"], a[0]["frames"])
  with pytest.raises(IndexError):
    a[60_000]


@pytest.mark.parametrize("name", sorted(mm.VARIANTS))
def test_digits_stay_inside_the_canvas(name):
  v = mm.VARIANTS[name]
  source = mm.MovingMnistSource(name, "test")
  free = v.size - v.digit_size
  for index in range(40):
    record = source[index]
    path = record["trajectory"]
    assert path.min() >= 0.0 and path.max() <= free + 1e-4
    # Every frame shows ink: no digit ever leaves the canvas.
    assert np.all(record["frames"].reshape(v.num_frames, -1).max(-1) > 100)


def test_bounces_reflect_at_the_walls():
  free = 36.0
  positions, velocities = mm.trajectory((1.0, 30.0), (-3.0, 4.0), 4, free)
  # Row: 1 -> -2 reflects to 2; column: 30 -> 34 -> 38 reflects to 34.
  np.testing.assert_allclose(positions[:, 0], [1.0, 2.0, 5.0, 8.0])
  np.testing.assert_allclose(positions[:, 1], [30.0, 34.0, 34.0, 30.0])
  np.testing.assert_allclose(velocities[1], [3.0, 4.0])
  np.testing.assert_allclose(velocities[2], [3.0, -4.0])
  # In generated videos the velocity flips only next to a wall, and the speed never changes.
  source = mm.MovingMnistSource("moving_mnist", "train")
  flips = 0
  for index in range(30):
    path = source[index]["trajectory"].astype(np.float64)  # [T, digits, 2]
    steps = np.diff(path, axis=0)
    speed = np.linalg.norm(steps, axis=-1)
    at_wall = np.minimum(path[1:-1], free - path[1:-1])
    for t, d, axis in zip(*np.nonzero(np.sign(steps[1:]) != np.sign(steps[:-1]))):
      flips += 1
      # The turn happened between t and t+2 within one step of a wall.
      assert min(at_wall[t, d, axis], np.min(np.minimum(path[t:t + 3, d, axis],
                                                        free - path[t:t + 3, d, axis]))) \
          <= mm.STEP_FRACTION * free + 1e-4
    # A step is the full speed unless it bounced (then the straight line is shorter).
    assert np.all(speed <= mm.STEP_FRACTION * free + 1e-4)
    np.testing.assert_allclose(np.median(speed), mm.STEP_FRACTION * free, rtol=1e-4)
  assert flips > 0


def test_train_and_test_videos_use_their_own_split(mnist):
  for split in ("train", "test"):
    record = mm.MovingMnistSource("moving_mnist", split)[7]
    own = mnist[f"{split}_images"][record["digit_index"]]
    np.testing.assert_array_equal(record["labels"],
                                  mnist[f"{split}_labels"][record["digit_index"]])
    rendered = mm.render(own, record["trajectory"])
    np.testing.assert_array_equal(rendered, record["frames"][..., 0])
    other = "test" if split == "train" else "train"
    assert record["digit_index"].max() < len(mnist[f"{split}_images"])
    same_place = mnist[f"{other}_images"][record["digit_index"] % 10_000]
    assert not np.array_equal(mm.render(same_place, record["trajectory"]), rendered)


def test_small_variant_is_the_standard_geometry_at_half_resolution(mnist):
  record = mm.MovingMnistSource("moving_mnist_small", "test")[4]
  full = mm.render(mnist["test_images"][record["digit_index"]], record["trajectory"] * 2)
  pooled = full.reshape(16, 32, 2, 32, 2).astype(np.float64).mean(axis=(2, 4))
  np.testing.assert_allclose(record["frames"][..., 0], pooled, atol=0.5 + 1e-9)


def test_direction_bins():
  assert [mm.direction_bin(v) for v in ((0, 1), (1, 1), (1, 0), (0, -1), (-1, 0))] == \
      [0, 1, 2, 4, 6]


def test_unknown_names_fail():
  with pytest.raises(ValueError, match="variants"):
    mm.MovingMnistSource("moving_cifar", "train")
  with pytest.raises(ValueError, match="splits"):
    mm.MovingMnistSource("moving_mnist", "validation")
