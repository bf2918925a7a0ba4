"""The image-folder command: class folders, flat folders, pairs, each bad input's one line, and
a tiny training run on what it writes."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from jaxgan import train
from jaxgan.data import image_folder
from jaxgan.data import sources
from jaxgan.errors import UserError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _png(path, size=(40, 30), value=None, seed=0):
  os.makedirs(os.path.dirname(path), exist_ok=True)
  rng = np.random.default_rng(seed)
  pixels = (np.full((size[1], size[0], 3), value, np.uint8) if value is not None
            else rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
  Image.fromarray(pixels).save(path)


def _options(**kwargs):
  return image_folder.Options(**{"size": 16, "channels": 3, "test_fraction": 0.25, **kwargs})


def test_class_subfolders_become_sorted_labels_and_junk_is_skipped(tmp_path):
  for c, name in enumerate(["zebra", "ant", "moth"]):
    for i in range(8):
      _png(str(tmp_path / "src" / name / f"{i}.png"), value=30 * c + i)
  (tmp_path / "src" / "ant" / "readme.txt").write_text("not an image")
  summary = image_folder.convert(str(tmp_path / "src"), "bugs", _options(),
                                 str(tmp_path / "data"))
  assert summary["classes"] == ["ant", "moth", "zebra"]
  assert summary["skipped"] == [os.path.join("ant", "readme.txt")]
  assert sum(summary["counts"].values()) == 24 and summary["counts"]["test"] > 0
  train_split = sources.open("bugs", "train", str(tmp_path / "data"))
  batch = train_split.batch(np.arange(len(train_split)))
  assert batch["image"].shape[1:] == (16, 16, 3) and batch["image"].dtype == np.uint8
  # Solid colours survive resize + crop; sorted names: ant=0, moth=1, zebra=2.
  expected = {0: 30, 1: 60, 2: 0}   # Folders zebra, ant, moth were filled with 0.., 30.., 60..
  for image, label in zip(batch["image"], batch["label"]):
    assert expected[int(label)] <= image[0, 0, 0] < expected[int(label)] + 8
  again = image_folder.convert(str(tmp_path / "src"), "bugs2", _options(), str(tmp_path / "data"))
  assert again["counts"] == summary["counts"]   # The split is a function of the paths.


def test_flat_folder_has_no_label_resizes_shorter_side_and_crops_the_centre(tmp_path):
  pixels = np.zeros((20, 40, 3), np.uint8)
  pixels[:, 10:30] = 255   # The centre square of a 40x20 image is white.
  os.makedirs(tmp_path / "flat")
  Image.fromarray(pixels).save(tmp_path / "flat" / "a.png")
  Image.fromarray(pixels).save(tmp_path / "flat" / "b.webp", lossless=True)
  Image.fromarray(pixels).convert("RGB").save(tmp_path / "flat" / "c.jpg", quality=100)
  summary = image_folder.convert(str(tmp_path / "flat"), "flat", _options(size=10, channels=1,
                                 test_fraction=0.0), str(tmp_path / "data"))
  assert summary["counts"] == {"train": 3} and not summary["classes"]
  record = sources.open("flat", "train", str(tmp_path / "data"))[0]
  assert set(record) == {"image"} and record["image"].shape == (10, 10, 1)
  assert record["image"][1:-1, 1:-1].min() > 240


def test_paired_folders_write_source_and_target(tmp_path):
  for i in range(6):
    _png(str(tmp_path / "a" / f"{i}.png"), value=i)
    _png(str(tmp_path / "b" / f"{i}.jpg"), value=100 + i)
  image_folder.convert(str(tmp_path / "a"), "pairs", _options(test_fraction=0.0),
                       str(tmp_path / "data"), paired_with=str(tmp_path / "b"))
  source = sources.open("pairs", "train", str(tmp_path / "data"))
  batch = source.batch(np.arange(6))
  assert set(batch) == {"source", "target"}
  np.testing.assert_allclose(batch["target"][:, 0, 0, 0].astype(int) - batch["source"][:, 0, 0, 0],
                             100, atol=3)  # JPEG is lossy.


def _error(tmp_path, src, **kwargs):
  paired = kwargs.pop("paired_with", "")
  with pytest.raises(UserError) as error:
    image_folder.convert(str(src), "bad", _options(**kwargs), str(tmp_path / "data"),
                         paired_with=str(paired) if paired else "")
  return str(error.value)


def test_bad_inputs_are_one_line_each(tmp_path):
  os.makedirs(tmp_path / "empty")
  assert "is empty" in _error(tmp_path, tmp_path / "empty")
  os.makedirs(tmp_path / "junk")
  (tmp_path / "junk" / "a.txt").write_text("x")
  assert "no PNG/JPEG/WebP image" in _error(tmp_path, tmp_path / "junk")
  _png(str(tmp_path / "small" / "a.png"), size=(8, 12))
  message = _error(tmp_path, tmp_path / "small")
  assert "is 8x12, smaller than --size=16; pass --small=upscale" in message
  for i in range(3):
    _png(str(tmp_path / "pa" / f"{i}.png"))
  _png(str(tmp_path / "pb" / "0.png"))
  _png(str(tmp_path / "pb" / "1.png"), size=(41, 30))
  assert "has no partner of the same name" in _error(tmp_path, tmp_path / "pa",
                                                     paired_with=tmp_path / "pb")
  _png(str(tmp_path / "pb" / "2.png"))
  assert "must be the same size" in _error(tmp_path, tmp_path / "pa",
                                          paired_with=tmp_path / "pb")
  for message in (_error(tmp_path, tmp_path / "empty"), message):
    assert "\n" not in message


def test_small_images_can_be_upscaled_or_skipped(tmp_path):
  _png(str(tmp_path / "src" / "small.png"), size=(8, 12))
  _png(str(tmp_path / "src" / "big.png"), size=(40, 30))
  up = image_folder.convert(str(tmp_path / "src"), "up", _options(small="upscale",
                            test_fraction=0.0), str(tmp_path / "data"))
  skip = image_folder.convert(str(tmp_path / "src"), "skip", _options(small="skip",
                              test_fraction=0.0), str(tmp_path / "data"))
  assert up["counts"] == {"train": 2} and skip["counts"] == {"train": 1}
  assert skip["skipped"] == ["small.png"]


def test_command_line_prints_how_to_train_and_bad_input_is_one_line(tmp_path):
  for i in range(4):
    _png(str(tmp_path / "src" / f"{i}.png"))
  env = {**os.environ, "JAXGAN_DATA_DIR": str(tmp_path / "data")}
  command = [sys.executable, "-m", "jaxgan.data.image_folder", str(tmp_path / "src"),
             "--name=mine", "--size=16"]
  done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
  assert done.returncode == 0, done.stderr
  assert "--config.data.name=mine '--config.data.image_shape=(16,16,3)'" in done.stdout
  again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
  assert again.returncode == 1
  assert again.stderr.strip().count("\n") == 0 and "pass --overwrite" in again.stderr


def test_a_tiny_run_trains_on_a_folder_dataset_and_a_too_small_one_is_one_line(tiny_config,
                                                                                tmp_path):
  for i in range(40):
    _png(str(tmp_path / "src" / f"{i:02d}.png"), seed=i)
  image_folder.convert(str(tmp_path / "src"), "tiny_folder",
                       _options(size=28, channels=1, test_fraction=0.0), str(tmp_path / "data"))
  config = tiny_config
  config.data.name, config.data.data_dir = "tiny_folder", str(tmp_path / "data")
  metrics = train.train_and_evaluate(config, str(tmp_path / "run"))
  assert np.isfinite(metrics["d_loss"])
  config.batch_size = 64
  with pytest.raises(UserError, match="has 40 examples, fewer than one global batch"):
    train.train_and_evaluate(config, str(tmp_path / "run64"))


def test_a_folder_of_thousands_of_pngs_trains_and_evaluates_with_random_cnn(tiny_config,
                                                                           tmp_path):
  # Two classes that a feature network can tell apart: dark and bright noise.
  rng = np.random.default_rng(0)
  for i in range(2000):
    label = i % 2
    pixels = rng.integers(0, 128, (28, 28), dtype=np.uint8) + 127 * label
    path = tmp_path / "src" / ("bright" if label else "dark") / f"{i:04d}.png"
    os.makedirs(path.parent, exist_ok=True)
    Image.fromarray(pixels).save(path)
  image_folder.convert(str(tmp_path / "src"), "many_pngs",
                       _options(size=28, channels=1, test_fraction=0.1), str(tmp_path / "data"))
  assert len(sources.open("many_pngs", "train", str(tmp_path / "data"))) + len(
      sources.open("many_pngs", "test", str(tmp_path / "data"))) == 2000
  config = tiny_config
  config.data.name, config.data.data_dir = "many_pngs", str(tmp_path / "data")
  config.eval.feature_network = "random-cnn"
  config.eval.metrics = ("fid", "kid")
  config.eval.num_samples, config.eval.batch_size = 200, 100
  config.eval.kid_subsets, config.eval.kid_subset_size = 5, 100
  workdir = str(tmp_path / "run")
  train.train_and_evaluate(config, workdir)
  results = train.evaluate(config, workdir)
  for generator in ("raw", "ema"):
    assert np.isfinite(results[f"fid[random-cnn]/{generator}"])
    assert results[f"fid[random-cnn]/{generator}"] > 0
  assert os.path.exists(os.path.join(workdir, f"eval_{results['step']:08d}.json"))


def _labels_by_value(name, data_dir):
  source = sources.open(name, "train", data_dir)
  batch = source.batch(np.arange(len(source)))
  return {int(image[0, 0, 0]): int(label) for image, label in zip(batch["image"], batch["label"])}


def test_a_failed_overwrite_keeps_the_old_dataset_and_a_good_one_swaps_it(tmp_path,
                                                                         monkeypatch):
  for i in range(4):
    _png(str(tmp_path / "src" / f"{i}.png"), value=10)
  data = str(tmp_path / "data")
  first = image_folder.convert(str(tmp_path / "src"), "mine", _options(test_fraction=0.0), data)
  for i in range(4):
    _png(str(tmp_path / "src" / f"{i}.png"), value=200)

  def full_disk(*args, **kwargs):
    raise RuntimeError("write() failed: No space left on device")
  monkeypatch.setattr(image_folder, "_write_split", full_disk)
  with pytest.raises(UserError, match="failed .*No space left.*existing dataset is unchanged"):
    image_folder.convert(str(tmp_path / "src"), "mine", _options(test_fraction=0.0), data,
                         overwrite=True)
  assert sources.open("mine", "train", data)[0]["image"][0, 0, 0] == 10
  monkeypatch.undo()
  image_folder.convert(str(tmp_path / "src"), "mine", _options(test_fraction=0.0), data,
                       overwrite=True)
  assert sources.open("mine", "train", data)[0]["image"][0, 0, 0] == 200
  assert sorted(os.listdir(data)) == [".mine.lock", "mine"] and first["path"]


def test_a_second_writer_is_refused_and_killed_writers_staging_is_removed(tmp_path):
  from jaxgan.data import staging
  data = str(tmp_path / "data")
  os.makedirs(data)
  dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                        capture_output=True, text=True).stdout.split()[0]
  leftover = tmp_path / "data" / ".mine-staging-abc"
  os.makedirs(leftover)
  (leftover / staging.OWNER_FILE).write_text(f"{__import__('socket').gethostname()} {dead}\n")
  for i in range(2):
    _png(str(tmp_path / "src" / f"{i}.png"))
  with staging.writer(data, "mine"):
    assert not leftover.exists()
    with pytest.raises(UserError, match="another process is writing dataset 'mine'"):
      image_folder.convert(str(tmp_path / "src"), "mine", _options(test_fraction=0.0), data)


def test_sixteen_bit_exif_alpha_and_odd_names_convert_as_seen(tmp_path):
  src = tmp_path / "src"
  os.makedirs(src)
  Image.fromarray(np.full((20, 20), 32768, np.uint16)).save(src / "deep.png")
  upright = np.zeros((20, 30, 3), np.uint8)   # Landscape, stored as portrait + Orientation 6.
  upright[:, :15] = 255
  exif = Image.Exif()
  exif[0x0112] = 6
  Image.fromarray(np.rot90(upright, 1).copy()).save(src / "phone.jpg", exif=exif, quality=100)
  rgba = np.zeros((20, 20, 4), np.uint8)
  rgba[..., :3] = 200   # Hidden colour under fully transparent pixels.
  Image.fromarray(rgba, "RGBA").save(src / "clear.png")
  os.rename(src / "clear.png", os.fsdecode(bytes(src / "caf") + b"\xe9\n.png"))
  summary = image_folder.convert(str(src), "odd", _options(test_fraction=0.0, size=10), str(
      tmp_path / "data"))
  assert summary["counts"] == {"train": 3} and summary["transparent"] == 1
  images = sources.open("odd", "train", str(tmp_path / "data")).batch(np.arange(3))["image"]
  by_name = dict(zip(sorted(os.listdir(src)), images))   # Written in path order.
  assert 126 <= by_name["deep.png"].min() <= by_name["deep.png"].max() <= 129
  phone = by_name["phone.jpg"][..., 0].astype(int)
  assert phone[:, :3].mean() > 200 and phone[:, -3:].mean() < 50   # White left half, upright.
  assert by_name[os.fsdecode(b"caf\xe9\n.png")].max() == 0          # Onto black.
  printed = image_folder.summary_lines(summary)
  assert "composited onto black" in printed and len(printed.splitlines()) == 2


def test_empty_and_macosx_folders_are_no_class_and_train_test_folders_are_the_split(tmp_path):
  src = tmp_path / "src"
  for c, name in enumerate(["a", "c"]):
    for i in range(3):
      _png(str(src / name / f"{i}.png"), value=50 * c)
  os.makedirs(src / "b_empty")
  _png(str(src / "__MACOSX" / "a" / "._0.png"), value=99)
  (src / "d_junk").mkdir()
  (src / "d_junk" / "notes.txt").write_text("x")
  summary = image_folder.convert(str(src), "cls", _options(test_fraction=0.0), str(tmp_path))
  assert summary["classes"] == ["a", "c"] and set(summary["ignored"]) == {"b_empty", "d_junk"}
  assert _labels_by_value("cls", str(tmp_path)) == {0: 0, 50: 1}
  split = tmp_path / "split"
  for part, count in (("train", 4), ("test", 2)):
    for c, name in enumerate(["cat", "dog"]):
      for i in range(count):
        _png(str(split / part / name / f"{i}.png"), value=50 * c)
  summary = image_folder.convert(str(split), "pre", _options(), str(tmp_path))
  assert summary["presplit"] and summary["classes"] == ["cat", "dog"]
  assert summary["counts"] == {"train": 8, "test": 4}
  os.makedirs(split / "val" / "cat")
  _png(str(split / "val" / "cat" / "0.png"))
  with pytest.raises(UserError, match="merge the others into train/ or test/"):
    image_folder.convert(str(split), "pre2", _options(), str(tmp_path))
