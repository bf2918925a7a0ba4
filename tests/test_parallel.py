"""Data parallelism: 8 CPU devices give the numbers of 1, and resume exactly.

The 8-device runs happen in a subprocess, because XLA_FLAGS must be set before JAX starts;
that subprocess is this file run as a script (see the bottom).
"""

import json
import os
import subprocess
import sys

import jax
import numpy as np
import pytest

from jaxgan import builder
from jaxgan import checkpoint
from jaxgan import parallel
from jaxgan import train

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = 6


def tiny(num_steps=STEPS):
  from experiments import tiny as tiny_experiment
  config = tiny_experiment.get_config()
  config.num_steps = num_steps
  config.log_every = 1
  return config


def run_script(args, devices: int, tmp_path) -> str:
  """Runs this file as a script with `devices` CPU devices; returns its stdout."""
  env = dict(os.environ, PYTHONPATH=REPO, JAX_PLATFORMS="cpu",
             XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}",
             # Later compilations of the same step hit the cache instead of recompiling.
             JAX_COMPILATION_CACHE_DIR=str(tmp_path / "jax_cache"))
  result = subprocess.run([sys.executable, os.path.abspath(__file__), *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stderr[-3000:]
  return result.stdout


def losses(workdir) -> dict[int, dict]:
  with open(os.path.join(workdir, "metrics.jsonl")) as f:
    return {line["step"]: line for line in map(json.loads, f)}


def restore(config, workdir, step):
  exp = builder.build(config)
  ckpt = checkpoint.Checkpointer(str(workdir))
  state, data_state = ckpt.restore(exp.abstract_state(parallel.make_mesh()), step=step)
  ckpt.close()
  return jax.device_get(state), data_state


@pytest.fixture(scope="module")
def eight_device_runs(tmp_path_factory):
  """A straight 6-step run and a 3+3 resumed one, both on 8 devices."""
  root = tmp_path_factory.mktemp("eight")
  out = run_script(["straight_and_resumed", str(root)], 8, root)
  assert json.loads(out.strip().splitlines()[-1]) == {"device_count": 8}
  return root


def test_eight_devices_match_one_device(eight_device_runs, tmp_path):
  train.train_and_evaluate(tiny(), str(tmp_path))
  one, eight = losses(tmp_path), losses(eight_device_runs / "straight")
  assert sorted(one) == sorted(eight) == list(range(1, STEPS + 1))
  # Step 1 starts from the same parameters: BatchNorm statistics and losses are over the
  # global batch, so only the order of float additions differs.
  for name in ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"):
    np.testing.assert_allclose(eight[1][name], one[1][name], rtol=1e-5, err_msg=name)
  # Adam's first updates are about lr * sign(gradient), which turns those last-bit
  # differences into slowly growing ones (measured: <=5e-4 relative by step 6).
  for step in one:
    for name in ("d_loss", "g_loss"):
      np.testing.assert_allclose(eight[step][name], one[step][name], rtol=2e-3,
                                 err_msg=f"{name} at step {step}")


def test_resume_on_eight_devices_is_bitwise_exact(eight_device_runs):
  straight, straight_data = restore(tiny(), eight_device_runs / "straight", STEPS)
  resumed, resumed_data = restore(tiny(), eight_device_runs / "resumed", STEPS)
  assert straight_data == resumed_data
  leaves_a, leaves_b = jax.tree.leaves(straight), jax.tree.leaves(resumed)
  assert len(leaves_a) == len(leaves_b) > 20
  for a, b in zip(leaves_a, leaves_b):
    assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _straight_and_resumed(root: str) -> None:
  train.train_and_evaluate(tiny(), os.path.join(root, "straight"))
  train.train_and_evaluate(tiny(num_steps=STEPS // 2), os.path.join(root, "resumed"))
  train.train_and_evaluate(tiny(), os.path.join(root, "resumed"))
  print(json.dumps({"device_count": jax.device_count()}))


def test_noise_drawn_in_the_step_is_sharded_like_the_batch():
  # Noise drawn inside the step comes out replicated; unless it is laid out like the batch,
  # every device would run G (and D on the fakes) on the whole batch.
  from jax.sharding import NamedSharding, PartitionSpec as P
  from jaxgan.ops import batch_sharding
  mesh = parallel.make_mesh()
  images = jax.device_put(np.zeros((4, 2, 2, 1), np.float32), NamedSharding(mesh, P("data")))
  specs = {}

  def f(images):
    z = jax.random.normal(jax.random.key(0), (4, 3))
    labels = jax.random.randint(jax.random.key(1), (4,), 0, 10)
    assert jax.typeof(z).sharding.spec == P(None, None)
    z, labels = batch_sharding.shard_like((z, labels), images)
    specs.update(z=jax.typeof(z).sharding.spec, labels=jax.typeof(labels).sharding.spec)
    return z

  with jax.set_mesh(mesh):
    jax.jit(f)(images)
  assert specs == {"z": P("data", None), "labels": P("data")}


# -- one step's gradient on 8 devices, per leaf, for every GAN architecture in the registry --

GRADIENT_BATCH = 16


def _architecture_config(name: str):
  """A GAN config for architecture `name` at tiny widths, plain SGD (its update is -lr times
  the gradient, where Adam's first step would amplify last-bit differences to lr * sign)."""
  from jaxgan.kinds.gan import architectures  # pylint: disable=import-outside-toplevel
  c = tiny()
  c.model.architecture = name
  made_for = architectures.ARCHITECTURES[name].image_shape
  if made_for is not None:
    c.data.image_shape = tuple(made_for)
  if name in ("mlp_cgan",):
    c.model.num_classes = 10
  if name == "resnet32":    # Spectral norm in both networks and self-attention: all of it.
    c.model.update(g_channels=16, d_channels=16, g_spectral_norm=True, d_spectral_norm=True,
                   attention_resolution=16)
  c.batch_size = GRADIENT_BATCH
  c.optim.update(name="sgd", g_lr=0.1, d_lr=0.1, ema_decay=0.0)
  return c


def _updates(name: str, reverse: bool) -> dict:
  """{leaf: new - old} of G's and D's parameters after one step on a fixed random batch. With
  `reverse`, the batch and the step's noise come in reversed order: the same step in exact
  arithmetic, other float32 summation orders."""
  from jaxgan.kinds.gan import step as step_lib  # pylint: disable=import-outside-toplevel
  config = _architecture_config(name)
  exp = builder.build(config)
  mesh = parallel.make_mesh()
  state = exp.init_state(mesh)
  rng = np.random.default_rng(0)
  batch = {"image": rng.uniform(-1, 1, (GRADIENT_BATCH, *config.data.image_shape))
                       .astype(np.float32)}
  if config.model.num_classes:
    batch["label"] = rng.integers(0, config.model.num_classes, GRADIENT_BATCH).astype(np.int32)
  original = step_lib.sample_latents

  def reversed_latents(*args, **kwargs):
    z, y = original(*args, **kwargs)
    return z[::-1], (None if y is None else y[::-1])

  before = {"g": jax.device_get(state.g.params), "d": jax.device_get(state.d.params)}
  if reverse:
    batch = {k: v[::-1].copy() for k, v in batch.items()}
    step_lib.sample_latents = reversed_latents
  try:
    batch = parallel.put_batch({"train": batch}, parallel.batch_sharding(mesh))
    # Unoptimised compilation (as tests/test_zoo.py): the same for all three runs, and quick.
    step = exp.jit_step(mesh).lower(state, batch).compile(
        compiler_options={"xla_backend_optimization_level": "0"})
    new, _ = step(state, batch)
  finally:
    step_lib.sample_latents = original
  out = {}
  for net in ("g", "d"):
    after = jax.device_get(getattr(new, net).params)   # The step donated `state`'s buffers.
    for (path, a), b in zip(jax.tree_util.tree_flatten_with_path(after)[0],
                            jax.tree.leaves(before[net])):
      out[net + jax.tree_util.keystr(path)] = np.asarray(a, np.float64) - np.asarray(b, np.float64)
  return out


def _relative(a, b) -> float:
  return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


# Architectures whose builder is another's at other sizes: dcgan_stacked_mnist is dcgan_mnist
# with 3 output channels, mlp_2d_pacgan is mlp_2d's networks at other widths.
SAME_NETWORKS_AS = {"dcgan_stacked_mnist": "dcgan_mnist", "mlp_2d_pacgan": "mlp_2d"}


def _checked_architectures() -> list[str]:
  from jaxgan.kinds.gan import architectures  # pylint: disable=import-outside-toplevel
  return [name for name in sorted(architectures.ARCHITECTURES) if name not in SAME_NETWORKS_AS]


def _gradients_on_devices(out_dir: str) -> None:
  for name in _checked_architectures():
    np.savez(os.path.join(out_dir, f"{name}.npz"), **_updates(name, reverse=False))
  print(json.dumps({"device_count": jax.device_count()}))


# Leaves whose gradient is zero in exact arithmetic (a bias that feeds a BatchNorm, which
# subtracts it again): their float32 "update" is rounding noise in any order of summation.
ZERO_IN_EXACT_ARITHMETIC = {
    "dcgan_mnist": ("g['ConvTranspose_0']['bias']", "d['Conv_1']['bias']"),
}


def test_every_gan_architecture_gets_the_same_gradient_on_eight_devices(tmp_path):
  """One SGD step on 8 devices against 1, per parameter leaf. Where the step sums many
  nearly-cancelling terms (behind a BatchNorm, at initialisation) float32 differs with the
  order of summation; the 8-device result must then be as close to the 1-device one as the
  1-device step is to itself with the batch and the noise reversed (and within 1e-5 where
  that order noise is smaller). A per-device statistic or a gradient summed over one
  device's examples would differ by orders of magnitude more."""
  out = run_script(["gradients_on_devices", str(tmp_path)], 8, tmp_path)
  assert json.loads(out.strip().splitlines()[-1]) == {"device_count": 8}
  for name in _checked_architectures():
    eight, one = dict(np.load(tmp_path / f"{name}.npz")), _updates(name, reverse=False)
    assert sorted(one) == sorted(eight), name
    skipped = ZERO_IN_EXACT_ARITHMETIC.get(name, ())
    assert all(leaf in one for leaf in skipped), (name, skipped)
    checked = [leaf for leaf in one if leaf not in skipped]
    if all(_relative(eight[leaf], one[leaf]) <= 1e-5 for leaf in checked):
      continue   # The MLPs: no order noise to calibrate against.
    reordered = _updates(name, reverse=True)
    for leaf in checked:
      order_noise = _relative(reordered[leaf], one[leaf])
      assert _relative(eight[leaf], one[leaf]) <= max(1e-5, 3 * order_noise), (
          name, leaf, _relative(eight[leaf], one[leaf]), order_noise)


if __name__ == "__main__":
  {"straight_and_resumed": _straight_and_resumed,
   "gradients_on_devices": _gradients_on_devices}[sys.argv[1]](*sys.argv[2:])
