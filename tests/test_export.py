"""--mode=export: the jax.export artifact (plain jax) and the ONNX file (onnxruntime) compute
what jaxgan's generator computes, unconditional and conditional; the translators of pix2pix
and CycleGAN and the sequence GAN's video generator too."""

import json
import os
import runpy

import jax
import numpy as np
import pytest

from experiments import tiny
from jaxgan import export
from jaxgan import train
from jaxgan.errors import UserError


def _inputs(signature, batch=6):
  rng = np.random.default_rng(0)
  inputs = {}
  for spec in signature["inputs"]:
    shape = (batch, *spec["shape"][1:])
    if spec["dtype"] == "int32":
      inputs[spec["name"]] = (np.arange(batch) % 10).astype(np.int32)
    else:
      inputs[spec["name"]] = rng.standard_normal(shape).astype(np.float32)
  return inputs


def _trained_export(tmp_path, num_classes):
  """A 2-step run of experiments/tiny.py, exported: (signature, inputs, G's own output,
  the export folder)."""
  config = tiny.get_config()
  config.num_steps, config.model.num_classes = 2, num_classes
  workdir = str(tmp_path / "run")
  train.train_and_evaluate(config, workdir)
  out_dir = export.export(config, workdir)
  signature = json.load(open(os.path.join(out_dir, export.SIGNATURE)))
  inputs = _inputs(signature)
  exp, state = train.restore_for_inference(config, workdir)
  expected = np.asarray(exp.generate(state, inputs["z"], inputs.get("label"), use_ema=True))
  return signature, inputs, expected, out_dir


@pytest.mark.parametrize("num_classes", [0, 10])
def test_exported_generator_matches_jaxgan(tmp_path, num_classes):
  signature, inputs, expected, out_dir = _trained_export(tmp_path, num_classes)
  assert [s["name"] for s in signature["inputs"]] == ["z", "label"][:1 + bool(num_classes)]
  with open(os.path.join(out_dir, export.ARTIFACT), "rb") as f:
    exported = jax.export.deserialize(bytearray(f.read()))
  got = np.asarray(exported.call(*inputs.values()))
  assert got.shape == expected.shape == (6, 28, 28, 1)
  assert np.max(np.abs(got - expected)) <= 1e-4
  runpy.run_path(os.path.join(out_dir, export.EXAMPLE))  # The loader example runs as shipped.
  assert os.path.exists(os.path.join(out_dir, "example.png"))


def test_the_onnx_generator_matches_jaxgan(tmp_path):
  onnxruntime = pytest.importorskip("onnxruntime")  # The export extra.
  pytest.importorskip("jax2onnx")
  _, inputs, expected, out_dir = _trained_export(tmp_path, 10)
  session = onnxruntime.InferenceSession(os.path.join(out_dir, export.ONNX))
  (got,) = session.run(None, inputs)
  assert np.max(np.abs(got - expected)) <= 1e-4


def test_an_operation_onnx_cannot_express_is_one_line(tmp_path):
  pytest.importorskip("jax2onnx")
  from jaxgan import interface
  batched_qr = lambda x: jax.numpy.linalg.qr(x.reshape(-1, 2, 2))[0].reshape(x.shape)
  exportable = interface.Exportable(batched_qr, {"x": ((4,), "float32")}, "y", (4,), "x -> y")
  with pytest.raises(UserError, match="jax2onnx cannot express .*qr") as error:
    export.write_onnx(exportable, str(tmp_path))
  assert "\n" not in str(error.value)
  assert export._unsupported_operation(NotImplementedError(  # pylint: disable=protected-access
      "[custom_vjp] No plugins registered for primitive 'custom_vmap_call'")) == (
          "the operation 'custom_vmap_call'")


def _translator_export(tmp_path, kind, direction):
  """A 2-step pix2pix (no test-time dropout) or CycleGAN run in `direction`, exported:
  (signature, images, the kind's own translation, the export folder)."""
  import test_cyclegan  # pylint: disable=import-outside-toplevel
  import test_pix2pix  # pylint: disable=import-outside-toplevel
  if kind == "pix2pix":
    config = test_pix2pix.tiny(num_steps=2)
    config.model.test_dropout = False
  else:
    config = test_cyclegan.tiny(num_steps=2)
    config.sample.direction = direction
  workdir = str(tmp_path / "run")
  train.train_and_evaluate(config, workdir)
  out_dir = export.export(config, workdir)
  signature = json.load(open(os.path.join(out_dir, export.SIGNATURE)))
  (spec,) = signature["inputs"]
  images = np.random.default_rng(0).uniform(-1, 1, (5, *spec["shape"][1:])).astype(np.float32)
  exp, state = train.restore_for_inference(config, workdir)
  expected = (exp.translate(state, images) if kind == "pix2pix"
              else exp.translate(state, images, direction))
  return signature, {spec["name"]: images}, np.asarray(expected), out_dir


@pytest.mark.parametrize("kind, direction", [("pix2pix", ""), ("cyclegan", "b2a")])
def test_exported_translator_matches_jaxgan(tmp_path, kind, direction):
  """pix2pix's G and CycleGAN's b2a translator (the one not exported by default): the
  artifact computes what the kind's `translate` does."""
  signature, inputs, expected, out_dir = _translator_export(tmp_path, kind, direction)
  with open(os.path.join(out_dir, export.ARTIFACT), "rb") as f:
    got = np.asarray(jax.export.deserialize(bytearray(f.read())).call(*inputs.values()))
  assert got.shape == expected.shape == (5, *signature["output"]["shape"][1:])
  assert np.max(np.abs(got - expected)) <= 1e-4


def _video_export(tmp_path):
  """The sequence GAN's sprite G with every input (noise, given frames, a digit) after a
  2-step run, exported: (signature, inputs, G's own output, the export folder)."""
  changes = {"model.context_frames": 2, "model.num_classes": 10}
  import test_video_gan  # pylint: disable=import-outside-toplevel
  config = test_video_gan.tiny_sprite_config(**changes)
  config.num_steps, config.eval_every = 2, 0
  workdir = str(tmp_path / "run")
  train.train_and_evaluate(config, workdir)
  out_dir = export.export(config, workdir)
  signature = json.load(open(os.path.join(out_dir, export.SIGNATURE)))
  inputs = _inputs(signature, batch=3)
  inputs["context"] = np.tanh(inputs["context"])   # Frames in [-1, 1].
  exp, state = train.restore_for_inference(config, workdir)
  expected = np.asarray(exp.generate(state, inputs["z"], inputs["noise"], inputs["context"],
                                     inputs["label"], True))
  return signature, inputs, expected, out_dir


def test_exported_video_generator_matches_jaxgan(tmp_path):
  signature, inputs, expected, out_dir = _video_export(tmp_path)
  assert [s["name"] for s in signature["inputs"]] == ["z", "noise", "context", "label"]
  with open(os.path.join(out_dir, export.ARTIFACT), "rb") as f:
    got = np.asarray(jax.export.deserialize(bytearray(f.read())).call(*inputs.values()))
  assert got.shape == expected.shape == (3, *signature["output"]["shape"][1:])
  assert np.max(np.abs(got - expected)) <= 1e-4


@pytest.mark.parametrize("kind", ["pix2pix", "cyclegan"])
def test_the_onnx_translators_match_jaxgan(tmp_path, kind):
  onnxruntime = pytest.importorskip("onnxruntime")  # The export extra.
  pytest.importorskip("jax2onnx")
  _, inputs, expected, out_dir = _translator_export(tmp_path, kind, "a2b")
  session = onnxruntime.InferenceSession(os.path.join(out_dir, export.ONNX))
  (got,) = session.run(None, inputs)
  assert np.max(np.abs(got - expected)) <= 1e-4


def test_the_video_generator_is_refused_by_onnx_in_one_line_after_its_artifact(tmp_path):
  """jax2onnx cannot trace the sprite G with a symbolic batch axis; the jax.export artifact
  is still written and the refusal is one line."""
  pytest.importorskip("jax2onnx")
  with pytest.raises(UserError, match="jax2onnx cannot express .*Symbolic dimension") as error:
    _video_export(tmp_path)
  assert "\n" not in str(error.value)
  assert os.path.exists(str(error.value).split("; ")[1].split(" (jax.export)")[0])
