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

from jaxgan import checkpoint
from jaxgan import experiment
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
  exp = experiment.build(config)
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


if __name__ == "__main__":
  {"straight_and_resumed": _straight_and_resumed}[sys.argv[1]](*sys.argv[2:])
