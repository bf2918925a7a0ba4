"""Feature networks for FID/KID/IS/precision-recall, by name: every number carries the name.

  lenet-mnist    the project's MNIST classifier (jaxgan/models/classifier.py) with the weights
                 shipped in jaxgan/metrics/weights/lenet_mnist.msgpack (or
                 --config.eval.lenet_weights=PATH); 256-d features, 10 logits. Images with C
                 channels are classified channel by channel (Stacked MNIST): features are the
                 C per-channel vectors concatenated, logits are [N, C, 10].
  inception-v3   the FID Inception of the literature (jaxgan/metrics/inception.py), weights
                 from --config.eval.inception_weights=PATH; 2048-d features, 1008 logits.
  random-cnn     a randomly initialised conv net (seed --config.eval.random_seed), for datasets
                 with no trained network; features only. Its numbers compare runs with each
                 other, never with papers.

A network is a `FeatureNetwork`: a pure `apply(variables, images)` on images in [-1, 1]
(the generators' range) returning {"features", "logits"?}, its variables, and a fingerprint of
its weights that keys the cached reference statistics.
"""

import dataclasses
import os
from typing import Any, Callable

import flax.linen as nn
import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np
from absl import logging

from jaxgan.errors import UserError
from jaxgan.metrics import inception
from jaxgan.metrics import network_choice
from jaxgan.models import classifier

LENET_WEIGHTS = os.path.join(os.path.dirname(__file__), "weights", "lenet_mnist.msgpack")
# sha256 of the shipped LENET_WEIGHTS (written by python -m jaxgan.tools.classifier_weights).
LENET_SHA256 = "d8b74d92cdd9ea38e4eab0be1ee9e4fe5041077c698285ca33c4855c8a367826"


@dataclasses.dataclass(frozen=True)
class FeatureNetwork:
  name: str
  apply: Callable       # (variables, images [N, H, W, C] in [-1, 1]) -> {"features", "logits"?}
  variables: Any
  fingerprint: str      # Changes whenever the weights (hence the features) change.
  has_logits: bool


# -- lenet-mnist ---------------------------------------------------------------------------
def lenet_template():
  """LeNet variables, randomly initialised: what the weight file holds (tests write it)."""
  return jax.jit(classifier.LeNet().init)(jax.random.PRNGKey(0), jnp.zeros((1, 28, 28, 1)))


def lenet_shapes():
  """The tree and shapes LeNet's weight file must match, without running the init (compiling
  it took 10 s of every --mode=eval on the 2-core CPU)."""
  return jax.eval_shape(classifier.LeNet().init, jax.random.PRNGKey(0),
                        jax.ShapeDtypeStruct((1, 28, 28, 1), jnp.float32))


def load_lenet(path: str):
  """LeNet variables from a flax msgpack file; UserError naming the file if it is unusable."""
  shipped = path == LENET_WEIGHTS
  field = "config.eval.lenet_weights"
  if not os.path.isfile(path):
    if shipped:
      raise UserError(f"{field}='': the shipped LeNet weights {path} are missing; reinstall "
                      f"jaxgan, pass {field}=PATH, or use eval.feature_network=random-cnn")
    raise UserError(f"{field}={path!r}: no such file")
  template = lenet_shapes()
  try:
    with open(path, "rb") as f:
      variables = flax.serialization.from_bytes(template, f.read())
  except Exception as error:  # msgpack and flax raise many types for a wrong file.
    raise UserError(f"{field}={path!r}: not LeNet weights ({type(error).__name__}: "
                    f"{str(error).splitlines()[0] if str(error) else ''})") from None
  for (where, want), got in zip(jax.tree_util.tree_flatten_with_path(template)[0],
                                jax.tree.leaves(variables)):
    if np.shape(got) != np.shape(want):
      raise UserError(f"{field}={path!r}: {jax.tree_util.keystr(where)} has shape "
                      f"{np.shape(got)}, LeNet needs {np.shape(want)}")
  expected = LENET_SHA256
  digest = inception.file_sha256(path)
  if shipped and expected and digest != expected:
    raise UserError(f"{path}: sha256 {digest} is not the shipped {expected}; reinstall jaxgan")
  return jax.tree.map(jnp.asarray, variables), digest


def _lenet_apply(variables, images):
  n, h, w, c = images.shape
  per_channel = jnp.moveaxis(images, -1, 1).reshape((n * c, h, w, 1))
  logits, features = classifier.LeNet().apply(variables, per_channel, train=False,
                                              return_features=True)
  logits = logits.reshape((n, c, -1))
  return {"features": features.reshape((n, -1)), "logits": logits[:, 0] if c == 1 else logits}


def _lenet(eval_config, image_shape) -> FeatureNetwork:
  if tuple(image_shape[:2]) != (28, 28):
    raise UserError(f"config.eval.feature_network='lenet-mnist' reads 28x28 MNIST-like images, "
                    f"not {tuple(image_shape)}; use inception-v3 or random-cnn")
  variables, digest = load_lenet(eval_config.lenet_weights or LENET_WEIGHTS)
  return FeatureNetwork("lenet-mnist", _lenet_apply, variables, f"lenet-{digest[:16]}", True)


# -- inception-v3 --------------------------------------------------------------------------
def _inception(eval_config, image_shape) -> FeatureNetwork:
  if image_shape[-1] not in (1, 3):
    raise UserError(f"config.eval.feature_network='inception-v3' reads 1- or 3-channel images, "
                    f"not {tuple(image_shape)}; use random-cnn")
  path = eval_config.inception_weights
  variables = jax.tree.map(jnp.asarray, inception.load_weights(path))
  return _inception_network(variables, f"inception-{inception.file_sha256(path)[:16]}")


def _inception_network(variables, fingerprint: str) -> FeatureNetwork:
  def apply(variables, images):
    if images.shape[-1] == 1:
      images = jnp.repeat(images, 3, axis=-1)
    return inception.InceptionV3FID(resize=True).apply(variables, images)

  return FeatureNetwork("inception-v3", apply, variables, fingerprint, True)


def random_inception_network(seed: int = 0) -> FeatureNetwork:
  """The FID Inception with random weights of the right shapes (He-scaled kernels, unit
  BatchNorm statistics): the same work per image, for timing the feature path where the
  real weights are not at hand. Its features mean nothing; its fingerprint says so."""
  rng = np.random.default_rng(seed)

  def fill(path, leaf):
    name = path[-1].key
    if name == "kernel":
      fan_in = int(np.prod(leaf.shape[:-1]))
      return jnp.asarray(rng.standard_normal(leaf.shape, np.float32) * np.sqrt(2.0 / fan_in))
    if name in ("scale", "var"):
      return jnp.ones(leaf.shape, jnp.float32)
    return jnp.zeros(leaf.shape, jnp.float32)

  variables = jax.tree_util.tree_map_with_path(fill, inception.abstract_variables())
  return _inception_network(variables, f"inception-random-seed{seed}")


# -- random-cnn ----------------------------------------------------------------------------
class RandomCNN(nn.Module):
  """Four 3x3 convs (stride 1, 2, 2, 2) with ReLU; features are every layer's global mean,
  concatenated (32 + 64 + 128 + 256 = 480), so both fine and coarse statistics count."""
  widths: tuple = (32, 64, 128, 256)

  @nn.compact
  def __call__(self, x):
    pooled = []
    for index, width in enumerate(self.widths):
      x = nn.relu(nn.Conv(width, (3, 3), (1, 1) if index == 0 else (2, 2), "SAME")(x))
      pooled.append(jnp.mean(x, axis=(1, 2)))
    return {"features": jnp.concatenate(pooled, axis=-1)}


def _random_cnn(eval_config, image_shape) -> FeatureNetwork:
  seed = int(eval_config.random_seed)
  dummy = jnp.zeros((1, *image_shape), jnp.float32)
  variables = jax.jit(RandomCNN().init)(jax.random.PRNGKey(seed), dummy)
  apply = lambda variables, images: RandomCNN().apply(variables, images.astype(jnp.float32))
  return FeatureNetwork("random-cnn", apply, variables, f"random-cnn-seed{seed}", False)


# name -> builder(eval config, image shape) -> FeatureNetwork.
FEATURE_NETWORKS: dict[str, Callable] = {
    "lenet-mnist": _lenet,
    "inception-v3": _inception,
    "random-cnn": _random_cnn,
}


def build(eval_config, image_shape, dataset: str = "") -> FeatureNetwork:
  """The network `eval_config.feature_network` names; "auto" picks by `dataset`
  (network_choice.choose; a note is logged when it falls back to random-cnn)."""
  name, note = network_choice.choose(eval_config.feature_network, [dataset],
                                     eval_config.get("inception_weights", ""))
  if note:
    logging.warning("%s", note)
  if name not in FEATURE_NETWORKS:
    raise UserError(f"config.eval.feature_network={name!r}: must be one of "
                    f"{sorted([network_choice.AUTO, *FEATURE_NETWORKS])}")
  return FEATURE_NETWORKS[name](eval_config, tuple(image_shape))
