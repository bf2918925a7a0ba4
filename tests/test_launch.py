"""launch.sh: the commands its four forms run, checked with --dry-run (and with stand-ins
for python, sbatch and gcloud where the real launching path is exercised). Nothing trains."""

import os
import shlex
import stat
import subprocess
import sys

import pytest

from experiments import gan_ring8
from experiments import mlp_gan_mnist

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCH = os.path.join(REPO, "launch.sh")


def launch(*args, env=None, cwd=None):
  environment = {**os.environ, "PYTHON": "python", **(env or {})}
  # `python` must be this interpreter, for launch_points (the sweep's points).
  environment["PATH"] = os.path.dirname(sys.executable) + os.pathsep + environment["PATH"]
  return subprocess.run(["bash", LAUNCH, *args], cwd=cwd or REPO, env=environment,
                        capture_output=True, text=True, timeout=120)


def lines_of(result):
  assert result.returncode == 0, result.stderr
  return result.stdout.strip().splitlines()


def one_line_error(result, message):
  assert result.returncode != 0
  assert result.stdout == ""
  assert result.stderr.strip().count("\n") == 0, result.stderr
  assert result.stderr.startswith("launch.sh: error: ") and message in result.stderr


def test_local_runs_the_experiment_in_runs_name_with_flags_unchanged(tmp_path):
  result = launch("dcgan_mnist", "--config.optim.d_lr=1e-4", "--dry-run", "--mode=sample")
  assert lines_of(result) == [
      "python -m jaxgan.main --config=experiments/dcgan_mnist.py --workdir=runs/dcgan_mnist "
      "--config.optim.d_lr=1e-4 --mode=sample"]
  # --workdir replaces the default; a path names the experiment (from any directory).
  result = launch("--dry-run", os.path.join(REPO, "experiments/tiny.py"), "--workdir=/tmp/t",
                  "--config.loss.name=hinge x", cwd=str(tmp_path))
  assert lines_of(result) == [
      "python -m jaxgan.main --config=experiments/tiny.py --workdir=/tmp/t "
      "'--config.loss.name=hinge x'"]


def test_help_and_errors_are_one_line():
  assert "usage:" in launch("--help").stdout
  assert launch().returncode != 0
  one_line_error(launch("no_such_experiment", "--dry-run"), "no experiment 'no_such_experiment'")
  one_line_error(launch("sweep", "experiments/missing.py", "--dry-run"), "no experiment")
  one_line_error(launch("sweep", "tiny", "--dry-run"), "defines no get_sweep()")
  one_line_error(launch("dcgan_mnist", "--nodes=2", "--dry-run"), "--nodes is for")
  one_line_error(launch("sweep", "mlp_gan_mnist", "--parallel=0", "--dry-run"), "--parallel=0")
  one_line_error(launch("tpu", "dcgan_mnist", "--zone=z", "--dry-run"), "--tpu=NAME")
  one_line_error(launch("slurm", "dcgan_mnist", "--time=banana", "--dry-run"),
                 "--time=banana: not a SLURM time limit")


@pytest.mark.parametrize("limit", ["90", "30:00", "04:00:00", "2-12", "1-00:30", "1-02:03:04",
                                   "UNLIMITED"])
def test_slurm_accepts_its_time_formats(limit):
  assert f"#SBATCH --time={limit}" in lines_of(launch("slurm", "dcgan_mnist", f"--time={limit}",
                                                      "--dry-run"))


@pytest.mark.parametrize("name, module, parallel", [
    ("mlp_gan_mnist", mlp_gan_mnist, []), ("gan_ring8", gan_ring8, ["--parallel=3"])])
def test_sweep_expands_into_the_declared_points_with_distinct_workdirs(name, module, parallel):
  commands = [shlex.split(line) for line in lines_of(
      launch("sweep", name, *parallel, "--config.num_steps=10", "--dry-run"))]
  points = module.get_sweep()
  assert len(commands) == len(points) >= 4
  workdirs = set()
  for command, point in zip(commands, points):
    assert command[:4] == ["python", "-m", "jaxgan.main", f"--config=experiments/{name}.py"]
    assert command[4].startswith(f"--workdir=runs/{name}/sweep/")
    workdirs.add(command[4])
    # The caller's flags, then the point's own (last, so the point wins).
    assert command[5] == "--config.num_steps=10"
    flags = dict(flag[len("--config."):].split("=", 1) for flag in command[6:])
    assert flags == {path: str(value) for path, value in point.items()}
  assert len(workdirs) == len(points)


def test_sweep_names_read_as_the_overrides():
  commands = lines_of(launch("sweep", "gan_ring8", "--dry-run", "--workdir=/tmp/r"))
  assert commands[0] == (
      "python -m jaxgan.main --config=experiments/gan_ring8.py "
      "--workdir=/tmp/r/sweep/loss=non_saturating,seed=0 "
      "--config.loss.name=non_saturating --config.seed=0")


def _stand_in(directory, name, body):
  path = directory / name
  path.write_text("#!/usr/bin/env bash\n" + body)
  path.chmod(path.stat().st_mode | stat.S_IEXEC)
  return str(path)


def test_sweep_runs_every_point_n_at_a_time(tmp_path):
  # A python that answers launch_points for real and records every training command.
  calls = tmp_path / "calls.txt"
  fake_python = _stand_in(tmp_path, "python", f"""
if [[ "$1" == -c || "$2" == jaxgan.tools.launch_points ]]; then
  exec {shlex.quote(sys.executable)} "$@"
fi
echo "$*" >> {calls}
""")
  result = launch("sweep", "mlp_gan_mnist", "--parallel=2", f"--workdir={tmp_path}/w",
                  env={"PYTHON": fake_python})
  assert result.returncode == 0, result.stderr
  ran = sorted(calls.read_text().splitlines())
  assert len(ran) == len(mlp_gan_mnist.get_sweep())
  assert all(f"--workdir={tmp_path}/w/sweep/" in line for line in ran)
  assert len(list((tmp_path / "w" / "sweep").glob("*/launch.log"))) == len(ran)


def test_a_failed_sweep_run_fails_the_sweep(tmp_path):
  fake_python = _stand_in(tmp_path, "python", f"""
if [[ "$1" == -c || "$2" == jaxgan.tools.launch_points ]]; then
  exec {shlex.quote(sys.executable)} "$@"
fi
[[ "$*" != *seed=1* ]]
""")
  result = launch("sweep", "mlp_gan_mnist", f"--workdir={tmp_path}/w",
                  env={"PYTHON": fake_python})
  assert result.returncode != 0
  assert "launch.sh: error: 2 of 4 sweep runs failed" in result.stderr


def test_slurm_script_runs_one_task_per_node_with_the_command():
  out = lines_of(launch("slurm", "dcgan_mnist", "--nodes=2", "--gpus-per-node=4",
                        "--time=01:00:00", "--partition=gpu", "--config.batch_size=256",
                        "--dry-run"))
  assert out[0].startswith("# runs/dcgan_mnist/slurm_") and out[0].endswith(".sbatch")
  script = out[1:-1]
  assert script[0] == "#!/bin/bash"
  for line in ("#SBATCH --nodes=2", "#SBATCH --ntasks-per-node=1", "#SBATCH --gpus-per-node=4",
               "#SBATCH --time=01:00:00", "#SBATCH --partition=gpu",
               "export JAX_LOCAL_DEVICE_IDS=0,1,2,3", f"cd {REPO}"):
    assert line in script
  assert script[-1] == (
      "srun --nodes=2 --ntasks-per-node=1 python -m jaxgan.main "
      "--config=experiments/dcgan_mnist.py --workdir=runs/dcgan_mnist --config.batch_size=256")
  assert out[-1] == "sbatch " + out[0][2:]
  assert not os.path.exists(os.path.join(REPO, out[0][2:]))  # A dry run writes nothing.


def test_slurm_writes_the_script_and_submits_it(tmp_path):
  bin_dir = tmp_path / "bin"
  bin_dir.mkdir()
  _stand_in(bin_dir, "sbatch", f'cp "$1" {tmp_path}/submitted.sbatch\n')
  result = launch("slurm", "gan_ring8", f"--workdir={tmp_path}/w",
                  env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
  assert result.returncode == 0, result.stderr
  written = list((tmp_path / "w").glob("slurm_*.sbatch"))
  assert len(written) == 1
  submitted = (tmp_path / "submitted.sbatch").read_text()
  assert submitted == written[0].read_text()
  assert "#SBATCH --nodes=1" in submitted and "--gpus-per-node" not in submitted
  assert submitted.strip().endswith(f"--workdir={tmp_path}/w")


def test_tpu_runs_the_command_on_every_worker():
  out = lines_of(launch("tpu", "dcgan_mnist", "--tpu=my-v4", "--zone=us-central2-b",
                        "--project=proj", "--repo-dir=~/jaxgan", "--config.seed=3", "--dry-run"))
  assert len(out) == 1
  command = shlex.split(out[0])
  assert command[:6] == ["gcloud", "compute", "tpus", "tpu-vm", "ssh", "my-v4"]
  assert {"--zone=us-central2-b", "--project=proj", "--worker=all"} <= set(command)
  remote = [word for word in command if word.startswith("--command=")]
  assert remote == [
      "--command=cd ~/jaxgan && python -m jaxgan.main --config=experiments/dcgan_mnist.py "
      "--workdir=runs/dcgan_mnist --config.seed=3"]


@pytest.mark.parametrize("flag, wanted", [
    (["--nodes", "2"], "write --nodes=N"), (["--node=2"], "write --nodes=N"),
    (["--gpus_per_node=4"], "write --gpus-per-node=G"), (["--time", "1:00:00"], "write --time="),
])
def test_a_launcher_flag_without_equals_or_misspelt_is_refused(flag, wanted):
  one_line_error(launch("slurm", "dcgan_mnist", "--dry-run", *flag), wanted)
