import builtins
import glob
import hashlib
import os
import shutil
import struct

import numpy as np
import pytest

import json

from jaxgan.data import pipeline
from jaxgan.data import records
from jaxgan.data import shipped_mnist
from jaxgan.data import sources
from jaxgan.data import spec
from jaxgan.data import stacked_mnist
from jaxgan.data import synthetic
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
  source = sources.open("shipped_mnist", "test", data_dir)
  test = source.batch(np.arange(len(source)))
  assert test["image"].shape == (10000, 28, 28, 1) and test["image"].dtype == np.uint8
  np.testing.assert_array_equal(test["image"][..., 0], arrays["test_images"])
  np.testing.assert_array_equal(test["label"], arrays["test_labels"])
  loaded = sources.load_split("shipped_mnist", "test", data_dir)
  np.testing.assert_array_equal(loaded["image"], test["image"])
  np.testing.assert_array_equal(loaded["label"], test["label"])


def test_missing_catalog_dataset_says_how_to_prepare_it(tmp_path):
  with pytest.raises(UserError, match="tfds build cifar10 --file_format=array_record"):
    sources.load_split("cifar10", "train", str(tmp_path))


def _stream(n=50, batch=10, name="toy", shape=(2, 2, 1)):
  del n
  features = {"image": spec.Feature(shape), "label": spec.Feature((), "int32")}
  return spec.Stream(name, "train", features, batch)


def _source(n=50):
  image = np.arange(n, dtype=np.uint8)[:, None, None, None] * np.ones((1, 2, 2, 1), np.uint8)
  return records.ArraySource({"image": image, "label": np.arange(n, dtype=np.int64)})


def _iterator(batch=10, seed=3, n=50, **kwargs):
  return pipeline.StreamIterator(_stream(n, batch), _source(n), seed, **kwargs)


def test_iterator_is_deterministic_scaled_and_covers_each_epoch():
  first, second = _iterator(), _iterator()
  epochs = []
  for _ in range(3):
    seen = []
    for _ in range(5):
      a, b = next(first), next(second)
      np.testing.assert_array_equal(a["label"], b["label"])
      assert a["image"].dtype == np.float32 and a["label"].dtype == np.int32
      np.testing.assert_allclose(a["image"][:, 0, 0, 0], a["label"] * 2 / 255 - 1, atol=1e-6)
      seen.append(a["label"])
    assert sorted(np.concatenate(seen).tolist()) == list(range(50))
    epochs.append(np.concatenate(seen))
  assert not np.array_equal(epochs[0], epochs[1])  # Each epoch its own order.
  assert not np.array_equal(next(_iterator(seed=4))["label"], next(_iterator(seed=3))["label"])


def test_the_remainder_of_an_epoch_is_dropped():
  iterator = _iterator(batch=16, n=50)   # 3 batches an epoch; 2 examples left out each.
  assert iterator.batches_per_epoch == 3
  epoch = np.concatenate([next(iterator)["label"] for _ in range(3)])
  assert len(set(epoch.tolist())) == 48


def test_state_round_trips_through_json_mid_epoch_and_across_epochs():
  reference = _iterator(batch=8)
  expected = [next(reference)["label"] for _ in range(20)]   # 6 batches an epoch: 3+ epochs.
  for stop in (4, 6, 13):
    resumed = _iterator(batch=8)
    for _ in range(stop):
      next(resumed)
    state = json.loads(json.dumps(resumed.get_state()))
    assert state["position"] == stop and state["global_batch_size"] == 8
    restarted = _iterator(batch=8)
    restarted.set_state(state)
    for want in expected[stop:]:
      np.testing.assert_array_equal(next(restarted)["label"], want)


def test_processes_split_each_global_batch():
  whole = _iterator(batch=12, seed=1)
  parts = [_iterator(batch=12, seed=1, process_index=i, process_count=3) for i in range(3)]
  for _ in range(6):  # Across an epoch boundary (4 batches an epoch).
    local = [next(p)["label"] for p in parts]
    assert all(len(x) == 4 for x in local)
    assert sorted(np.concatenate(local).tolist()) == sorted(next(whole)["label"].tolist())


def test_bad_shapes_missing_features_and_small_datasets_are_one_line():
  with pytest.raises(UserError, match=r"config.data.image_shape=\(3, 3, 1\) but toy images are "
                                      r"\(2, 2, 1\); set it to match"):
    pipeline.StreamIterator(_stream(shape=(3, 3, 1)), _source(), 0)
  stream = spec.Stream("toy", "train", {"image": spec.Feature((2, 2, 1)),
                                        "frames": spec.Feature((4, 2, 2, 1))}, 10)
  with pytest.raises(UserError,
                     match=r"no feature 'frames': its features are \['image', 'label'\]"):
    pipeline.StreamIterator(stream, _source(), 0)
  with pytest.raises(UserError, match="has 50 examples, fewer than one global batch \\(64\\)"):
    pipeline.StreamIterator(_stream(batch=64), _source(), 0)


def test_make_iterator_reads_shipped_mnist_streamed_or_cached_alike(data_dir):
  stream = spec.Stream("shipped_mnist", "test", {"image": spec.Feature((28, 28, 1)),
                                                 "label": spec.Feature((), "int64")}, 32, data_dir)
  cached = pipeline.make_iterator(stream, 5, cache=True)
  streamed = pipeline.make_iterator(stream, 5, cache=False)
  for _ in range(3):
    a, b = next(cached), next(streamed)
    np.testing.assert_array_equal(a["image"], b["image"])
    np.testing.assert_array_equal(a["label"], b["label"])
  with pytest.raises(UserError, match=r"shipped_mnist images are \(28, 28, 1\)"):
    pipeline.make_iterator(spec.Stream("shipped_mnist", "test",
                                       {"image": spec.Feature((32, 32, 3))}, 32), 0)


def test_generated_sources_are_pure_functions_of_the_index():
  for name in ("ring8", "grid25", "stacked_mnist"):
    source = sources.open(name, "test")
    batch = source.batch([7, 3, 7])
    np.testing.assert_array_equal(batch["image"][0], batch["image"][2])
    np.testing.assert_array_equal(sources.open(name, "test")[3]["image"], batch["image"][1])
    assert not np.array_equal(source[0]["image"], source[1]["image"])
    assert not np.array_equal(source[0]["image"], sources.open(name, "train")[0]["image"])
  ring = synthetic.MIXTURES["ring8"]
  points = sources.open("ring8", "train").batch(np.arange(4000))["image"].reshape(-1, 2)
  nearest = np.linalg.norm(points[:, None] - ring.centres[None], axis=-1).min(axis=1)
  assert np.all(nearest < 6 * ring.std)
  counts = np.bincount(np.argmin(np.linalg.norm(points[:, None] - ring.centres[None], axis=-1),
                                 axis=1), minlength=8)
  assert counts.min() > 400   # About 500 per mode.
  assert len(sources.open("stacked_mnist", "train")) == 60000
  np.testing.assert_array_equal(stacked_mnist.load("test")["image"][5],
                                sources.open("stacked_mnist", "test")[5]["image"])


def test_dict_factories_are_wrapped_as_array_sources(monkeypatch):
  monkeypatch.setitem(sources.GENERATED, "toy_table",
                      lambda split: {"image": np.zeros((20, 2, 2, 1), np.uint8)})
  source = sources.open("toy_table", "train")
  assert isinstance(source, records.ArraySource) and len(source) == 20
  assert source.batch([1, 2])["image"].shape == (2, 2, 2, 1)


def test_load_split_refuses_big_splits(monkeypatch):
  monkeypatch.setattr(sources, "LOAD_SPLIT_MAX_BYTES", 1000)
  with pytest.raises(UserError, match="stream it"):
    sources.load_split("ring8", "test")


def test_unknown_name_is_not_sent_to_tfds_build(tmp_path):
  with pytest.raises(UserError) as error:
    sources.open("nosuchdata", "train", str(tmp_path))
  message = str(error.value)
  assert "tfds build" not in message and "is no dataset" in message
  assert "shipped_mnist" in message and "ring8" in message


def test_data_dir_that_is_a_file_or_read_only_is_one_line(tmp_path, monkeypatch):
  a_file = tmp_path / "file"
  a_file.write_text("x")
  monkeypatch.setenv("JAXGAN_DATA_DIR", str(a_file))
  with pytest.raises(UserError, match="JAXGAN_DATA_DIR=.* is a file, not a directory"):
    sources.open("shipped_mnist", "train")
  read_only = tmp_path / "ro"
  read_only.mkdir()
  read_only.chmod(0o555)
  monkeypatch.setenv("JAXGAN_DATA_DIR", str(read_only))
  try:
    if os.access(read_only, os.W_OK):
      pytest.skip("running as a user who can write anywhere (root)")
    with pytest.raises(UserError, match="is not writable"):
      sources.open("shipped_mnist", "train")
  finally:
    read_only.chmod(0o755)


def test_corrupt_prepared_dataset_says_delete_and_prepare_again(data_dir, tmp_path):
  copy = tmp_path / "data"
  shutil.copytree(os.path.join(data_dir, "shipped_mnist"), copy / "shipped_mnist")
  for shard in glob.glob(str(copy / "shipped_mnist" / "*" / "*test.array_record*")):
    with builtins.open(shard, "r+b") as f:
      f.seek(100)
      f.write(b"\xff" * 4096)
  with pytest.raises(UserError, match=r"prepared dataset shipped_mnist in .*shipped_mnist.* "
                                      r"cannot be read .*delete that folder and prepare it "
                                      r"again"):
    source = sources.open("shipped_mnist", "test", str(copy))
    source.batch(np.arange(len(source)))
  stream = spec.Stream("shipped_mnist", "test", {"image": spec.Feature((28, 28, 1))}, 5000,
                       str(copy))
  with pytest.raises(UserError, match="delete that folder and prepare it again"):
    iterator = pipeline.make_iterator(stream, 0, cache=False)
    next(iterator)
    next(iterator)   # Read in a grain thread: the error still arrives as itself.


def test_a_label_without_a_class_is_refused_in_one_line_cached_or_streamed(data_dir):
  stream = spec.Stream("shipped_mnist", "test",
                       {"label": spec.Feature((), "int64", below=5)}, 32, data_dir)
  message = r"config.model.num_classes=5 but shipped_mnist .* has label 9; set " \
            r"--config.model.num_classes=10"
  with pytest.raises(UserError, match=message):
    pipeline.make_iterator(stream, 0, cache=True)
  streamed = pipeline.make_iterator(stream, 0, cache=False)
  with pytest.raises(UserError, match=message):
    for _ in range(20):
      next(streamed)


def test_an_empty_jaxgan_data_dir_is_refused_in_one_line(monkeypatch):
  monkeypatch.setenv("JAXGAN_DATA_DIR", "")
  with pytest.raises(UserError, match="JAXGAN_DATA_DIR is set but empty"):
    sources.data_dir()
