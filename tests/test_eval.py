"""Evaluation plumbing: FID sanity on real data, cached reference statistics, --mode=eval,
eval_every with the best checkpoint, and mode counting on the 2D and Stacked MNIST data."""

import json
import os
import subprocess
import sys

import flax.serialization
import numpy as np
import pytest
import scipy.ndimage

from jaxgan import configs
from jaxgan import train
from jaxgan.data import pipeline
from jaxgan.data import sources
from jaxgan.data import stacked_mnist
from jaxgan.errors import UserError
from jaxgan.metrics import evaluator
from jaxgan.metrics import features

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def lenet_weights(tmp_path_factory):
  """LeNet weights in the shipped file's format; random, so the test does not depend on them."""
  path = tmp_path_factory.mktemp("lenet") / "lenet.msgpack"
  path.write_bytes(flax.serialization.to_bytes(features.lenet_template()))
  return str(path)


def _mnist_config(lenet_weights, cache_dir, **eval_fields):
  c = configs.base()
  c.eval.lenet_weights = lenet_weights
  c.eval.cache_dir = str(cache_dir)
  c.eval.reference_split = "test"
  c.eval.num_reference = 1000
  c.eval.metrics = ("fid",)
  c.eval.update(eval_fields)
  return c


def _score_images(ev, images, tag="x"):
  return ev.evaluate(lambda index, size: (images[index * 500:][:size], None), tag,
                     num=len(images))


def test_fid_of_real_halves_is_small_and_rises_with_noise_and_blur(lenet_weights, tmp_path):
  ev = evaluator.Evaluator(_mnist_config(lenet_weights, tmp_path), (28, 28, 1))
  test = sources.load_split("shipped_mnist", "test")["image"]
  # The reference is a seeded 1000-image subset of the test split; score 1000 others.
  used = np.zeros(len(test), bool)
  used[np.random.default_rng(1000).choice(len(test), 1000, replace=False)] = True
  other = pipeline.to_unit_range(test[~used][:1000])
  rng = np.random.default_rng(0)
  noisy = [np.clip(other + s * rng.standard_normal(other.shape), -1, 1).astype(np.float32)
           for s in (0.2, 0.4, 0.8)]
  blurred = [scipy.ndimage.gaussian_filter(other, (0, s, s, 0)) for s in (0.5, 1.0, 2.0)]
  clean = _score_images(ev, other)["fid[lenet-mnist]/x"]
  noise_fids = [_score_images(ev, x)["fid[lenet-mnist]/x"] for x in noisy]
  blur_fids = [_score_images(ev, x)["fid[lenet-mnist]/x"] for x in blurred]
  assert 0 <= clean < noise_fids[0] < noise_fids[1] < noise_fids[2]
  assert clean < blur_fids[0] < blur_fids[1] < blur_fids[2]
  assert clean < 0.5 * max(noise_fids[-1], blur_fids[-1])


def test_reference_statistics_are_computed_once_then_read_from_the_cache(lenet_weights, tmp_path):
  config = _mnist_config(lenet_weights, tmp_path, num_reference=600)
  first = evaluator.Evaluator(config, (28, 28, 1)).reference()
  files = os.listdir(tmp_path)
  assert not first["cached"] and len(files) == 1
  assert "shipped_mnist-test-lenet-" in files[0] and files[0].endswith("-n600.npz")
  second = evaluator.Evaluator(config, (28, 28, 1)).reference()
  assert second["cached"] and int(second["count"]) == 600
  np.testing.assert_array_equal(first["mu"], second["mu"])
  np.testing.assert_array_equal(first["sigma"], second["sigma"])
  assert second["features"].shape == (600, 256)
  # Another network (seeded random CNN) gets its own entry, never the LeNet one.
  config.eval.feature_network = "random-cnn"
  assert not evaluator.Evaluator(config, (28, 28, 1)).reference()["cached"]
  assert len(os.listdir(tmp_path)) == 2


def test_eval_mode_scores_raw_and_ema_of_a_conditional_run(lenet_weights, tmp_path):
  args = ["--config=experiments/tiny.py", f"--workdir={tmp_path}", "--config.num_steps=2",
          "--config.model.num_classes=10", f"--config.eval.lenet_weights={lenet_weights}",
          f"--config.eval.cache_dir={tmp_path / 'cache'}", "--config.eval.reference_split=test",
          "--config.eval.num_reference=200", "--config.eval.num_samples=100",
          "--config.eval.batch_size=50", "--config.eval.kid_subsets=3",
          "--config.eval.kid_subset_size=50",
          "--config.eval.metrics=('fid', 'kid', 'is', 'pr', 'dc', 'class_accuracy')"]
  for mode in ("train", "eval"):
    result = subprocess.run([sys.executable, "-m", "jaxgan.main", f"--mode={mode}", *args],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
  saved = json.load(open(tmp_path / "eval_00000002.json"))
  assert saved["step"] == 2
  assert saved["num_samples/generated"] == 100 and saved["num_samples/reference"] == 200
  for tag in ("raw", "ema"):
    for name in ("fid", "kid", "kid_std", "is", "is_std", "precision", "recall", "density",
                 "coverage", "class_accuracy"):
      assert np.isfinite(saved[f"{name}[lenet-mnist]/{tag}"]), (name, tag)
    assert 1.0 <= saved[f"is[lenet-mnist]/{tag}"] <= 10.0
    assert 0.0 <= saved[f"class_accuracy[lenet-mnist]/{tag}"] <= 1.0
    assert sum(f"class_accuracy[lenet-mnist]/{tag}/class_" in k for k in saved) == 10
  assert saved["fid[lenet-mnist]/raw"] != saved["fid[lenet-mnist]/ema"]
  assert os.path.isdir(tmp_path / "eval")


def test_real_points_cover_every_mode():
  for name, modes in (("ring8", 8), ("grid25", 25)):
    config = configs.base()
    config.data.name, config.data.image_shape = name, (1, 1, 2)
    config.eval.metrics, config.eval.num_samples = ("modes",), 2500
    result = evaluator.Evaluator(config, (1, 1, 2)).evaluate_split("test")
    assert result[f"modes_covered[{name}]/test"] == modes
    assert result[f"high_quality[{name}]/test"] > 0.98  # 3 std holds 98.9% of a 2D Gaussian.


def test_gan_ring8_trains_evaluates_keeps_the_best_and_plots(tmp_path):
  from experiments import gan_ring8
  config = gan_ring8.get_config()
  config.num_steps, config.batch_size, config.log_every = 30, 64, 10
  config.eval_every = config.checkpoint_every = config.sample_every = 10
  config.eval.num_samples = 500
  train.train_and_evaluate(config, str(tmp_path))
  evals = sorted(f for f in os.listdir(tmp_path) if f.startswith("eval_"))
  assert evals == ["eval_00000010.json", "eval_00000020.json", "eval_00000030.json"]
  scores = [json.load(open(tmp_path / f))["modes_covered[ring8]/ema"] for f in evals]
  assert all(0 <= s <= 8 for s in scores)
  best = os.listdir(tmp_path / "best")
  assert len(best) == 1 and scores[evals.index(f"eval_{int(best[0]):08d}.json")] == max(scores)
  from PIL import Image
  plot = Image.open(tmp_path / "samples" / "grid_00000030.png")
  assert plot.mode == "RGB" and min(plot.size) >= 300


def test_stacked_mnist_is_deterministic_with_1000_modes():
  a, b = stacked_mnist.load("test"), stacked_mnist.load("test")
  np.testing.assert_array_equal(a["image"], b["image"])
  assert a["image"].shape == (10000, 28, 28, 3) and a["image"].dtype == np.uint8
  digits = np.stack([a["label"] // 100, a["label"] // 10 % 10, a["label"] % 10], axis=1)
  from jaxgan.metrics import stacked_mnist_modes
  assert stacked_mnist_modes(digits)["modes_covered"] > 990  # 10k draws of 1000 modes.
  mnist = sources.load_split("shipped_mnist", "test")
  first = np.flatnonzero((mnist["image"][..., 0] == a["image"][0, ..., 1]).all(axis=(1, 2)))
  assert mnist["label"][first[0]] == digits[0, 1]


def test_stacked_mnist_run_counts_modes_with_the_classifier(lenet_weights, tmp_path):
  from experiments import dcgan_stacked_mnist
  config = dcgan_stacked_mnist.get_config()
  config.num_steps, config.batch_size = 2, 16
  config.log_every = config.checkpoint_every = config.sample_every = config.eval_every = 2
  config.eval.update(lenet_weights=lenet_weights, cache_dir=str(tmp_path / "cache"),
                     num_samples=200, num_reference=200, reference_split="test")
  train.train_and_evaluate(config, str(tmp_path))
  saved = json.load(open(tmp_path / "eval_00000002.json"))
  for tag in ("raw", "ema"):
    assert 1 <= saved[f"modes_covered[lenet-mnist]/{tag}"] <= 200
    assert 0 <= saved[f"kl_to_uniform[lenet-mnist]/{tag}"] <= np.log(1000)
    assert np.isfinite(saved[f"fid[lenet-mnist]/{tag}"])
  assert len(os.listdir(tmp_path / "best")) == 1


@pytest.mark.parametrize("field, value, message", [
    ("metrics", ("fid", "bogus"), "config.eval.metrics='bogus'"),
    ("num_samples", 0, "config.eval.num_samples=0"),
    ("best_metric", "loss", "config.eval.best_metric='loss'"),
])
def test_bad_eval_fields_are_one_line_errors(field, value, message):
  config = configs.base()
  config.eval[field] = value
  with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
    configs.validate(config, 1)


def test_metrics_that_do_not_fit_the_data_are_errors_before_compute():
  config = configs.base()
  config.data.name, config.data.image_shape = "ring8", (1, 1, 2)
  with pytest.raises(UserError, match="only 'modes' applies"):
    evaluator.Evaluator(config, (1, 1, 2))
  config = configs.base()
  config.eval.metrics = ("class_accuracy",)
  with pytest.raises(UserError, match="conditional models"):
    evaluator.Evaluator(config, (28, 28, 1))
  config.eval.metrics, config.eval.feature_network = ("is",), "random-cnn"
  with pytest.raises(UserError, match="no logits"):
    evaluator.Evaluator(config, (28, 28, 1))


def test_the_floor_is_real_test_images_scored_like_the_generator_and_cached(tmp_path):
  config = configs.base()
  config.eval.update(cache_dir=str(tmp_path), reference_split="train", num_reference=300,
                     num_samples=300, metrics=("fid",))
  ev = evaluator.Evaluator(config, (28, 28, 1))
  assert ev.network.name == "lenet-mnist"  # "auto" on MNIST.
  floor = ev.floor()
  assert np.isfinite(floor["floor/fid[lenet-mnist]"]) and floor["floor/fid[lenet-mnist]"] > 0
  assert floor["floor/num_samples/generated"] == 300
  assert any(name.endswith(".json") and "-floor-test-n300-" in name
             for name in os.listdir(tmp_path))
  assert evaluator.Evaluator(config, (28, 28, 1)).floor() == floor
  config.eval.reference_split = "test"  # Test against test is no floor.
  assert evaluator.Evaluator(config, (28, 28, 1)).floor() == {}


def test_auto_picks_lenet_only_for_mnist_derived_data():
  from experiments import dcgan_cifar10
  from experiments import dcgan_stacked_mnist
  for get_config, expected in ((dcgan_cifar10.get_config, "random-cnn"),
                               (dcgan_stacked_mnist.get_config, "lenet-mnist")):
    config = get_config()
    assert config.eval.feature_network == "auto"
    configs.validate(config, 1)
    assert config.eval.feature_network == expected
  config = dcgan_cifar10.get_config()
  config.eval.inception_weights = "inception_fid.npz"
  configs.validate(config, 1)
  assert config.eval.feature_network == "inception-v3"
