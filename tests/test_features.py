"""Feature networks: Inception-v3 architecture and weight files, LeNet weights, random CNN."""

import flax.serialization
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from jaxgan.errors import UserError
from jaxgan.metrics import features
from jaxgan.metrics import inception


def _eval_config(**fields):
  c = ml_collections.ConfigDict({"feature_network": "random-cnn", "inception_weights": "",
                                 "lenet_weights": "", "random_seed": 0})
  c.update(fields)
  return c


@pytest.fixture(scope="module")
def inception_npz(tmp_path_factory):
  """Random weights in the converter's format: the PyTorch state dict's names and layouts."""
  rng = np.random.default_rng(0)
  arrays = {}
  for name, shape in inception.torch_shapes().items():
    # Scales that keep activations O(1) through 94 layers, so features depend on the input.
    if name.endswith(("running_var", "bn.weight")):
      arrays[name] = rng.uniform(0.8, 1.2, shape).astype(np.float32)
    elif name.endswith("conv.weight"):
      fan_in = np.prod(shape[1:])
      arrays[name] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
    else:
      arrays[name] = (0.01 * rng.standard_normal(shape)).astype(np.float32)
  arrays["Conv2d_1a_3x3.bn.num_batches_tracked"] = np.array(0)  # In newer state dicts; ignored.
  path = tmp_path_factory.mktemp("inception") / "weights.npz"
  np.savez(path, **arrays)
  return str(path), arrays


def test_inception_has_the_fid_graph_shapes():
  shapes = inception.torch_shapes()
  # The 94 convolutions of Inception-v3 without the auxiliary head, and the 1008-way classifier.
  assert sum(name.endswith("conv.weight") for name in shapes) == 94
  assert shapes["Conv2d_1a_3x3.conv.weight"] == (32, 3, 3, 3)
  assert shapes["Mixed_6e.branch7x7dbl_5.conv.weight"] == (192, 192, 1, 7)
  assert shapes["Mixed_7b.branch3x3_2a.conv.weight"] == (384, 384, 1, 3)
  assert shapes["Mixed_7c.branch_pool.conv.weight"] == (192, 2048, 1, 1)
  assert shapes["fc.weight"] == (inception.NUM_LOGITS, inception.FEATURE_DIM) == (1008, 2048)
  weights = sum(np.prod(s) for n, s in shapes.items() if n.endswith(("conv.weight", "fc.weight")))
  # Keras' InceptionV3 (same convolutions) has 21,751,136 conv weights; + 1008 x 2048 fc.
  assert weights == 21_751_136 + 1008 * 2048


def test_inception_loads_state_dict_layout_and_runs_at_the_smallest_input(inception_npz):
  path, arrays = inception_npz
  variables = inception.load_weights(path)
  kernel = variables["params"]["Mixed_6e"]["branch7x7dbl_5"]["conv"]["kernel"]
  assert kernel.shape == (1, 7, 192, 192)  # OIHW -> HWIO.
  np.testing.assert_array_equal(kernel[0, 3, 5, 7],
                                arrays["Mixed_6e.branch7x7dbl_5.conv.weight"][7, 5, 0, 3])
  np.testing.assert_array_equal(variables["batch_stats"]["Mixed_5b"]["branch1x1"]["bn"]["var"],
                                arrays["Mixed_5b.branch1x1.bn.running_var"])
  np.testing.assert_array_equal(variables["params"]["fc"]["kernel"], arrays["fc.weight"].T)
  x = jax.random.uniform(jax.random.PRNGKey(0), (2, 75, 75, 3), minval=-1, maxval=1)
  out = jax.jit(inception.InceptionV3FID(resize=False).apply)(variables, x)
  assert out["features"].shape == (2, 2048) and out["logits"].shape == (2, 1008)
  assert np.all(np.isfinite(out["features"])) and np.all(np.asarray(out["features"]) >= 0)
  assert not np.allclose(out["features"][0], out["features"][1])


def test_inception_conv_layout_matches_pytorch(inception_npz):
  """A (1, 7) BasicConv through our loader equals PyTorch's conv2d + BatchNorm(eval) + ReLU."""
  torch = pytest.importorskip("torch")
  _, arrays = inception_npz
  prefix = "Mixed_6b.branch7x7_2"
  x = np.random.default_rng(1).standard_normal((1, 9, 9, 128)).astype(np.float32)
  variables = inception.load_weights(inception_npz[0])
  block = {"params": variables["params"]["Mixed_6b"]["branch7x7_2"],
           "batch_stats": variables["batch_stats"]["Mixed_6b"]["branch7x7_2"]}
  ours = inception.BasicConv(128, (1, 7), padding=((0, 0), (3, 3))).apply(block, x)
  t = lambda name: torch.from_numpy(arrays[f"{prefix}.{name}"])
  y = torch.nn.functional.conv2d(torch.from_numpy(x).permute(0, 3, 1, 2), t("conv.weight"),
                                 padding=(0, 3))
  y = torch.nn.functional.batch_norm(y, t("bn.running_mean"), t("bn.running_var"),
                                     t("bn.weight"), t("bn.bias"), eps=1e-3)
  theirs = torch.relu(y).permute(0, 2, 3, 1).numpy()
  np.testing.assert_allclose(ours, theirs, atol=1e-4, rtol=1e-4)


def test_inception_feature_network_resizes_grayscale_to_299(inception_npz):
  network = features.build(_eval_config(feature_network="inception-v3",
                                        inception_weights=inception_npz[0]), (28, 28, 1))
  out = jax.jit(network.apply)(network.variables, jnp.zeros((1, 28, 28, 1)))
  assert out["features"].shape == (1, 2048) and out["logits"].shape == (1, 1008)
  assert network.name == "inception-v3" and network.fingerprint.startswith("inception-")


@pytest.mark.parametrize("change, message", [
    (lambda a: a.pop("Mixed_7c.branch_pool.conv.weight"),
     "missing array 'Mixed_7c.branch_pool.conv.weight'"),
    (lambda a: a.update({"fc.weight": np.zeros((1000, 2048), np.float32)}),
     "'fc.weight' has shape (1000, 2048), expected (1008, 2048)"),
    (lambda a: a.update({"AuxLogits.fc.weight": np.zeros((2, 2), np.float32)}),
     "unexpected array 'AuxLogits.fc.weight'"),
])
def test_mismatched_inception_file_is_a_one_line_error(inception_npz, tmp_path, change, message):
  arrays = dict(inception_npz[1])
  change(arrays)
  path = tmp_path / "bad.npz"
  np.savez(path, **arrays)
  with pytest.raises(UserError) as error:
    inception.load_weights(str(path))
  assert message in str(error.value) and "\n" not in str(error.value)
  assert "config.eval.inception_weights" in str(error.value)


def test_missing_or_unreadable_inception_file_is_a_one_line_error(tmp_path):
  for path, message in [("", "is empty"), (str(tmp_path / "nope.npz"), "no such file")]:
    with pytest.raises(UserError, match=message):
      inception.load_weights(path)
  garbage = tmp_path / "garbage.npz"
  garbage.write_bytes(b"not a zip file")
  with pytest.raises(UserError, match="not a readable .npz"):
    inception.load_weights(str(garbage))


def test_lenet_network_reads_saved_weights_and_stacks_channels(tmp_path):
  template = features.lenet_template()
  params = jax.tree.map(lambda x: x + 0.01, template)
  path = tmp_path / "lenet.msgpack"
  path.write_bytes(flax.serialization.to_bytes(params))
  network = features.build(_eval_config(feature_network="lenet-mnist", lenet_weights=str(path)),
                           (28, 28, 3))
  np.testing.assert_array_equal(network.variables["params"]["Dense_1"]["bias"],
                                params["params"]["Dense_1"]["bias"])
  x = jax.random.uniform(jax.random.PRNGKey(0), (4, 28, 28, 3), minval=-1, maxval=1)
  out = network.apply(network.variables, x)
  assert out["features"].shape == (4, 3 * 256) and out["logits"].shape == (4, 3, 10)
  # Channel 1 of a stacked image is classified like that digit alone.
  alone = network.apply(network.variables, x[..., 1:2])
  np.testing.assert_allclose(out["logits"][:, 1], alone["logits"], atol=1e-5)
  np.testing.assert_allclose(out["features"][:, 256:512], alone["features"], atol=1e-5)


def test_lenet_weight_file_errors(tmp_path):
  wrong = tmp_path / "wrong.msgpack"
  wrong.write_bytes(flax.serialization.to_bytes({"params": {"Dense_0": {"bias": np.zeros(3)}}}))
  for path, message in [(str(tmp_path / "none.msgpack"), "no such file"),
                        (str(wrong), "not LeNet weights")]:
    with pytest.raises(UserError, match=message):
      features.build(_eval_config(feature_network="lenet-mnist", lenet_weights=path), (28, 28, 1))
  with pytest.raises(UserError, match="28x28"):
    features.build(_eval_config(feature_network="lenet-mnist"), (32, 32, 3))


def test_random_cnn_is_seeded():
  x = jax.random.uniform(jax.random.PRNGKey(0), (3, 16, 16, 2))
  nets = [features.build(_eval_config(random_seed=s), (16, 16, 2)) for s in (0, 0, 1)]
  outs = [np.asarray(n.apply(n.variables, x)["features"]) for n in nets]
  assert outs[0].shape == (3, 480) and not nets[0].has_logits
  np.testing.assert_array_equal(outs[0], outs[1])
  assert not np.allclose(outs[0], outs[2])
  assert nets[0].fingerprint != nets[2].fingerprint


def test_shipped_lenet_weights_match_their_sha256_and_classify_mnist():
  from jaxgan.data import pipeline
  from jaxgan.data import sources
  assert inception.file_sha256(features.LENET_WEIGHTS) == features.LENET_SHA256
  network = features.build(_eval_config(feature_network="lenet-mnist"), (28, 28, 1))
  test = sources.load_split("shipped_mnist", "test")
  images, labels = pipeline.to_unit_range(test["image"][:1000]), test["label"][:1000]
  predicted = np.argmax(network.apply(network.variables, images)["logits"], -1)
  assert np.mean(predicted == labels) >= 0.98  # The whole test split: 99.23%.
