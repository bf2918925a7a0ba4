"""python -m jaxgan.score: the same numbers from a folder and an array of the same images, from
a workdir and --mode=eval, from saved statistics and their dataset; one-line refusals."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from experiments import tiny
from jaxgan import images
from jaxgan import train
from jaxgan.data import sources
from jaxgan.errors import UserError
from jaxgan.metrics import network_choice
from jaxgan.score import inputs
from jaxgan.score import score

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAST = dict(kid_subsets=3, kid_subset_size=100)


@pytest.fixture(scope="module")
def test_images():
  return sources.load_split("shipped_mnist", "test")["image"][:300]


def test_folder_npy_and_npz_of_the_same_images_give_the_same_numbers(test_images, tmp_path):
  folder = tmp_path / "folder"
  images.write_folder(test_images.astype(np.float32) / 127.5 - 1.0, str(folder), 10)
  os.remove(folder / "grid.png")
  np.save(tmp_path / "a.npy", test_images)
  np.savez(tmp_path / "a.npz", images=test_images, labels=np.zeros(300))
  common = dict(metrics=("fid", "kid", "pr"), num_b=300, cache_dir=str(tmp_path / "cache"),
                floor=False, **FAST)
  results = [score(spec, "shipped_mnist:train", **common)
             for spec in (str(folder), str(tmp_path / "a.npy"), f"{tmp_path}/a.npz:images")]
  for other in results[1:]:
    for key in ("fid[lenet-mnist]", "kid[lenet-mnist]", "precision[lenet-mnist]",
                "recall[lenet-mnist]"):
      assert other[key] == pytest.approx(results[0][key], rel=1e-9, abs=1e-12), key
  assert results[0]["num_samples/generated"] == 300
  assert results[0]["num_samples/reference"] == 300


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed])
def test_an_npz_member_is_read_a_batch_at_a_time(test_images, tmp_path, save):
  floats = test_images[:50].astype(np.float32) / 127.5 - 1.0
  save(tmp_path / "a.npz", images=floats, labels=np.zeros(50))
  array, _ = inputs._load_array(f"{tmp_path}/a.npz:images")   # pylint: disable=protected-access
  assert isinstance(array, inputs.NpzRows) and array.shape == floats.shape
  np.testing.assert_array_equal(array[10:30], floats[10:30])
  np.testing.assert_array_equal(array[45:60], floats[45:])     # Clipped at the end, as numpy.
  np.testing.assert_array_equal(array[0:5], floats[:5])        # Backwards: reread.
  opened = inputs.open_array(f"{tmp_path}/a.npz:images", num=25, batch_size=10)
  assert opened.count == 25
  np.testing.assert_allclose(opened.batch(2, 10)[0], floats[20:25], atol=1e-6)


def test_saved_statistics_score_like_their_dataset(test_images, tmp_path):
  np.save(tmp_path / "a.npy", test_images)
  common = dict(metrics=("fid", "kid"), cache_dir=str(tmp_path / "cache"), floor=False, **FAST)
  direct = score(str(tmp_path / "a.npy"), "shipped_mnist:train", num_b=400,
                 save_stats=str(tmp_path / "stats.npz"), **common)
  saved = score(str(tmp_path / "a.npy"), str(tmp_path / "stats.npz"), **common)
  assert saved["fid[lenet-mnist]"] == pytest.approx(direct["fid[lenet-mnist]"], rel=1e-12)
  assert saved["kid[lenet-mnist]"] == pytest.approx(direct["kid[lenet-mnist]"], rel=1e-12)
  assert saved["num_samples/reference"] == 400
  with pytest.raises(UserError, match="statistics of lenet-.*not of random-cnn-seed0"):
    score(str(tmp_path / "a.npy"), str(tmp_path / "stats.npz"), feature_network="random-cnn",
          metrics=("fid",), num_a=0)


def test_a_workdir_scores_as_eval_mode_does(tmp_path):
  config = tiny.get_config()
  config.num_steps = 2
  config.eval.update(metrics=("fid", "kid", "pr"), num_samples=300, num_reference=300,
                     batch_size=100, reference_split="test", cache_dir=str(tmp_path / "cache"),
                     **FAST)
  workdir = str(tmp_path / "run")
  train.train_and_evaluate(config, workdir)
  evaluated = train.evaluate(config, workdir)
  for tag, use_ema in (("ema", True), ("raw", False)):
    scored = score(workdir, "shipped_mnist:test", metrics=("fid", "kid", "pr"), num_b=300,
                   use_ema=use_ema, cache_dir=str(tmp_path / f"other_cache_{tag}"),
                   floor=False, **FAST)
    assert scored["num_samples/generated"] == 300
    for name in ("fid", "kid", "precision", "recall"):
      assert scored[f"{name}[lenet-mnist]"] == pytest.approx(
          evaluated[f"{name}[lenet-mnist]/{tag}"], rel=1e-6, abs=1e-9), (name, tag)


def _write_png(path, size):
  os.makedirs(os.path.dirname(path), exist_ok=True)
  Image.new("L", size).save(path)


@pytest.mark.parametrize("make, spec_b, options, message", [
    (lambda d: os.makedirs(d / "a"), "shipped_mnist:test", {}, "no image files"),
    (lambda d: (_write_png(d / "a" / "x.png", (28, 28)), _write_png(d / "a" / "y.png", (32, 32))),
     "shipped_mnist:test", {}, "different sizes.*--image_size=HxW"),
    (lambda d: np.save(d / "a.npy", np.zeros((5, 28, 28), np.uint8)), "shipped_mnist:test", {},
     r"shape \(5, 28, 28\); need \[N, H, W, C\]"),
    (lambda d: np.save(d / "a.npy", np.full((5, 28, 28, 1), 2.0, np.float32)),
     "shipped_mnist:test", {}, r"float values in \[2, 2\]; need \[-1, 1\]"),
    (lambda d: np.save(d / "a.npy", np.zeros((100, 28, 28, 1), np.uint8)), "shipped_mnist:test",
     {"metrics": ("fid",)}, "has 100 images; fid.lenet-mnist. needs at least 256"),
    (lambda d: np.save(d / "a.npy", np.zeros((300, 28, 28, 1), np.uint8)), "shipped_mnist:test",
     {"metrics": ("kid",)}, "has 300 images; kid needs at least --kid_subset_size=1000"),
    (lambda d: np.savez(d / "a.npz", x=np.zeros(1), y=np.zeros(1)), "shipped_mnist:test", {},
     "holds .'x', 'y'.; name the images as"),
    (lambda d: np.save(d / "a.npy", np.zeros((300, 32, 32, 1), np.uint8)), "shipped_mnist:test",
     {}, "A is 32x32x1 and B is 28x28x1"),
])
def test_bad_inputs_are_refused_in_one_line(tmp_path, make, spec_b, options, message):
  make(tmp_path)
  spec_a = next(str(tmp_path / n) for n in ("a", "a.npy", "a.npz") if (tmp_path / n).exists())
  with pytest.raises(UserError, match=message) as error:
    score(spec_a, spec_b, cache_dir=str(tmp_path / "cache"), **options)
  assert "\n" not in str(error.value)


def test_the_network_fits_the_data():
  assert network_choice.choose("auto", ["shipped_mnist"]) == ("lenet-mnist", "")
  assert network_choice.choose("auto", ["", "stacked_mnist"]) == ("lenet-mnist", "")
  assert network_choice.choose("auto", ["fashion_mnist"], "w.npz") == ("inception-v3", "")
  name, note = network_choice.choose("auto", ["fashion_mnist"])
  assert name == "random-cnn" and "compare runs" in note
  assert network_choice.choose("random-cnn", ["shipped_mnist"]) == ("random-cnn", "")


def test_the_command_prints_one_json_line_or_one_error_line(test_images, tmp_path):
  np.save(tmp_path / "a.npy", test_images)
  command = [sys.executable, "-m", "jaxgan.score", str(tmp_path / "a.npy"),
             "shipped_mnist:test", "--metrics=fid", "--num_b=300", "--floor=false",
             f"--cache_dir={tmp_path / 'cache'}"]
  result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stderr[-2000:]
  assert result.stdout.count("\n") == 1 and '"fid[lenet-mnist]"' in result.stdout
  result = subprocess.run(command + ["--num_a=10"], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
  assert result.returncode == 1
  assert result.stderr.strip().splitlines()[-1].startswith("jaxgan: error: ")
