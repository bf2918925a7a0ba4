"""Sweeps inside one program (jaxgan/sweep.py) through the real training loop.

One tiny MLP-GAN sweep of 4 members (d_lr 1e-4, 3e-4 x seeds 0, 1) is trained once per module
and checked against a single run, an exported member, and a sweep resumed half way.
"""

import json
import os
import subprocess
import sys

import jax
import numpy as np
import pytest

from experiments import mlp_gan_mnist
from jaxgan import builder
from jaxgan import checkpoint
from jaxgan import parallel
from jaxgan import sweep
from jaxgan import train

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
D_LRS = (1e-4, 3e-4)
# The same tiny run from the command line: mlp_gan_mnist.py with these overrides.
TINY_FLAGS = ["--config.batch_size=8", "--config.num_steps=6", "--config.log_every=2",
              "--config.checkpoint_every=3", "--config.sample_every=3",
              "--config.sample.num_images=16", "--config.sample.grid_rows=4"]


def tiny_mlp_config(**sweep_fields):
  config = mlp_gan_mnist.get_config()
  for flag in TINY_FLAGS:
    path, value = flag[len("--config."):].split("=")
    *parents, field = path.split(".")
    node = config
    for parent in parents:
      node = node[parent]
    node[field] = int(value)
  for field, value in sweep_fields.items():
    config.sweep[field] = value
  return config


def sweep_config():
  return tiny_mlp_config(seeds=2, d_lr=D_LRS)


def restore(config, workdir, step=None):
  exp = builder.build(config)
  ckpt = checkpoint.Checkpointer(str(workdir))
  restored = ckpt.restore(exp.abstract_state(parallel.make_mesh()), step=step)
  ckpt.close()
  return jax.device_get(restored[0]), restored[1]


@pytest.fixture(scope="module")
def sweep_run(tmp_path_factory):
  workdir = tmp_path_factory.mktemp("sweep")
  train.train_and_evaluate(sweep_config(), str(workdir))
  return workdir


def test_members_are_seeds_fastest_and_logged_under_their_own_tags(sweep_run):
  config = sweep_config()
  assert sweep.members(config) == [
      {"optim.d_lr": lr, "seed": seed} for lr in D_LRS for seed in (0, 1)]
  described = json.load(open(sweep_run / "sweep_members.json"))
  assert [m["member"] for m in described] == [0, 1, 2, 3]
  lines = [json.loads(line) for line in open(sweep_run / "metrics.jsonl")]
  assert [line["step"] for line in lines] == [2, 4, 6]
  for i in range(4):
    assert {f"member_{i}/d_loss", f"member_{i}/g_loss"} <= set(lines[-1])
  assert "d_loss" not in lines[-1]
  # Different seeds and learning rates give different losses.
  assert len({lines[-1][f"member_{i}/d_loss"] for i in range(4)}) == 4
  for i in range(4):
    assert sorted(os.listdir(sweep_run / "samples" / f"member_{i}")) == [
        "grid_00000003.png", "grid_00000006.png"]


def test_a_member_matches_the_single_run_of_its_seed_and_learning_rate(sweep_run, tmp_path):
  # Member 2 is (d_lr=3e-4, seed=0): a learning rate that is not the config's must reach it.
  # (Members with other seeds see seed 0's data order, so no single run matches them.)
  single = tiny_mlp_config()
  single.optim.d_lr = D_LRS[1]
  train.train_and_evaluate(single, str(tmp_path))
  single_state, _ = restore(single, tmp_path, 6)
  sweep_state, _ = restore(sweep_config(), sweep_run, 6)
  member = jax.tree.map(lambda leaf: leaf[2], sweep_state)
  pairs = list(zip(jax.tree.leaves(single_state), jax.tree.leaves(member)))
  assert len(pairs) > 10
  for expected, got in pairs:
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
  assert int(member.step) == 6


def test_export_member_writes_a_single_run_that_samples(sweep_run):
  result = subprocess.run(
      [sys.executable, "-m", "jaxgan.main", "--config=experiments/mlp_gan_mnist.py",
       f"--workdir={sweep_run}", "--mode=export_member", *TINY_FLAGS,
       "--config.sweep.seeds=2", "--config.sweep.d_lr=1e-4,3e-4", "--config.sweep.member=2"],
      cwd=REPO, capture_output=True, text=True, timeout=300)
  assert result.returncode == 0, result.stderr[-2000:]
  out_dir = result.stdout.strip().splitlines()[-1]
  assert out_dir == str(sweep_run / "members" / "member_2")
  assert json.load(open(os.path.join(out_dir, "member.json")))["overrides"] == {
      "optim.d_lr": 3e-4, "seed": 0}

  single = sweep.member_config(sweep_config(), {"optim.d_lr": 3e-4, "seed": 0})
  exported, _ = restore(single, out_dir)
  sweep_state, _ = restore(sweep_config(), sweep_run, 6)
  for a, b in zip(jax.tree.leaves(exported),
                  jax.tree.leaves(jax.tree.map(lambda leaf: leaf[2], sweep_state))):
    assert a.tobytes() == b.tobytes()
  single.sample.num_images = 4
  samples = train.sample(single, out_dir)
  assert sorted(os.listdir(samples)) == [f"{i:06d}.png" for i in range(4)] + [
      "grid.png", "info.json"]


def test_export_member_needs_a_member(sweep_run):
  result = subprocess.run(
      [sys.executable, "-m", "jaxgan.main", "--config=experiments/mlp_gan_mnist.py",
       f"--workdir={sweep_run}", "--mode=export_member", "--config.sweep.seeds=2"],
      cwd=REPO, capture_output=True, text=True, timeout=300)
  assert result.returncode == 1
  assert result.stderr.strip().splitlines()[-1].startswith(
      "jaxgan: error: --mode=export_member needs --config.sweep.member=I")


def test_sweep_resume_is_bitwise_exact(sweep_run, tmp_path):
  config = sweep_config()
  config.num_steps = 3
  train.train_and_evaluate(config, str(tmp_path))
  config.num_steps = 6
  train.train_and_evaluate(config, str(tmp_path))
  straight, straight_data = restore(config, sweep_run, 6)
  resumed, resumed_data = restore(config, tmp_path, 6)
  assert straight_data == resumed_data
  leaves_a, leaves_b = jax.tree.leaves(straight), jax.tree.leaves(resumed)
  assert len(leaves_a) == len(leaves_b) > 10
  for a, b in zip(leaves_a, leaves_b):
    assert a.shape[0] == 4 and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_unrolled_members_match_the_vmapped_sweep(sweep_run, tmp_path):
  # sweep.members_as=unroll writes each member's step out in one program: the same members,
  # the same checkpoint layout, the same numbers as the vmapped step (to float rounding).
  config = sweep_config()
  config.sweep.members_as = "unroll"
  config.num_steps = 3
  train.train_and_evaluate(config, str(tmp_path))
  unrolled, _ = restore(config, tmp_path, 3)
  vmapped, _ = restore(sweep_config(), sweep_run, 3)
  leaves_u, leaves_v = jax.tree.leaves(unrolled), jax.tree.leaves(vmapped)
  assert len(leaves_u) == len(leaves_v) > 10
  for got, expected in zip(leaves_u, leaves_v):
    assert got.shape[0] == 4
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
  lines = [json.loads(line) for line in open(tmp_path / "metrics.jsonl")]
  assert len({lines[-1][f"member_{i}/d_loss"] for i in range(4)}) == 4
