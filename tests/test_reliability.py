"""Issue 17: a run that cannot be corrupted. One writer per workdir, resume checks, failed
saves, checksums, metrics.jsonl after a crash, divergence warnings, one-line CLI errors."""

import errno
import fcntl
import glob
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

from experiments import tiny
from jaxgan import builder
from jaxgan import checkpoint
from jaxgan import checkpoint_files
from jaxgan import health
from jaxgan import parallel
from jaxgan import train
from jaxgan import workdir
from jaxgan.errors import UserError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
  """A finished tiny run (checkpoints 3 and 6, metrics rows 2, 4, 6), copied by each test."""
  path = str(tmp_path_factory.mktemp("trained") / "run")
  train.train_and_evaluate(tiny.get_config(), path)
  return path


@pytest.fixture
def run(trained, tmp_path):
  path = str(tmp_path / "run")
  shutil.copytree(trained, path)
  return path


def _steps(path):
  return sorted(int(n) for n in os.listdir(os.path.join(path, "checkpoints")) if n.isdigit())


def _metric_steps(path):
  return [json.loads(line)["step"] for line in open(os.path.join(path, "metrics.jsonl"))]


def _warnings(caplog):
  return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# ----------------------------------------------------------------------------- the lock

def _hold_lock(path):
  """A process (no JAX) holding the workdir lock until killed."""
  holder = subprocess.Popen(
      [sys.executable, "-c", "import sys, time\nfrom jaxgan import workdir\n"
       "workdir.acquire(sys.argv[1])\nprint('held', flush=True)\ntime.sleep(600)", path],
      cwd=REPO, stdout=subprocess.PIPE, text=True)
  assert holder.stdout.readline().strip() == "held"
  return holder


def test_a_live_holder_is_named_and_a_dead_one_is_taken_over(tmp_path, caplog):
  path = str(tmp_path / "w")
  holder = _hold_lock(path)
  try:
    with pytest.raises(UserError, match=rf"in use by another training process \(host "
                       rf"{socket.gethostname()}, pid {holder.pid}, since .*kill {holder.pid}"):
      workdir.acquire(path)
  finally:
    holder.send_signal(signal.SIGKILL)
    holder.wait()
  lock = workdir.acquire(path)  # The kernel dropped the dead process's flock.
  assert any(f"pid {holder.pid}" in w and "ended without releasing" in w
             for w in _warnings(caplog))
  assert json.load(open(lock.path))["pid"] == os.getpid()
  lock.release()
  caplog.clear()
  workdir.acquire(path).release()  # Released cleanly: nothing to report.
  assert not _warnings(caplog)


def test_training_refuses_a_held_workdir_before_building_anything(tiny_config, tmp_path):
  path = str(tmp_path / "w")
  holder = _hold_lock(path)
  try:
    with pytest.raises(UserError, match=f"pid {holder.pid}"):
      train.train_and_evaluate(tiny_config, path)
  finally:
    holder.kill()
    holder.wait()
  assert os.listdir(path) == [workdir.LOCK_FILE]


def test_without_flock_the_pid_and_a_heartbeat_decide(tmp_path, monkeypatch):
  def no_flock(fd, operation):
    raise OSError(errno.ENOLCK, "No locks available")
  monkeypatch.setattr(fcntl, "flock", no_flock)
  path = str(tmp_path)
  lock_file = os.path.join(path, workdir.LOCK_FILE)
  here = socket.gethostname()
  dead = subprocess.Popen([sys.executable, "-c", "pass"])
  dead.wait()

  def holder(info, age_s=0.0):
    with open(lock_file, "w") as f:
      json.dump(info, f)
    os.utime(lock_file, (time.time() - age_s,) * 2)

  holder({"host": here, "pid": os.getppid(), "started": "t"})  # Alive.
  with pytest.raises(UserError, match=f"pid {os.getppid()}"):
    workdir.acquire(path)
  holder({"host": "elsewhere", "pid": 7, "started": "t"}, age_s=60)  # Fresh heartbeat.
  with pytest.raises(UserError, match="host elsewhere, pid 7"):
    workdir.acquire(path)
  for info, age in [({"host": here, "pid": dead.pid, "started": "t"}, 0),
                    ({"host": "elsewhere", "pid": 7, "started": "t"}, 2 * workdir.STALE_AFTER_S)]:
    holder(info, age)
    lock = workdir.acquire(path)
    assert not lock.uses_flock and json.load(open(lock_file))["pid"] == os.getpid()
    lock.release()


def test_two_training_processes_started_at_once_one_wins(tmp_path):
  path = str(tmp_path / "w")
  args = [sys.executable, "-m", "jaxgan.main", "--config=experiments/tiny.py",
          f"--workdir={path}", "--config.checkpoint_every=1", "--config.log_every=1",
          "--config.num_steps=4", "--config.sample_every=100"]
  processes = [subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
  results = [(p.pid, p.returncode, err) for p in processes
             for _, err in [p.communicate(timeout=600)]]
  assert sorted(r[1] for r in results) == [0, 1], [r[2][-1500:] for r in results]
  winner = next(r for r in results if r[1] == 0)
  loser = next(r for r in results if r[1] == 1)
  errors = [l for l in loser[2].splitlines() if "jaxgan: error:" in l]
  assert len(errors) == 1 and f"pid {winner[0]}," in errors[0], loser[2][-1500:]
  assert _metric_steps(path) == [1, 2, 3, 4]
  assert not glob.glob(os.path.join(path, "**", "*orbax-checkpoint-tmp*"), recursive=True)
  assert _steps(path) == [2, 3, 4]


# ----------------------------------------------------------------------------- resume checks

@pytest.mark.parametrize("field, value, saved", [
    ("batch_size", 16, "8"),
    ("optim.n_dis", 2, "1"),
    ("seed", 1, "0"),
    ("data.name", "mnist", "shipped_mnist"),
    ("data.split", "test", "train"),
    ("model.latent_dim", 32, "64"),
    ("loss.name", "hinge", "non_saturating"),
    ("model.architecture", "mlp", "dcgan_mnist"),
])
def test_resume_refuses_a_change_that_would_corrupt_the_run(run, field, value, saved):
  config = tiny.get_config()
  config.num_steps = 8
  parent, leaf = (config, field) if "." not in field else (config[field.split(".")[0]],
                                                            field.split(".")[1])
  parent[leaf] = value
  before = open(os.path.join(run, "metrics.jsonl")).read()
  with pytest.raises(UserError, match=rf"config\.{field}=.* trained with {saved}.*use "
                                      rf"--config\.{field}={saved} or a new --workdir"):
    train.train_and_evaluate(config, run)
  assert _steps(run) == [3, 6]
  assert open(os.path.join(run, "metrics.jsonl")).read() == before
  assert json.load(open(os.path.join(run, "config.json")))["num_steps"] == 6  # Not rewritten.


@pytest.mark.parametrize("field, value, said", [
    ("batch_size", 16, "global batch of 16 examples per step but .* trained with 8"),
    ("seed", 1, r"config.seed=1 but .* trained with seed 0"),
])
def test_without_config_json_the_checkpoints_data_record_refuses_a_change(run, field, value,
                                                                          said):
  os.remove(os.path.join(run, "config.json"))
  config = tiny.get_config()
  config.num_steps = 8
  config[field] = value
  with pytest.raises(UserError, match=said + ".*data record says.*set config." + field):
    train.train_and_evaluate(config, run)
  assert _steps(run) == [3, 6] and not os.path.exists(os.path.join(run, "config.json"))


def test_the_resume_check_is_generic_and_kinds_can_extend_it():
  saved = {"batch_size": 16, "num_steps": 50, "optim": {"g_lr": 1e-4, "n_dis": 1},
           "data": {"image_shape": [28, 28, 1], "data_dir": "/a"}, "eval": {"x": 1},
           "sample": {"num_images": 4}, "model": {"width": 8}, "old_field": 1}
  allowed = {**saved, "num_steps": 90, "optim": {"g_lr": 3e-4, "n_dis": 1},
             "data": {"image_shape": [28, 28, 1], "data_dir": "/b"}, "eval": {"x": 2},
             "sample": {"num_images": 9}, "new_field": 2}
  allowed.pop("old_field")
  workdir.check_resume(saved, allowed, "W", 50)
  shape = {**saved, "data": {"image_shape": [32, 32, 3], "data_dir": "/a"}}
  with pytest.raises(UserError, match=r"config\.data\.image_shape='\(32, 32, 3\)' but the run "
                                      r"in W \(checkpoint 50\) was trained with '\(28, 28, 1\)'"):
    workdir.check_resume(saved, shape, "W", 50)
  width = {**saved, "model": {"width": 16}}
  with pytest.raises(UserError, match="model.width"):
    workdir.check_resume(saved, width, "W", 50)
  workdir.check_resume(saved, width, "W", 50, extra=("model.width",))  # The kind allows it.
  two = {**width, "batch_size": 8}
  with pytest.raises(UserError, match=r"config\.batch_size=8 .*\(also changed: model\.width\)"):
    workdir.check_resume(saved, two, "W", 50)


def test_a_finished_run_says_so_and_changes_nothing(run, caplog):
  config = tiny.get_config()
  assert train.train_and_evaluate(config, run) == {}
  assert any("already trained to step 6 of 6; raise --config.num_steps" in w
             for w in _warnings(caplog))
  config.num_steps = 3
  assert train.train_and_evaluate(config, run) == {}
  assert any("already trained to step 6, past --config.num_steps=3" in w
             for w in _warnings(caplog))
  assert _steps(run) == [3, 6] and _metric_steps(run) == [2, 4, 6]


def test_after_a_crash_metrics_keep_one_row_per_step_and_allowed_changes_resume(run):
  # As a SIGKILL after step 6's row but before its checkpoint leaves it, half a row included.
  shutil.rmtree(os.path.join(run, "checkpoints", "6"))
  with open(os.path.join(run, "metrics.jsonl"), "a") as f:
    f.write('{"step": 7, "d_lo')
  config = tiny.get_config()
  config.log_every = 1  # Allowed on resume, as are the rates, cadences and eval/sample fields.
  config.optim.g_lr = 1e-4
  config.sample_every = 100
  config.eval.num_samples = 7
  train.train_and_evaluate(config, run)
  assert _metric_steps(run) == [2, 4, 5, 6]
  assert _steps(run) == [3, 6]


# ----------------------------------------------------------------------------- failed saves

def _fail_save(monkeypatch, which: int, where: str):
  """Makes the `which`-th save fail with ENOSPC: in orbax's background thread or at once."""
  from orbax.checkpoint._src.checkpointers import async_checkpointer  # pylint: disable=g-import-not-at-top
  calls = []
  disk_full = OSError(errno.ENOSPC, "No space left on device")
  if where == "background":
    real = async_checkpointer._background_wait_for_commit_futures

    def commit(directory, commit_futures, on_commit_callback, **kwargs):
      calls.append(1)
      if len(calls) == which:  # The writes end, then the step fails before it is renamed.
        def on_commit_callback():
          raise disk_full
      return real(directory, commit_futures, on_commit_callback, **kwargs)
    monkeypatch.setattr(async_checkpointer, "_background_wait_for_commit_futures", commit)
  else:
    real = checkpoint.ocp.CheckpointManager.save

    def save(self, *args, **kwargs):
      calls.append(1)
      if len(calls) == which:
        raise disk_full
      return real(self, *args, **kwargs)
    monkeypatch.setattr(checkpoint.ocp.CheckpointManager, "save", save)


@pytest.mark.parametrize("where", ["background", "blocking"])
def test_a_failed_save_stops_the_run_and_keeps_the_good_checkpoint(tiny_config, tmp_path,
                                                                    monkeypatch, where):
  path = str(tmp_path / "w")
  _fail_save(monkeypatch, 2, where)  # Step 3 saves; step 6 fails.
  tiny_config.num_steps = 12
  tiny_config.keep_checkpoints = 1  # Orbax would drop 3 once 6 is complete: it never is.
  with pytest.raises(checkpoint.SaveError, match=(
      r"saving checkpoint 6 to .*checkpoints failed \(No space left on device\); .* free "
      r"there, a checkpoint needs about .*; training stopped, checkpoint 3 is intact")) as error:
    train.train_and_evaluate(tiny_config, path)
  assert "\n" not in str(error.value)
  assert _steps(path) == [3]
  assert checkpoint_files.verify_checksums(os.path.join(path, "checkpoints", "3")) is None
  assert checkpoint_files.has_checksums(os.path.join(path, "checkpoints", "3"))
  assert not glob.glob(os.path.join(path, "checkpoints", "*orbax-checkpoint-tmp*"))
  assert _metric_steps(path) == [2]  # 4 and 6 were logged, and are not kept.


def test_a_full_disk_stops_the_run_with_one_line(tiny_config, tmp_path):
  mount = str(tmp_path / "small")
  os.makedirs(mount)
  if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount],
                    capture_output=True).returncode != 0:
    pytest.skip("cannot mount a small tmpfs here (needs root)")
  try:
    tiny_config.checkpoint_every = 1  # A tiny checkpoint is ~9.6 MB: the second cannot fit.
    with pytest.raises(checkpoint.SaveError, match=(
        r"saving checkpoint 2 .*failed \(No space left on device\); .* MB free there, a "
        r"checkpoint needs about 9\.\d MB; training stopped, checkpoint 1 is intact; free space")):
      train.train_and_evaluate(tiny_config, os.path.join(mount, "w"))
    assert _steps(os.path.join(mount, "w")) == [1]
    assert not glob.glob(os.path.join(mount, "w", "checkpoints", "*orbax-checkpoint-tmp*"))
    assert all(s <= 1 for s in _metric_steps(os.path.join(mount, "w")))
  finally:
    subprocess.run(["umount", "-l", mount], check=False)


# ----------------------------------------------------------------------------- checksums

def _largest_file(folder):
  files = [os.path.join(r, n) for r, _, ns in os.walk(folder) for n in ns]
  return max(files, key=os.path.getsize)


def test_a_flipped_byte_is_refused_and_resume_step_falls_back(run, trained):
  array_file = _largest_file(os.path.join(run, "checkpoints", "6", "state"))
  with open(array_file, "r+b") as f:
    f.seek(4096)
    byte = f.read(1)
    f.seek(4096)
    f.write(bytes([byte[0] ^ 0x01]))
  config = tiny.get_config()
  config.num_steps = 8
  relative = os.path.relpath(array_file, os.path.join(run, "checkpoints", "6"))
  with pytest.raises(UserError, match=(
      rf"checkpoint 6 in .* is corrupt: {relative} does not match its sha256 from save time "
      rf"\(bit-rot or an overwrite\); resume from checkpoint 3 with --resume_step=3")):
    train.train_and_evaluate(config, run)
  config.num_steps = 6
  train.train_and_evaluate(config, run, resume_step=3)  # Sets 6 aside and trains it again.
  assert _steps(run) == [3, 6] and _metric_steps(run) == [2, 4, 6]
  assert [n.split("-")[0] for n in os.listdir(os.path.join(run, "checkpoints_set_aside"))] == ["6"]
  exp = builder.build(config)
  abstract = exp.abstract_state(parallel.make_mesh())
  again = checkpoint.Checkpointer(run, create=False)
  original = checkpoint.Checkpointer(trained, create=False)
  for a, b in zip(jax.tree.leaves(jax.device_get(again.restore(abstract)[0])),
                  jax.tree.leaves(jax.device_get(original.restore(abstract)[0]))):
    assert a.tobytes() == b.tobytes()
  again.close()
  original.close()


def test_a_truncated_file_names_the_cause(run):
  array_file = _largest_file(os.path.join(run, "checkpoints", "6", "state"))
  size = os.path.getsize(array_file)
  os.truncate(array_file, size // 2)
  config = tiny.get_config()
  config.num_steps = 8
  with pytest.raises(UserError, match=rf"checkpoint 6 .* is corrupt: .* is truncated "
                                      rf"\({size // 2} of {size} bytes\)"):
    train.train_and_evaluate(config, run)
  os.remove(os.path.join(run, "checkpoints", "6", checkpoint_files.CHECKSUM_FILE))
  with pytest.raises(UserError, match=r"checkpoint 6 .* could not be read \(a file is shorter "
                                      r"than or different from what its index says: OUT_OF_RANGE"):
    train.train_and_evaluate(config, run)  # Without its checksums, TensorStore's words.


# ----------------------------------------------------------------------------- divergence

def test_the_monitor_warns_once_with_the_step():
  monitor = health.DivergenceMonitor()
  lines = []
  for step, loss in enumerate([0.7, 0.69, 0.72, 0.7, 0.71, 2e3, 9e3, 3e4], start=1):
    lines += monitor.observe(step * 10, {"g_loss": loss, "d_grad_norm": 1.0})
  assert lines == [lines[0]] and lines[0].startswith("step 80: g_loss=3e+04, over 1e+04 x its "
                                                     "early magnitude 1")
  lines = []
  for step, norm in enumerate([1.0, 0.0, 0.0, 0.0, 0.0], start=1):
    lines += monitor.observe(step, {"d_grad_norm": norm, "d_loss": 5e11})
  assert lines == ["step 1: d_loss=5e+11, beyond 1e+06: the run is diverging; lower the "
                   "learning rates (config.optim.*lr) or add a penalty, and resume from an "
                   "earlier checkpoint",
                   "step 4: d_grad_norm has been exactly 0 for 3 logs (since step 2): that "
                   "network has stopped learning (saturated?); lower the learning rates "
                   "(config.optim.*lr)"]


def test_adam_at_a_huge_rate_gets_a_warning_with_the_step(tiny_config, tmp_path, caplog):
  tiny_config.optim.g_lr = tiny_config.optim.d_lr = 1e4
  tiny_config.log_every = 1
  tiny_config.sample_every = 100
  train.train_and_evaluate(tiny_config, str(tmp_path))
  warnings = _warnings(caplog)
  assert any(w.startswith("step ") and "the run is diverging" in w for w in warnings), warnings
  assert any("_grad_norm has been exactly 0 for 3 logs" in w for w in warnings), warnings


# ----------------------------------------------------------------------------- one-line CLI

def _cli(*args, env=None):
  return subprocess.run([sys.executable, "-m", "jaxgan.main", *args], cwd=REPO,
                        capture_output=True, text=True, timeout=300,
                        env={**os.environ, **(env or {})})


def _one_line(result, message):
  assert result.returncode == 1, result.stderr[-2000:]
  lines = result.stderr.strip().splitlines()
  assert len(lines) == 1 and lines[0].startswith("jaxgan: error: "), result.stderr[-2000:]
  assert message in lines[0], lines[0]


def test_a_missing_or_broken_config_file_fails_before_jax_is_imported(tmp_path):
  # A `jax` that cannot be imported: these errors must come before anything imports it.
  (tmp_path / "jax").mkdir()
  (tmp_path / "jax" / "__init__.py").write_text("raise ImportError('jax was imported')\n")
  env = {"PYTHONPATH": str(tmp_path)}
  _one_line(_cli("--config=experiments/nope.py", "--workdir=/tmp/x", env=env),
             "--config=experiments/nope.py: no such file (experiments has acgan_mnist.py")
  broken = tmp_path / "broken.py"
  broken.write_text("def get_config(:\n  pass\n")
  _one_line(_cli(f"--config={broken}", "--workdir=/tmp/x", env=env),
             f"--config={broken}: syntax error at line 1: invalid syntax")


# --config.batch_sise=8 and --config.batch_size=eight: tests/test_train.py.
@pytest.mark.parametrize("args, message", [
    (["--workdir=/etc/passwd/x"], "--workdir=/etc/passwd/x: /etc/passwd is a file, not a "
                                  "directory"),
    (["--mode=eval"], "holds no checkpoints"),
    (["--mode=sample"], "holds no checkpoints"),
])
def test_command_line_mistakes_are_one_line(args, message, tmp_path):
  path = tmp_path / "typo"
  _one_line(_cli("--config=experiments/tiny.py", f"--workdir={path}", *args), message)
  assert not path.exists()  # Not even DIR/checkpoints for --mode=eval/sample.


def test_inference_on_a_workdir_without_checkpoints_creates_nothing(tiny_config, tmp_path):
  with pytest.raises(UserError, match="no checkpoints in .*train first"):
    train.evaluate(tiny_config, str(tmp_path / "typo"))
  assert not (tmp_path / "typo").exists()


# ----------------------------------------------------------------------------- reading modes

def test_a_second_sample_call_replaces_the_folder_whole(run):
  config = tiny.get_config()
  config.sample.num_images = 12
  first = train.sample(config, run)
  config.sample.num_images = 4
  config.sample.use_ema = False
  again = train.sample(config, run)
  assert again == first
  pngs = sorted(n for n in os.listdir(again) if n.endswith(".png"))
  assert pngs == ["000000.png", "000001.png", "000002.png", "000003.png", "grid.png"]
  assert json.load(open(os.path.join(again, "info.json")))["num_images"] == 4
  assert not [n for n in os.listdir(os.path.dirname(again)) if "staging" in n]


def test_a_second_eval_keeps_the_first_ones_numbers(run, monkeypatch):
  train.write_evaluation(run, 6, {"fid[lenet-mnist]/ema": 5.0})
  train.write_evaluation(run, 6, {"fid[inception]/ema": 50.0})
  saved = json.load(open(train.evaluation_path(run, 6)))
  assert saved == {"step": 6, "fid[lenet-mnist]/ema": 5.0, "fid[inception]/ema": 50.0}


def test_eval_and_sample_take_the_runs_data_fields_or_refuse_a_flag_that_differs(run):
  saved = json.load(open(os.path.join(run, "config.json")))
  saved["data"]["split"] = "test"
  json.dump(saved, open(os.path.join(run, "config.json"), "w"))
  config = tiny.get_config()
  assert workdir.adopt_run_data_fields(config, run) == ["data.split=test"]
  assert config.data.split == "test"
  config = tiny.get_config()
  with pytest.raises(UserError, match="config.data.split=train but the run .* was trained "
                                      "with test .*leave the flag out"):
    workdir.adopt_run_data_fields(config, run, explicit=("data.split",))


def test_a_read_only_workdir_is_refused_before_any_compute(run, monkeypatch):
  real_open = open

  def read_only(path, *args, **kwargs):
    if ".write_probe_" in str(path):
      raise OSError(errno.EROFS, "Read-only file system")
    return real_open(path, *args, **kwargs)
  monkeypatch.setattr("builtins.open", read_only)
  monkeypatch.setattr(builder, "build", lambda *a: pytest.fail("built before the check"))
  with pytest.raises(UserError, match="cannot be written .*Read-only file system.*copy the "
                                      "run to a writable directory"):
    train.sample(tiny.get_config(), run)


def test_a_reader_takes_only_complete_steps_and_never_advises_deleting_one(run):
  os.remove(os.path.join(checkpoint_files.step_dir(os.path.join(run, "checkpoints"), 6),
                         checkpoint_files.CHECKSUM_FILE))   # As while it is being written.
  reader = checkpoint.Checkpointer(run, create=False)
  assert reader.latest_complete_step() == 3
  assert "delete" not in reader._fallback(3) and "run the command again" in reader._fallback(3)
  reader.close()


def test_one_line_escapes_newlines_and_bytes_that_are_not_utf8():
  from jaxgan.errors import one_line
  name = os.fsdecode(b"caf\xe9\nx.png")
  assert one_line(f"{name} is broken") == "caf\\xe9\\nx.png is broken"


@pytest.mark.parametrize("body, message", [
    ("def get_config():\n  return {'kind': 'gan'}\n", "returned dict, not an ml_collections"),
    ("import ml_collections\ndef get_config():\n  return ml_collections.ConfigDict({'a': 1})\n",
     "has no field `kind`"),
    ("def get_config():\n  return {}['seed']\n", "get_config() failed (KeyError: 'seed')"),
    ("x = 1\n", "defines no get_config()"),
    ("def get_config():\n  pass\n", "returned NoneType"),
])
def test_experiment_files_that_do_not_give_a_config_are_one_line(body, message, tmp_path):
  path = tmp_path / "mine.py"
  path.write_text(body)
  _one_line(_cli(f"--config={path}", f"--workdir={tmp_path / 'w'}"), message)


def test_a_sweep_rate_list_of_another_length_is_named_on_resume():
  saved = {"sweep": {"d_lr": [1e-4, 2e-4]}}
  workdir.check_resume(saved, {"sweep": {"d_lr": [1e-4, 3e-4]}}, "W", 4)   # Values may change.
  with pytest.raises(UserError, match="config.sweep.d_lr has 3 values but the run in W "
                                      r"\(checkpoint 4\) was trained with 2"):
    workdir.check_resume(saved, {"sweep": {"d_lr": [1e-4, 2e-4, 3e-4]}}, "W", 4)


def test_the_suggested_batch_size_is_round():
  from jaxgan import memory
  assert memory.round_down(46453, 1) == 46000
  assert memory.round_down(46453, 8) == 46000
  assert memory.round_down(46453, 3) == 45999
  assert memory.round_down(97, 8) == 96
  assert memory.round_down(7, 1) == 7
  assert memory.round_down(7, 8) == 0
  assert memory.round_down(0, 1) == 0


def test_a_step_that_does_not_fit_is_refused_with_a_batch_size_that_does(tiny_config, tmp_path,
                                                                        monkeypatch):
  from jaxgan import memory
  monkeypatch.setattr(memory, "available_bytes", lambda device: 3_000_000)
  with pytest.raises(UserError, match=r"config.batch_size=8: the training step needs about "
                                      r".* per device on cpu but 3.0 MB is free; "):
    train.train_and_evaluate(tiny_config, str(tmp_path / "run"))
  assert not os.path.exists(os.path.join(tmp_path, "run", "checkpoints", "1"))
