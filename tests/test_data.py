import hashlib
import struct

import numpy as np
import pytest

from jaxgan.data import pipeline
from jaxgan.data import shipped_mnist
from jaxgan.data import sources
from jaxgan.errors import UserError

# sha256 of the canonical uncompressed train-images-idx3-ubyte (header + pixels).
CANONICAL_TRAIN_IMAGES_IDX_SHA256 = (
    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db")


def test_shipped_mnist_is_the_canonical_mnist():
  arrays = shipped_mnist.load_arrays()
  assert arrays["train_images"].shape == (60000, 28, 28)
  assert arrays["test_images"].shape == (10000, 28, 28)
  assert arrays["train_images"].dtype == np.uint8
  idx = struct.pack(">iiii", 2051, 60000, 28, 28) + arrays["train_images"].tobytes()
  assert hashlib.sha256(idx).hexdigest() == CANONICAL_TRAIN_IMAGES_IDX_SHA256
  # Per-class counts of the canonical splits.
  assert np.bincount(arrays["train_labels"]).tolist() == [
      5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
  assert np.bincount(arrays["test_labels"]).tolist() == [
      980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_tampered_file_fails_its_checksum(tmp_path):
  arrays = shipped_mnist.load_arrays()
  arrays["test_labels"] = arrays["test_labels"].copy()
  arrays["test_labels"][0] ^= 1
  path = tmp_path / "mnist.npz"
  np.savez(path, **arrays)
  with pytest.raises(ValueError, match="test_labels"):
    shipped_mnist.load_arrays(str(path))


def test_tfds_source_reads_back_what_ships(data_dir):
  arrays = shipped_mnist.load_arrays()
  test = sources.load_split("shipped_mnist", "test", data_dir)
  assert test["image"].shape == (10000, 28, 28, 1) and test["image"].dtype == np.uint8
  np.testing.assert_array_equal(test["image"][..., 0], arrays["test_images"])
  np.testing.assert_array_equal(test["label"], arrays["test_labels"])


def test_missing_catalog_dataset_says_how_to_prepare_it(tmp_path):
  with pytest.raises(UserError, match="tfds build cifar10 --file_format=array_record"):
    sources.load_split("cifar10", "train", str(tmp_path))


def _arrays(n=50):
  return {"image": np.arange(n, dtype=np.uint8)[:, None, None, None] * np.ones((1, 2, 2, 1), np.uint8),
          "label": np.arange(n, dtype=np.int32)}


def test_iterator_is_deterministic_scaled_and_covers_each_epoch():
  first = pipeline.BatchIterator(_arrays(), 10, seed=3)
  second = pipeline.BatchIterator(_arrays(), 10, seed=3)
  seen = []
  for _ in range(5):
    a, b = next(first), next(second)
    np.testing.assert_array_equal(a["label"], b["label"])
    assert a["image"].min() >= -1.0 and a["image"].max() <= 1.0
    np.testing.assert_allclose(a["image"][:, 0, 0, 0], a["label"] * 2 / 255 - 1, atol=1e-6)
    seen.extend(a["label"].tolist())
  assert sorted(seen) == list(range(50))
  other_seed = next(pipeline.BatchIterator(_arrays(), 10, seed=4))
  assert not np.array_equal(other_seed["label"], next(pipeline.BatchIterator(_arrays(), 10, 3))["label"])


def test_iterator_resumes_from_its_state():
  reference = pipeline.BatchIterator(_arrays(), 8, seed=0)
  expected = [next(reference)["label"] for _ in range(9)]
  resumed = pipeline.BatchIterator(_arrays(), 8, seed=0)
  for _ in range(4):
    next(resumed)
  restarted = pipeline.BatchIterator(_arrays(), 8, seed=0)
  restarted.set_state(resumed.get_state())
  for want in expected[4:]:
    np.testing.assert_array_equal(next(restarted)["label"], want)


def test_processes_split_each_global_batch():
  whole = next(pipeline.BatchIterator(_arrays(), 12, seed=1))["label"]
  parts = [next(pipeline.BatchIterator(_arrays(), 12, seed=1, process_index=i, process_count=3))
           ["label"] for i in range(3)]
  assert sorted(np.concatenate(parts).tolist()) == sorted(whole.tolist())
