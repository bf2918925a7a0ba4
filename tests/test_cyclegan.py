"""CycleGAN through the real loop: two streams and the history pools checkpointed, a tiny run
resumes bitwise, samples (and translates a folder under the same names) and evaluates beside
the identity baseline; two unpaired folders; impossible fields are one line."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from PIL import Image

from experiments import cyclegan_folder
from experiments import cyclegan_mnist_colour
from experiments import cyclegan_mnist_colour_rpgan
from jaxgan import builder
from jaxgan import checkpoint
from jaxgan import configs
from jaxgan import parallel
from jaxgan import penalties
from jaxgan import train
from jaxgan.data import image_folder
from jaxgan.errors import UserError
from jaxgan.kinds.cyclegan import step as step_lib


def shrink(c, num_steps):
  c.batch_size, c.num_steps = 4, num_steps
  c.log_every = c.checkpoint_every = c.sample_every = 2
  c.model.g_features, c.model.g_blocks = 4, 1
  c.model.d_features, c.model.d_max_features = 4, 8
  c.loss.pool_size = 6              # Full after 2 steps of 4: steps 3-4 swap images.
  c.eval.num_samples, c.eval.batch_size = 8, 8
  c.sample.num_images = 4
  return c


def tiny(num_steps=4):
  return shrink(cyclegan_mnist_colour.get_config(), num_steps)


def rpgan(num_steps=4):
  """experiments/cyclegan_mnist_colour_rpgan.py at tiny()'s sizes."""
  return shrink(cyclegan_mnist_colour_rpgan.get_config(), num_steps)


def restore(config, workdir):
  exp = builder.build(config)
  ckpt = checkpoint.Checkpointer(str(workdir))
  state, data_state = ckpt.restore(exp.abstract_state(parallel.make_mesh()))
  ckpt.close()
  return jax.device_get(state), data_state


def test_trains_resumes_bitwise_with_pools_samples_and_evaluates(tmp_path):
  # The RpGAN + R1 + R2 experiment (the least-squares default trains in the folder test).
  tiny = rpgan
  metrics = train.train_and_evaluate(tiny(), str(tmp_path / "straight"))
  assert all(np.isfinite(metrics[k]) for k in ("g_adv", "cycle", "identity", "d_a_loss"))
  assert metrics["d_penalty"] > 0
  assert sorted(os.listdir(tmp_path / "straight" / "samples")) == [
      "a2b_00000002.png", "a2b_00000004.png", "b2a_00000002.png", "b2a_00000004.png"]
  train.train_and_evaluate(tiny(2), str(tmp_path / "resumed"))
  train.train_and_evaluate(tiny(4), str(tmp_path / "resumed"))
  straight, straight_data = restore(tiny(), tmp_path / "straight")
  resumed, resumed_data = restore(tiny(), tmp_path / "resumed")
  assert sorted(straight_data) == ["a", "b"] and straight_data == resumed_data
  assert int(straight.pool_a.count) == int(straight.pool_b.count) == 6
  for a, b in zip(jax.tree.leaves(straight), jax.tree.leaves(resumed)):
    assert a.tobytes() == b.tobytes()

  folder = tmp_path / "mine"
  os.makedirs(folder)
  for name in ("x.png", "y.png"):
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(folder / name)
  c = tiny()
  c.sample.input_dir, c.sample.output_dir = str(folder), str(tmp_path / "out")
  out_dir = train.sample(c, str(tmp_path / "straight"))
  assert sorted(os.listdir(tmp_path / "out")) == ["x.png", "y.png"]
  assert np.asarray(Image.open(tmp_path / "out" / "x.png")).shape == (28, 28, 3)
  assert {"a2b.png", "b2a.png", "a2b", "b2a"} <= set(os.listdir(out_dir))

  results = train.evaluate(tiny(), str(tmp_path / "straight"))
  for direction in ("a2b", "b2a"):
    for what in ("output", "identity"):
      assert np.isfinite(results[f"fid[lenet-mnist]/{direction}/{what}"])
      assert 0 <= results[f"label_accuracy[lenet-mnist]/{direction}/{what}"] <= 1
    assert results[f"cycle_l1/{direction}"] >= 0


def test_cyclegan_on_two_unpaired_folders_and_an_empty_domain_is_one_line(tmp_path):
  rng = np.random.default_rng(0)
  for domain, count in (("a", 6), ("b", 5)):
    os.makedirs(tmp_path / domain)
    for i in range(count):
      Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(
          tmp_path / domain / f"{domain}{i}.png")
    image_folder.convert(str(tmp_path / domain), f"dom_{domain}", image_folder.Options(
        size=16, channels=3, test_fraction=0.0), str(tmp_path / "data"))
  c = shrink(cyclegan_folder.get_config(), 2)
  c.data.name, c.domain_b.name = "dom_a", "dom_b"
  c.data.data_dir, c.data.image_shape, c.eval_split = str(tmp_path / "data"), (16, 16, 3), "train"
  c.model.d_layers = 1
  train.train_and_evaluate(c, str(tmp_path / "run"))
  results = train.evaluate(c, str(tmp_path / "run"))
  assert np.isfinite(results["fid[random-cnn]/a2b/output"])
  assert "label_accuracy[random-cnn]/a2b/output" not in results   # No classifier, no labels.
  os.makedirs(tmp_path / "empty")
  with pytest.raises(UserError) as error:
    image_folder.convert(str(tmp_path / "empty"), "dom_c", image_folder.Options(size=16),
                         str(tmp_path / "data"))
  assert "is empty" in str(error.value) and "\n" not in str(error.value)


def test_rpgan_with_r1_r2_penalises_each_d_on_its_mean_patch_logit():
  c = rpgan()
  c.loss.pool_size = 0             # D then sees this step's fakes, computed here by hand.
  exp = builder.build(c)
  state = exp.init()
  rng = np.random.default_rng(0)
  batch = {d: {"image": jnp.asarray(rng.uniform(-1, 1, (4, 28, 28, 3)), jnp.float32)}
           for d in ("a", "b")}
  _, metrics = jax.jit(exp.step)(state, batch)

  def mean_logit(module, network):
    return lambda x: jnp.mean(step_lib.run(module, network, network.params, x)[0], axis=(1, 2))

  expected = 0.0
  for d_module, d_net, g_module, g_net, real, source in (
      (exp.d_a, state.d_a, exp.g_ba, state.g_ba, batch["a"]["image"], batch["b"]["image"]),
      (exp.d_b, state.d_b, exp.g_ab, state.g_ab, batch["b"]["image"], batch["a"]["image"])):
    fake = step_lib.run(g_module, g_net, g_net.params, source)[0]
    # R1 + R2 = 1/2 (E|grad D(real)|^2 + E|grad D(fake)|^2), each gradient per image.
    expected += sum(0.5 * np.mean([np.sum(np.square(jax.grad(
        lambda x: mean_logit(d_module, d_net)(x[None])[0])(image))) for image in images])
        for images in (real, fake))
    np.testing.assert_allclose(
        penalties.r1_r2(mean_logit(d_module, d_net), real, fake, None),
        penalties.r1(mean_logit(d_module, d_net), real, fake, None) +
        penalties.r2(mean_logit(d_module, d_net), real, fake, None), rtol=1e-6)
  np.testing.assert_allclose(metrics["d_penalty"], expected, rtol=1e-4)
  assert float(metrics["d_penalty"]) > 0


@pytest.mark.parametrize("field, value, message", [
    ("domain_b.name", "", "must name domain B"),
    ("loss.penalty", "r1", "must be > 0 for loss.penalty='r1'"),
    ("domain_b.image_shape", (28, 28, 1), "identity loss needs the same channels"),
    ("data.image_shape", (30, 30, 3), "divisible by 2**downsamplings"),
    ("loss.pool_size", -1, "integer >= 0"),
])
def test_impossible_fields_are_one_line(field, value, message):
  section, name = field.split(".")
  c = tiny()
  c[section][name] = value
  with pytest.raises(UserError) as error:
    configs.validate(c, 1)
  assert message in str(error.value) and "\n" not in str(error.value)
