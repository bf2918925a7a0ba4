"""The video GAN's pieces: 3-D conv, networks, continuation, the step, metrics, weights."""

import os
import shutil

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from PIL import Image

from experiments import mocogan_mmnist
from experiments import mocogan_mmnist_small
from experiments import sprite_mmnist
from experiments import sprite_mmnist_small
from jaxgan import configs
from jaxgan import train
from jaxgan.data import moving_mnist as mm
from jaxgan.data import sources
from jaxgan.errors import UserError
from jaxgan.kinds import video_gan
from jaxgan.kinds.video_gan import config as config_lib
from jaxgan.kinds.video_gan import step as step_lib
from jaxgan.kinds.video_gan import visuals
from jaxgan.kinds.video_gan import metrics as video_metrics
from jaxgan.kinds.video_gan import train_c3d
from jaxgan.kinds.video_gan import c3d_features as video_features
from jaxgan.kinds.video_gan import c3d
from jaxgan.kinds.video_gan import conv3d
from jaxgan.kinds.video_gan import networks as video_models


def tiny_kind_config(context_frames=0, **changes):
  """experiments/mocogan_mmnist_small.py at toy size."""
  c = mocogan_mmnist_small.get_config()
  c.batch_size, c.num_steps, c.log_every, c.checkpoint_every, c.sample_every = 2, 4, 2, 2, 2
  c.sample.num_images = 2
  c.model.g_features, c.model.d_features = 16, 4
  c.model.content_dim, c.model.motion_dim = 6, 4
  c.model.context_frames = context_frames
  c.strip.num_videos = 2
  c.video_eval.update(num_videos=4, num_reference=4, batch_size=4)
  for field, value in changes.items():
    section, name = field.split(".")
    c[section][name] = value
  return c


@pytest.mark.parametrize("t,strides", [(7, (1, 2, 2)), (8, (2, 2, 2)), (5, (2, 1, 1))])
def test_conv3d_is_flax_conv(t, strides):
  x = jax.random.normal(jax.random.PRNGKey(1), (2, t, 9, 10, 3))
  layer = conv3d.Conv3D(4, (3, 4, 4), strides)
  variables = layer.init(jax.random.PRNGKey(0), x)
  want = nn.Conv(4, (3, 4, 4), strides, "SAME").apply(variables, x)
  np.testing.assert_allclose(layer.apply(variables, x), want, atol=1e-5)


@pytest.mark.parametrize("name", sorted(mm.VARIANTS))
def test_network_shapes(name):
  # Shapes by abstract evaluation (nothing compiled); values on the small variant only.
  shape = mm.VARIANTS[name].frame_shape
  m = tiny_kind_config().model
  generator, image_d, video_d = video_models.build(m, mm.VARIANTS[name])
  key = jax.random.PRNGKey(0)

  def run(z, noise):
    g_vars = generator.init(key, z, noise, None, train=False)
    videos = generator.apply(g_vars, z, noise, None, train=False)
    frame_logits = image_d.apply(image_d.init(key, videos[:, 0], None), videos[:, 0], None)
    clip_logits = video_d.apply(video_d.init(key, videos, None), videos, None)
    features = c3d.C3D().init_with_output(key, videos)[0]
    return videos, frame_logits, clip_logits, features

  args = (jnp.zeros((2, m.content_dim)), jnp.zeros((2, shape[0], m.noise_dim)))
  videos, frame_logits, clip_logits, features = jax.eval_shape(run, *args)
  assert videos.shape == (2, *shape)
  assert frame_logits.shape == (2,) and clip_logits.shape == (2,)
  assert features["features"].shape == (2, c3d.FEATURE_DIM)
  assert features["digit_logits"].shape == (2, 10)
  assert features["direction_logits"].shape == (2, 8)
  if name == "moving_mnist_small":
    videos = jax.jit(lambda *a: generator.init_with_output(key, *a, None, train=False)[0])(
        *args)
    assert float(jnp.max(jnp.abs(videos))) <= 1.0


def test_continuation_conditions_on_the_given_frames():
  m = tiny_kind_config(context_frames=4).model
  shape = mm.VARIANTS["moving_mnist_small"].frame_shape
  generator, _, _ = video_models.build(m, mm.VARIANTS["moving_mnist_small"])
  real = mm.MovingMnistSource("moving_mnist_small", "test").batch(range(2))["frames"]
  real = real.astype(np.float32) / 127.5 - 1.0
  z, noise = jnp.zeros((2, m.content_dim)), jax.random.normal(jax.random.PRNGKey(2),
                                                             (2, shape[0], m.noise_dim))
  variables = generator.init(jax.random.PRNGKey(0), z, noise, real[:, :4], train=False)
  run = lambda context, noise=noise: generator.apply(variables, z, noise, context,
                                                    train=False)
  out = run(real[:, :4])
  assert out.shape == (2, *shape)
  np.testing.assert_array_equal(out[:, :4], real[:, :4])  # The given frames come through.
  # Each video's continuation depends on its own given frames (and noise) only...
  swapped = run(real[::-1, :4], noise[::-1])
  np.testing.assert_allclose(swapped[::-1, 4:], out[:, 4:], atol=1e-5)
  # ...and changing them changes it: the digit moved 3 pixels, or another digit.
  for changed in (jnp.roll(real[:, :4], 3, axis=-2), real[::-1, :4]):
    assert float(jnp.mean(jnp.abs(run(changed)[:, 4:] - out[:, 4:]))) > 1e-4


@pytest.mark.parametrize("changes", [
    {"loss.name": "hinge", "penalty.name": "r1", "penalty.weight": 1.0,
     "model.d_spectral_norm": True},
    {"loss.name": "wasserstein", "penalty.name": "wgan_gp", "penalty.weight": 10.0,
     "model.context_frames": 4, "optim.n_dis": 2},
])
def test_step_trains_and_is_deterministic(changes):
  c = tiny_kind_config(**changes)
  video_gan.KIND.validate_config(c)
  exp = video_gan.KIND.from_config(c)
  clips = mm.MovingMnistSource(c.data.name, "train").batch(range(exp.examples_per_step))
  batch = {"train": {"frames": clips["frames"].astype(np.float32) / 127.5 - 1.0}}
  step = jax.jit(exp.step)
  init = jax.jit(exp.init)  # Jitted: op by op, init of the GRU and 3-D convs is slow.
  initial = init()
  first, metrics = step(initial, batch)
  again, _ = step(init(), batch)
  assert all(np.isfinite(float(v)) for v in metrics.values())
  assert int(first.step) == 1
  for a, b in zip(jax.tree.leaves(first), jax.tree.leaves(again)):
    np.testing.assert_array_equal(a, b)
  for net in ("g", "image_d", "video_d"):
    moved = jax.tree.map(lambda a, b: float(jnp.max(jnp.abs(a - b))),
                         getattr(first, net).params, getattr(initial, net).params)
    assert max(jax.tree.leaves(moved)) > 0
  # The EMA moves towards G.
  assert not np.array_equal(jax.tree.leaves(first.ema_params)[0],
                            jax.tree.leaves(initial.ema_params)[0])


def test_sample_frames_picks_the_same_times():
  clips = jnp.arange(2 * 5).reshape(2, 5).astype(jnp.float32)[..., None, None, None]
  picked = step_lib.sample_frames(jax.random.PRNGKey(0), clips, 3, 2)
  assert picked.shape == (6, 1, 1, 1)
  times = np.asarray(picked[:, 0, 0, 0]).reshape(2, 3) - np.array([[0], [5]])
  assert times.min() >= 2 and times.max() < 5


def test_config_checks():
  c = tiny_kind_config()
  c.data.name = "shipped_mnist"
  with pytest.raises(UserError, match="data.name"):
    config_lib.validate(c)
  with pytest.raises(UserError, match="context_frames"):
    config_lib.validate(tiny_kind_config(context_frames=16))
  with pytest.raises(UserError, match="loss.name"):
    config_lib.validate(tiny_kind_config(**{"loss.name": "nope"}))


def test_strip_and_gif(tmp_path):
  videos = np.linspace(-1, 1, 3 * 4 * 5 * 6).reshape(3, 4, 5, 6, 1)
  strip = visuals.strip(videos, padding=1, context_frames=2)
  assert strip.shape == (3 * 6 + 1, 4 * 7 + 1, 1) and strip.dtype == np.uint8
  np.testing.assert_array_equal(strip[1:6, 1:7, 0], np.round((videos[0, 0, ..., 0] + 1) * 127.5))
  assert np.all(strip[:, 14] == 255)  # The mark after the 2 given frames.
  visuals.save_gif(videos, str(tmp_path / "a.gif"), rows=2)
  with Image.open(tmp_path / "a.gif") as gif:
    assert gif.n_frames == 4


# -- metrics -------------------------------------------------------------------------------
def test_digit_centres_finds_two_digits():
  frames = -np.ones((1, 64, 64), np.float32)
  frames[0, 10:20, 5:12] = 1.0
  frames[0, 40:50, 45:55] = 1.0
  centres = np.sort(video_metrics.digit_centres(frames, 2)[0], axis=0)
  np.testing.assert_allclose(centres, [[14.5, 8.0], [44.5, 49.5]], atol=1e-6)


def test_consistency_and_acd_on_real_videos():
  v = mm.VARIANTS["moving_mnist_small"]
  clips = mm.MovingMnistSource("moving_mnist_small", "test").batch(range(12))
  videos = clips["frames"].astype(np.float32) / 127.5 - 1.0
  predicted, features, _ = video_metrics.read_frames(videos, v.num_digits, v.digit_size)
  assert np.mean(predicted[:, 0, 0] == clips["labels"][:, 0]) >= 0.75
  assert video_metrics.content_consistency(predicted).mean() >= 0.75
  mixed = videos.copy()
  mixed[:, 1::2] = videos[::-1, 1::2]  # Every other frame from another video.
  mixed_predicted, mixed_features, _ = video_metrics.read_frames(mixed, v.num_digits,
                                                                 v.digit_size)
  assert (video_metrics.content_consistency(mixed_predicted).mean()
          < video_metrics.content_consistency(predicted).mean())
  assert (video_metrics.average_content_distance(mixed_features).mean()
          > video_metrics.average_content_distance(features).mean())
  still = np.repeat(videos[:, :1], 4, axis=1)
  np.testing.assert_allclose(video_metrics.average_content_distance(
      video_metrics.read_frames(still, 1, v.digit_size)[1]), 0.0, atol=1e-6)


def test_first_frame_reading_and_class_accuracy_by_hand():
  probabilities = np.zeros((2, 3, 1, 10))
  probabilities[0, :, 0, 4] = 1.0                # Certain: confidence 1, entropy 0.
  probabilities[1, :, 0, :] = 0.1                # Uniform: confidence 0.1, entropy ln 10.
  probabilities[1, 0, 0, :2] = [0.5, 0.5]
  probabilities[1, 0, 0, 2:] = 0.0               # ...but frame 0 is split between 0 and 1.
  reading = video_metrics.first_frame_reading(probabilities)
  np.testing.assert_allclose(reading["confidence"], [1.0, 0.5])
  np.testing.assert_allclose(reading["entropy"], [0.0, np.log(2.0)], atol=1e-12)
  predicted = np.array([[[3], [3], [5], [3]], [[1], [1], [1], [1]]])
  np.testing.assert_allclose(video_metrics.class_accuracy(predicted, [[3], [2]]), [0.75, 0.0])
  two = np.array([[[2, 7], [2, 7]]])
  np.testing.assert_allclose(video_metrics.class_accuracy(two, [[7, 2]]), [1.0])


def test_continuation_quality_of_the_truth_and_of_copy_last():
  real = mm.MovingMnistSource("moving_mnist_small", "test").batch(range(3))["frames"]
  real = real.astype(np.float32) / 127.5 - 1.0
  scores = video_metrics.continuation_quality(real, real, 8)
  assert scores["psnr/model"].shape == (8,) and np.all(np.isinf(scores["psnr/model"]))
  np.testing.assert_allclose(scores["ssim/model"], 1.0, rtol=1e-5)
  assert np.all(scores["ssim/copy_last"] < 1.0)
  # Copying the last frame gets worse the further the digit moves on.
  assert scores["psnr/copy_last"][0] > scores["psnr/copy_last"][-1]
  # One video whose next frame repeats the last given one (a bounce back) leaves PSNR finite:
  # it is taken of the error pooled over videos.
  bounced = real.copy()
  bounced[0, 8] = bounced[0, 7]
  scores = video_metrics.continuation_quality(bounced, bounced, 8)
  assert np.isfinite(scores["psnr/copy_last"][0])
  want = 10 * np.log10(4 / np.mean(np.square(bounced[:, 7] - bounced[:, 8])))
  np.testing.assert_allclose(scores["psnr/copy_last"][0], want, rtol=1e-5)


def test_shipped_c3d_weights_are_checked_by_sha256(tmp_path):
  variables, digest = video_features.load()
  assert digest == video_features.C3D_SHA256
  assert jax.tree.structure(variables) == jax.tree.structure(video_features.template())
  changed = tmp_path / "c3d.msgpack"
  shutil.copy(video_features.C3D_WEIGHTS, changed)
  with open(changed, "r+b") as f:
    f.seek(os.path.getsize(changed) - 5)
    f.write(b"\x00")
  with pytest.raises(UserError, match="sha256"):
    video_features.load(str(changed), expected_sha256=video_features.C3D_SHA256)
  with pytest.raises(UserError, match="no such file"):
    video_features.load(str(tmp_path / "missing.msgpack"))


def test_c3d_top_k_accuracy_counts_exact_sets():
  logits = np.array([[3.0, 1.0, 0.0], [0.0, 2.0, 1.0], [2.0, 3.0, -1.0]])
  truth = np.array([[1, 0, 0], [1, 1, 0], [1, 1, 0]], np.float32)
  # Clip 0: its top 1 is its set; clip 1: its top 2 are {1, 2}, not {0, 1}; clip 2: a hit.
  assert train_c3d._top_k_hits(logits, truth) == 2  # pylint: disable=protected-access


def test_evaluator_numbers_and_floor():
  evaluator = video_metrics.Evaluator("moving_mnist_small", 4, 8, 4)
  real = lambda start, size, context: evaluator.real_videos("train", start, size)
  same = evaluator.evaluate(real, "train_again")
  noise = lambda start, size, context: np.random.default_rng(start).uniform(
      -1, 1, (size, 16, 32, 32, 1)).astype(np.float32)
  bad = evaluator.evaluate(noise, "noise")
  assert bad["fvd[mmnist-c3d]/noise"] > same["fvd[mmnist-c3d]/train_again"]
  floor = evaluator.floor()
  assert set(floor) == {f"{name}[{net}]/real_test" for name, net in (
      ("fvd", "mmnist-c3d"), ("content_consistency", "lenet-mnist"), ("acd", "lenet-mnist"),
      ("first_frame_confidence", "lenet-mnist"), ("first_frame_entropy", "lenet-mnist"),
      ("class_accuracy", "lenet-mnist"))}
  assert floor["class_accuracy[lenet-mnist]/real_test"] >= 0.75   # Real digits, read.
  # Asked for digits the videos do not show, the accuracy is low.
  wrong = evaluator.evaluate(real, "wrong", labels=lambda start, size: (
      evaluator.real_labels("train", start, size) + 1) % 10)
  assert wrong["class_accuracy[lenet-mnist]/wrong"] <= 0.25


# -- through the loop ----------------------------------------------------------------------
def test_the_experiment_files_are_valid():
  for module in (mocogan_mmnist, mocogan_mmnist_small, sprite_mmnist, sprite_mmnist_small):
    configs.validate(module.get_config(), 1)
  assert isinstance(sources.open("moving_mnist_small", "test", ""), mm.MovingMnistSource)


def _restore(config, workdir):
  exp = video_gan.KIND.from_config(config)
  return train.restore_for_inference(config, str(workdir))[1], exp


def _assert_resume_is_bitwise(make_config, tmp_path):
  """Trains make_config() to half its steps in tmp_path/resumed, resumes it to the end, and
  checks it against the finished run in tmp_path/straight bit for bit; (state, experiment)."""
  half = make_config()
  half.num_steps = make_config().num_steps // 2
  train.train_and_evaluate(half, str(tmp_path / "resumed"))
  train.train_and_evaluate(make_config(), str(tmp_path / "resumed"))
  straight, exp = _restore(make_config(), tmp_path / "straight")
  resumed, _ = _restore(make_config(), tmp_path / "resumed")
  for a, b in zip(jax.tree.leaves(straight), jax.tree.leaves(resumed)):
    assert a.tobytes() == b.tobytes()
  return straight, exp


def test_a_tiny_run_trains_resumes_bitwise_samples_and_evaluates(tmp_path):
  metrics = train.train_and_evaluate(tiny_kind_config(), str(tmp_path / "straight"))
  assert np.isfinite(metrics["d_loss"]) and np.isfinite(metrics["g_loss"])
  strips = sorted(os.listdir(tmp_path / "straight" / "samples"))
  assert len(strips) == 2 and strips[-1].endswith("00000004.png")
  _assert_resume_is_bitwise(tiny_kind_config, tmp_path)

  out_dir = train.sample(tiny_kind_config(), str(tmp_path / "straight"))
  assert {"strip.png", "animation.gif", "strip_000.png"} <= set(os.listdir(out_dir))
  results = train.evaluate(tiny_kind_config(), str(tmp_path / "straight"))
  for name in ("fvd[mmnist-c3d]/ema", "content_consistency[lenet-mnist]/raw",
               "acd[lenet-mnist]/ema", "fvd[mmnist-c3d]/real_test"):
    assert np.isfinite(results[name]), name


def test_a_vmapped_seed_sweep_trains(tmp_path):
  c = tiny_kind_config(context_frames=4)
  c.num_steps, c.sweep.seeds = 2, 2
  c.video_eval.floor = False
  metrics = train.train_and_evaluate(c, str(tmp_path))
  assert np.isfinite(metrics["member_0/g_loss"]) and np.isfinite(metrics["member_1/g_loss"])
  assert metrics["member_0/g_loss"] != metrics["member_1/g_loss"]


def tiny_sprite_config(**changes):
  """experiments/sprite_mmnist_small.py at toy size."""
  c = tiny_kind_config(**changes)
  c.model.update(generator="sprite", image_frames=2)
  c.loss.name, c.penalty.name, c.penalty.weight = "non_saturating", "r1_r2", 1.0
  return c


def test_a_conditional_sprite_run_resumes_bitwise_and_scores_its_classes(tmp_path):
  conditional = lambda **changes: tiny_sprite_config(**{"model.num_classes": 10, **changes})
  train.train_and_evaluate(conditional(), str(tmp_path / "straight"))
  straight, exp = _assert_resume_is_bitwise(conditional, tmp_path)
  assert "embed" in straight.video_d.params["output"]
  results = train.evaluate(conditional(), str(tmp_path / "straight"))
  for name in ("class_accuracy[lenet-mnist]/ema", "class_accuracy[lenet-mnist]/real_test",
               "first_frame_confidence[lenet-mnist]/raw", "first_frame_entropy[lenet-mnist]/ema"):
    assert np.isfinite(results[name]), name
  # The digit asked for reaches the sprite: other classes, other first frames.
  z, noise = exp.latents(jax.random.PRNGKey(0), 2)
  same_z = jnp.repeat(z[:1], 2, 0), jnp.repeat(noise[:1], 2, 0)
  videos = exp.generate(straight, *same_z, None, jnp.asarray([3, 8]), False)
  assert float(jnp.max(jnp.abs(videos[0] - videos[1]))) > 1e-4


def test_one_sprite_checkpoint_generates_and_continues(tmp_path):
  train.train_and_evaluate(tiny_sprite_config(), str(tmp_path))
  continuing = tiny_sprite_config(context_frames=8)
  results = train.evaluate(continuing, str(tmp_path))
  for name in ("ssim/raw", "psnr/ema", "ssim/copy_last", "fvd[mmnist-c3d]/raw"):
    assert np.isfinite(results[name]), name
  out_dir = train.sample(continuing, str(tmp_path))
  assert "strip.png" in os.listdir(out_dir)


def test_two_sprites_train_through_the_loop(tmp_path):
  c = tiny_sprite_config(**{"model.objects": 2})
  c.num_steps, c.eval_every = 2, 0
  metrics = train.train_and_evaluate(c, str(tmp_path))
  assert np.isfinite(metrics["d_loss"]) and np.isfinite(metrics["g_loss"])
