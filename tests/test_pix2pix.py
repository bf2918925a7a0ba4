"""pix2pix through the real loop: tiny runs train, resume bitwise, sample (and translate a
folder under the same names) and evaluate beside the baseline, on a shipped task, on
inpainting, and on a paired folder made by the image-folder command."""

import json
import os

import jax
import numpy as np
import pytest
from PIL import Image

from experiments import pix2pix_folder
from experiments import pix2pix_mnist_edges
from jaxgan import builder
from jaxgan import checkpoint
from jaxgan import configs
from jaxgan.translation import samples as image_translation
from jaxgan import parallel
from jaxgan import train
from jaxgan.data import image_folder
from jaxgan.data import sources
from jaxgan.errors import UserError


def shrink(c, num_steps):
  c.batch_size, c.num_steps = 4, num_steps
  c.log_every = c.checkpoint_every = c.sample_every = 2
  c.model.g_features, c.model.g_max_features = 4, 8
  c.model.d_features, c.model.d_max_features = 4, 8
  c.eval.num_samples, c.eval.batch_size = 8, 8
  c.sample.num_images = 4
  return c


def tiny(num_steps=4, **overrides):
  c = shrink(pix2pix_mnist_edges.get_config(), num_steps)
  for field, value in overrides.items():
    section, name = field.split(".")
    c[section][name] = value
  return c


def restore(config, workdir):
  exp = builder.build(config)
  ckpt = checkpoint.Checkpointer(str(workdir))
  state, data_state = ckpt.restore(exp.abstract_state(parallel.make_mesh()))
  ckpt.close()
  return jax.device_get(state), data_state


def test_trains_resumes_bitwise_samples_and_evaluates(tmp_path):
  metrics = train.train_and_evaluate(tiny(), str(tmp_path / "straight"))
  assert all(np.isfinite(metrics[k]) for k in ("d_loss", "g_adv", "g_rec"))
  assert sorted(os.listdir(tmp_path / "straight" / "samples")) == [
      "triples_00000002.png", "triples_00000004.png"]
  train.train_and_evaluate(tiny(2), str(tmp_path / "resumed"))
  train.train_and_evaluate(tiny(4), str(tmp_path / "resumed"))
  straight, straight_data = restore(tiny(), tmp_path / "straight")
  resumed, resumed_data = restore(tiny(), tmp_path / "resumed")
  assert straight_data == resumed_data
  for a, b in zip(jax.tree.leaves(straight), jax.tree.leaves(resumed)):
    assert a.tobytes() == b.tobytes()

  folder = tmp_path / "mine"
  os.makedirs(folder)
  Image.fromarray(np.zeros((28, 28), np.uint8)).save(folder / "a.png")
  Image.fromarray(np.full((40, 40, 3), 200, np.uint8)).save(folder / "b.jpg")  # Resized, grey.
  c = tiny()
  c.sample.input_dir = str(folder)
  out_dir = train.sample(c, str(tmp_path / "straight"))
  assert sorted(os.listdir(os.path.join(out_dir, "translated"))) == ["a.png", "b.jpg"]
  assert Image.open(os.path.join(out_dir, "translated", "b.jpg")).size == (28, 28)
  assert len(os.listdir(os.path.join(out_dir, "outputs"))) == 4
  assert os.path.exists(os.path.join(out_dir, "triples.png"))

  results = train.evaluate(tiny(), str(tmp_path / "straight"))
  for what in ("output", "identity"):
    for metric in ("l1", "psnr", "ssim", "fid[lenet-mnist]", "label_accuracy[lenet-mnist]"):
      assert np.isfinite(results[f"{metric}/{what}"]), (metric, what)
  assert results["num_samples/translated"] == 8
  assert json.load(open(tmp_path / "straight" / "eval_00000004.json"))["step"] == 4


def test_inpainting_pastes_the_context_and_scores_against_the_masked_input(tmp_path):
  c = tiny(2, **{"data.name": "mnist_inpaint_boxes", "loss.reconstruction": "hole",
                 "loss.weight": 999.0, "loss.paste_context": True})
  train.train_and_evaluate(c, str(tmp_path))
  exp, state = train.restore_for_inference(c, str(tmp_path))
  assert sorted(exp.streams()["train"].features) == ["mask", "source", "target"]
  batch = next(image_translation.batches(sources.open("mnist_inpaint_boxes", "test"),
                                         ["source", "mask"], 4, 4))
  out = exp.translate(state, batch["source"], batch["mask"])
  known = batch["mask"] < 0      # The stored 0 / 255 mask reaches the model as -1 / +1.
  np.testing.assert_allclose(np.broadcast_to(known, out.shape) * out,
                             known * batch["source"], atol=1e-6)
  results = exp.evaluate(state)
  assert {"l1/masked_input", "psnr/masked_input", "fid[lenet-mnist]/masked_input",
          "label_accuracy[lenet-mnist]/output"} <= set(results)


def _pair_folders(root, count=8, size=(16, 16)):
  rng = np.random.default_rng(0)
  for i in range(count):
    for side in ("a", "b"):
      os.makedirs(root / side, exist_ok=True)
      pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
      Image.fromarray(pixels).save(root / side / f"{i}.png")


def test_pix2pix_on_a_paired_folder(tmp_path):
  _pair_folders(tmp_path)
  image_folder.convert(str(tmp_path / "a"), "my_pairs", image_folder.Options(
      size=16, channels=3, test_fraction=0.0), str(tmp_path / "data"),
      paired_with=str(tmp_path / "b"))
  c = shrink(pix2pix_folder.get_config(), 2)
  c.data.name, c.data.data_dir, c.data.image_shape = "my_pairs", str(tmp_path / "data"), (16, 16, 3)
  c.eval_split = "train"
  c.loss.adversarial = "relativistic_pairing"    # Its G also reads D on the real target.
  metrics = train.train_and_evaluate(c, str(tmp_path / "run"))
  assert np.isfinite(metrics["g_adv"]) and np.isfinite(metrics["d_loss"])
  results = train.evaluate(c, str(tmp_path / "run"))
  assert np.isfinite(results["fid[random-cnn]/output"]) and "l1/identity" in results


def _one_line(call):
  with pytest.raises(UserError) as error:
    call()
  message = str(error.value)
  assert "\n" not in message
  return message


def test_folder_bad_inputs_are_one_line_each(tmp_path):
  _pair_folders(tmp_path, count=3)
  os.remove(tmp_path / "b" / "2.png")
  convert = lambda: image_folder.convert(
      str(tmp_path / "a"), "bad", image_folder.Options(size=16), str(tmp_path / "data"),
      paired_with=str(tmp_path / "b"))
  assert "has no partner" in _one_line(convert)
  Image.fromarray(np.zeros((20, 16, 3), np.uint8)).save(tmp_path / "b" / "2.png")
  assert "same size" in _one_line(convert)
  os.makedirs(tmp_path / "empty")
  assert "is empty" in _one_line(lambda: image_folder.convert(
      str(tmp_path / "empty"), "bad", image_folder.Options(size=16), str(tmp_path / "data")))
  # --mode=sample's folder reader.
  read = image_translation.read_folder
  assert "no such folder" in _one_line(lambda: read(str(tmp_path / "nope"), (16, 16, 3)))
  assert "no images" in _one_line(lambda: read(str(tmp_path / "empty"), (16, 16, 3)))
  (tmp_path / "empty" / "broken.png").write_text("not a png")
  assert "not a readable image" in _one_line(lambda: read(str(tmp_path / "empty"), (16, 16, 3)))


@pytest.mark.parametrize("field, value, message", [
    ("loss.reconstruction", "l2", "must be one of"),
    ("model.norm", "group", "must be one of"),
    ("data.image_shape", (8, 8, 1), "at least 16x16"),
])
def test_impossible_fields_are_one_line(field, value, message):
  section, name = field.split(".")
  c = tiny()
  c[section][name] = value
  assert message in _one_line(lambda: configs.validate(c, 1))
