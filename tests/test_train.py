"""End-to-end runs of the real training loop on the tiny config."""

import json
import logging
import os
import signal
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

from jaxgan import builder
from jaxgan import checkpoint
from jaxgan import console
from jaxgan import parallel
from jaxgan import train
from jaxgan.errors import UserError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _restore(config, workdir, step=None):
  exp = builder.build(config)
  ckpt = checkpoint.Checkpointer(str(workdir))
  state, data_state = ckpt.restore(exp.abstract_state(parallel.make_mesh()), step=step)
  ckpt.close()
  return state, data_state


def test_one_step_changes_parameters_and_keeps_them_finite(tiny_config):
  exp = builder.build(tiny_config)
  mesh = parallel.make_mesh()
  state = exp.init_state(mesh)
  before = jax.device_get(state)
  batch = {"train": {"image": np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)}}
  new_state, metrics = exp.jit_step(mesh)(state, parallel.put_batch(batch, parallel.batch_sharding(mesh)))
  after = jax.device_get(new_state)
  assert int(after.step) == 1
  for name, old, new in [("g", before.g.params, after.g.params), ("d", before.d.params, after.d.params)]:
    changed = jax.tree.map(lambda a, b: not np.array_equal(a, b), old, new)
    assert all(jax.tree.leaves(changed)), f"some {name} parameters did not move"
    assert all(np.all(np.isfinite(x)) for x in jax.tree.leaves(new))
  assert all(np.isfinite(float(v)) for v in metrics.values())


def test_tiny_run_writes_checkpoints_events_grids_and_metrics(tiny_config, tmp_path):
  metrics = train.train_and_evaluate(tiny_config, str(tmp_path))
  assert np.isfinite(metrics["d_loss"]) and np.isfinite(metrics["g_loss"])
  assert sorted(os.listdir(tmp_path / "checkpoints")) == ["3", "6"]
  lines = [json.loads(l) for l in open(tmp_path / "metrics.jsonl")]
  assert [l["step"] for l in lines] == [2, 4, 6]
  assert {"d_loss", "g_loss", "d_real", "d_fake", "steps_per_sec"} <= set(lines[0])
  assert sorted(os.listdir(tmp_path / "samples")) == ["grid_00000003.png", "grid_00000006.png"]
  saved = json.load(open(tmp_path / "config.json"))
  assert saved["batch_size"] == 8 and saved["model"]["architecture"] == "dcgan_mnist"

  from tensorboard.backend.event_processing import event_accumulator
  events = event_accumulator.EventAccumulator(str(tmp_path), size_guidance={"images": 0})
  events.Reload()
  assert [e.step for e in events.Scalars("d_loss")] == [2, 4, 6]
  assert [e.step for e in events.Images("samples")] == [3, 6]


def _assert_resume_is_bitwise_exact(tiny_config, tmp_path):
  """Trains 6 steps straight and 3 + 3 with a resume; the step-6 states must be equal.
  Returns the straight run's last metrics."""
  metrics = train.train_and_evaluate(tiny_config, str(tmp_path / "straight"))
  tiny_config.num_steps = 3
  train.train_and_evaluate(tiny_config, str(tmp_path / "resumed"))
  tiny_config.num_steps = 6
  train.train_and_evaluate(tiny_config, str(tmp_path / "resumed"))
  straight, straight_data = _restore(tiny_config, tmp_path / "straight", 6)
  resumed, resumed_data = _restore(tiny_config, tmp_path / "resumed", 6)
  assert straight_data == resumed_data
  leaves_a, leaves_b = jax.tree.leaves(jax.device_get(straight)), jax.tree.leaves(jax.device_get(resumed))
  assert len(leaves_a) == len(leaves_b) > 20
  for a, b in zip(leaves_a, leaves_b):
    assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
  return metrics


def test_resume_is_bitwise_exact(tiny_config, tmp_path):
  _assert_resume_is_bitwise_exact(tiny_config, tmp_path)


@pytest.mark.parametrize("loss, penalty", [("relativistic_pairing", "r1_r2"),
                                           ("relativistic_average", "r2")])
def test_relativistic_losses_with_zero_centred_penalties_train_and_resume_bitwise(
    tiny_config, tmp_path, loss, penalty):
  # D without BatchNorm, as the penalties assume; G's update also runs D on real images.
  tiny_config.loss.name, tiny_config.penalty.name = loss, penalty
  tiny_config.penalty.weight = 1.0
  tiny_config.model.d_batch_norm = False
  metrics = _assert_resume_is_bitwise_exact(tiny_config, tmp_path)
  assert np.isfinite(metrics["g_loss"]) and float(metrics["penalty"]) > 0.0


def test_penalty_on_a_sub_batch_trains_and_resumes_bitwise(
    tiny_config, tmp_path):
  tiny_config.loss.name, tiny_config.penalty.name = "relativistic_pairing", "r1_r2"
  tiny_config.penalty.update(weight=1.0, examples=2)
  tiny_config.model.d_batch_norm = False
  metrics = _assert_resume_is_bitwise_exact(tiny_config, tmp_path)
  assert float(metrics["penalty"]) > 0.0


def test_sample_mode_writes_images_and_grid(tiny_config, tmp_path):
  train.train_and_evaluate(tiny_config, str(tmp_path))
  tiny_config.sample.num_images = 10
  out = train.sample(tiny_config, str(tmp_path))
  files = sorted(os.listdir(out))
  assert files == [f"{i:06d}.png" for i in range(10)] + ["grid.png", "info.json"]
  from PIL import Image
  assert Image.open(os.path.join(out, "000000.png")).size == (28, 28)


def test_sample_without_checkpoint_is_a_clear_error(tiny_config, tmp_path):
  with pytest.raises(UserError, match="train first"):
    train.sample(tiny_config, str(tmp_path))


def test_nan_stops_with_the_step_and_keeps_the_last_checkpoint(tiny_config, tmp_path):
  train.train_and_evaluate(tiny_config, str(tmp_path))  # Good checkpoints at 3 and 6.
  tiny_config.num_steps = 12
  tiny_config.optim.g_lr = 1e30
  tiny_config.optim.d_lr = 1e30
  with pytest.raises(FloatingPointError, match=r"at step (7|8|9|10|11|12); checkpoint 6 is intact"):
    train.train_and_evaluate(tiny_config, str(tmp_path))
  assert sorted(os.listdir(tmp_path / "checkpoints")) == ["3", "6"]
  tiny_config.optim.g_lr = tiny_config.optim.d_lr = 2e-4
  state, _ = _restore(tiny_config, tmp_path, 6)
  assert all(np.all(np.isfinite(x)) for x in jax.tree.leaves(jax.device_get(state)))


def test_checkpoint_of_another_architecture_is_a_clear_error(tiny_config, tmp_path):
  train.train_and_evaluate(tiny_config, str(tmp_path))
  tiny_config.model.architecture = "mlp"
  tiny_config.num_steps = 12  # Not finished: it must restore.
  with pytest.raises(UserError, match="config.model.architecture=mlp but the run"):
    train.train_and_evaluate(tiny_config, str(tmp_path))
  os.remove(tmp_path / "config.json")  # Without it, the arrays' shapes still tell.
  with pytest.raises(UserError, match="different model or config"):
    train.train_and_evaluate(tiny_config, str(tmp_path))


def _cli(*args, timeout=300):
  return subprocess.run([sys.executable, "-m", "jaxgan.main", *args], cwd=REPO,
                        capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("override, message", [
    ("--config.batch_size=0", "config.batch_size=0: must be a positive integer"),
    ("--config.optim.d_lr=-1.0", "config.optim.d_lr=-1.0: must be a finite positive number"),
    ("--config.loss.name=nonsense", "config.loss.name='nonsense': must be one of"),
    ("--config.model.architecture=dcgan_cifar10", "config.data.image_shape"),
])
def test_impossible_values_stop_before_compute_with_one_line(override, message, tmp_path):
  result = _cli("--config=experiments/tiny.py", f"--workdir={tmp_path}", override)
  assert result.returncode == 1
  error_lines = [l for l in result.stderr.splitlines() if l.startswith("jaxgan: error:")]
  assert len(error_lines) == 1 and message in error_lines[0], result.stderr[-2000:]
  assert not os.path.exists(tmp_path / "checkpoints")


@pytest.mark.parametrize("override, message", [
    ("--config.batch_sise=8", "--config.batch_sise: no such config field; did you mean "
                              "--config.batch_size?"),
    ("--config.batch_size=eight", "flag --config.batch_size=eight: invalid literal for int()"),
])
def test_unknown_or_ill_typed_fields_fail_at_flag_parsing(override, message, tmp_path):
  result = _cli("--config=experiments/tiny.py", f"--workdir={tmp_path}", override)
  assert result.returncode == 1
  assert result.stderr.startswith("jaxgan: error: ") and result.stderr.count("\n") == 1
  assert message in result.stderr
  assert not os.path.exists(tmp_path / "checkpoints")


def test_sigterm_checkpoints_then_the_same_command_resumes(tmp_path):
  args = ["--config=experiments/tiny.py", f"--workdir={tmp_path}", "--config.num_steps=100000",
          "--config.checkpoint_every=100000", "--config.log_every=1",
          "--config.sample_every=100000"]
  process = subprocess.Popen([sys.executable, "-m", "jaxgan.main", *args], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
  metrics = tmp_path / "metrics.jsonl"  # Written after each step: training has started.
  deadline = time.time() + 240
  while time.time() < deadline and not (metrics.exists() and metrics.stat().st_size):
    time.sleep(0.5)
  time.sleep(1)  # Let it take a few more steps.
  process.send_signal(signal.SIGTERM)
  output, _ = process.communicate(timeout=120)
  assert process.returncode == 0, output[-2000:]
  steps = [int(s) for s in os.listdir(tmp_path / "checkpoints")]
  assert len(steps) == 1 and steps[0] > 0
  result = _cli(*args[:2], "--config.num_steps=%d" % (steps[0] + 2))
  assert result.returncode == 0, result.stderr[-2000:]
  assert f"Resuming from step {steps[0]}" in result.stderr
  assert sorted(int(s) for s in os.listdir(tmp_path / "checkpoints"))[-1] == steps[0] + 2


def test_the_console_hides_library_bookkeeping_but_not_its_errors():
  keep = console.HideLibraryInfo().filter

  def record(path, level):
    return logging.LogRecord("absl", level, path, 1, "message", None, None)

  tfds_info = "/venv/site-packages/tensorflow_datasets/core/dataset_info.py"
  assert not keep(record(tfds_info, logging.INFO))
  assert not keep(record(tfds_info, logging.WARNING))
  assert keep(record(tfds_info, logging.ERROR))
  assert not keep(record("/venv/site-packages/orbax/checkpoint/x.py", logging.INFO))
  assert keep(record("/repo/jaxgan/train.py", logging.INFO))
