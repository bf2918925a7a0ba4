"""The model zoo end to end: every experiment file builds and trains, labels and InfoGAN codes
reach the samples, and the classifier kind trains and reports its test accuracy.

CIFAR-10 is not prepared on a test machine: its experiments read a small stand-in of random
uint8 32x32x3 images with labels, registered as a generated dataset for these tests only.
Compiling dominates the cost, so the steps are compiled with XLA's backend optimisations off
and each experiment is trained once per session (`trained`) for every test that needs it.
"""

import functools
import glob
import importlib
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import builder
from jaxgan import configs
from jaxgan import parallel
from jaxgan import train
from jaxgan.data import sources
from jaxgan.kinds.gan import codes as codes_lib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The kinds whose experiment files this zoo test knows how to shrink; the newer kinds'
# files (video_gan, pix2pix, cyclegan: their own datasets, folders and sizes) train in their
# own tests (tests/test_video_gan.py, tests/test_pix2pix.py, tests/test_cyclegan.py).
ZOO_KINDS = ("gan", "vae", "classifier")
EXPERIMENTS = sorted(
    name for name in (os.path.splitext(os.path.basename(path))[0]
                      for path in glob.glob(os.path.join(REPO, "experiments", "*.py"))
                      if not os.path.basename(path).startswith("_"))
    if importlib.import_module(f"experiments.{name}").get_config().kind in ZOO_KINDS)
FAKE_CIFAR10 = "fake_cifar10"
SMALL_MNIST = "small_mnist"
# Halves the compile time on CPU; the tests check behaviour, not speed.
FAST_COMPILE = {"xla_backend_optimization_level": "0"}


def fake_cifar10(split: str) -> dict[str, np.ndarray]:
  """CIFAR-10's shapes, dtype and label range with random content: enough to build and step."""
  rng = np.random.default_rng(["train", "test"].index(split))
  return {"image": rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8),
          "label": rng.integers(0, 10, (64,)).astype(np.int32)}


def small_mnist(split: str) -> dict[str, np.ndarray]:
  """The first 1,000 images of each shipped MNIST split, so a whole-split evaluation is fast."""
  arrays = sources.load_split("shipped_mnist", split)
  return {name: array[:1000] for name, array in arrays.items()}


@pytest.fixture(scope="module", autouse=True)
def stand_in_datasets():
  # Names of their own, so load_split's per-process cache never serves them as the real ones.
  with pytest.MonkeyPatch.context() as patch:
    patch.setitem(sources.GENERATED, FAKE_CIFAR10, fake_cifar10)
    patch.setitem(sources.GENERATED, SMALL_MNIST, small_mnist)
    yield


def tiny(name: str, batch_size: int = 4):
  """The experiment's config at the smallest sizes it allows. What makes the experiment
  (loss, penalty, architecture, conditioning, optimizer) stays. The loop over discriminator
  updates is the same for 2 as for 5, so GANs make at most 2 per step; the ResNets, whose
  compile time dominates, make 1 and get 16 channels."""
  c = importlib.import_module(f"experiments.{name}").get_config()
  c.batch_size = batch_size
  c.num_steps = 2
  c.log_every = c.checkpoint_every = c.sample_every = 1
  c.sample.num_images, c.sample.grid_rows = 4, 2
  c.eval_every = 0
  if c.data.name == "cifar10":
    c.data.name = FAKE_CIFAR10
  if c.kind == "gan":
    c.optim.n_dis = min(c.optim.n_dis, 2)
    c.penalty.examples = min(c.penalty.examples, batch_size // 2)   # A sub-batch still.
  if c.model.architecture == "resnet32":
    c.optim.n_dis = 1
    c.model.g_channels = c.model.d_channels = 16
  if c.kind == "vae":
    c.vae.eval_iw_samples, c.vae.eval_chunk_size = 4, 2
    c.vae.eval_batch_size, c.vae.eval_examples = 4, 8
  return c


def train_steps(config, num_steps: int = 2):
  """Validates and builds `config`, then runs `num_steps` of its jitted step on batches from
  its own data pipeline: the training loop without its checkpoints, logs and samples."""
  configs.validate(config, jax.device_count())
  exp = builder.build(config)
  mesh = parallel.make_mesh()
  init = jax.jit(exp.init, out_shardings=parallel.replicated(mesh))
  state = init.lower().compile(compiler_options=FAST_COMPILE)()
  data = train.make_iterators(exp)
  sharding = parallel.batch_sharding(mesh)
  batch = parallel.put_batch(train.next_batch(data), sharding)
  step = exp.jit_step(mesh).lower(state, batch).compile(compiler_options=FAST_COMPILE)
  for index in range(num_steps):
    if index:
      batch = parallel.put_batch(train.next_batch(data), sharding)
    state, metrics = step(state, batch)
  return exp, state, jax.device_get(metrics)


@functools.lru_cache(maxsize=None)
def trained(name: str):
  """(experiment, state, last metrics) of `name` after two tiny steps, once per session."""
  return train_steps(tiny(name))


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_builds_and_trains_two_steps(name):
  _, state, metrics = trained(name)
  assert int(state.step) == 2
  assert metrics, f"{name} reported no metrics"
  for metric, value in metrics.items():
    assert np.all(np.isfinite(value)), f"{name}: {metric} = {value}"
  assert all(np.all(np.isfinite(leaf)) for leaf in jax.tree.leaves(jax.device_get(state)))


def generate(exp, state, z, labels=None):
  return np.asarray(exp.generate(state, z, labels, use_ema=False))


def assert_all_differ(images, what: str):
  """Every pair of images differs by more than float noise."""
  flat = images.reshape((len(images), -1))
  gaps = np.abs(flat[:, None] - flat[None]).max(axis=-1) + np.eye(len(flat))
  assert gaps.min() > 1e-6, f"two {what} gave the same image (max difference {gaps.min():g})"


def test_concatenated_labels_change_the_samples():
  exp, state, _ = trained("cgan_mnist")
  z = jnp.tile(jax.random.normal(jax.random.PRNGKey(1), (1, exp.config.model.latent_dim)),
               (10, 1))
  assert_all_differ(generate(exp, state, z, jnp.arange(10)), "labels")


def test_projection_cgan_samples_depend_on_the_labels_it_was_trained_on():
  # Conditional BN starts every class at gamma = 1, beta = 0, so a class changes G's output
  # once a generator update has seen it; two steps see a few classes.
  exp, state, _ = trained("cgan_pd_cifar10")
  seen = set()
  for path, table in jax.tree_util.tree_leaves_with_path(jax.device_get(state.g.params)):
    names = [getattr(key, "key", "") for key in path]
    if "gamma" in names or "beta" in names:
      initial = 1.0 if "gamma" in names else 0.0
      seen |= set(np.flatnonzero(np.any(table != initial, axis=-1)).tolist())
  assert len(seen) >= 2, f"two steps trained the class tables of only {sorted(seen)}"
  labels = jnp.asarray(sorted(seen))
  z = jnp.tile(jax.random.normal(jax.random.PRNGKey(1), (1, exp.config.model.latent_dim)),
               (len(labels), 1))
  assert_all_differ(generate(exp, state, z, labels), "labels")


def test_infogan_codes_change_the_samples():
  exp, state, _ = trained("infogan_mnist")
  num_categorical, num_continuous = exp.code_dims
  noise = jnp.tile(jax.random.normal(jax.random.PRNGKey(1), (1, exp.config.model.latent_dim)),
                   (num_categorical, 1))
  # One image per categorical value, the continuous codes held at 0...
  by_category = codes_lib.append(noise, {
      "categorical": jnp.arange(num_categorical),
      "continuous": jnp.zeros((num_categorical, num_continuous))}, num_categorical)
  assert_all_differ(generate(exp, state, by_category), "categorical codes")
  # ...and the first continuous code swept with the categorical one held.
  by_continuous = codes_lib.append(noise[:3], {
      "categorical": jnp.zeros((3,), jnp.int32),
      "continuous": jnp.zeros((3, num_continuous)).at[:, 0].set(jnp.asarray([-1.0, 0.0, 1.0]))},
      num_categorical)
  assert_all_differ(generate(exp, state, by_continuous), "continuous codes")


def test_classifier_trains_and_reports_test_accuracy():
  c = tiny("classifier_mnist", batch_size=32)
  c.data.name = SMALL_MNIST
  c.num_steps = 30
  exp, state, metrics = train_steps(c, num_steps=c.num_steps)
  assert np.isfinite(metrics["loss"])
  results = exp.evaluate(state)
  assert results["test_examples"] == 1000
  assert np.isfinite(results["test_cross_entropy"])
  # 30 steps of 32 take LeNet far above chance (0.1).
  assert results["test_accuracy"] > 0.5, results
