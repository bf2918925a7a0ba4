"""Two real processes on this machine: a localhost coordinator and gloo CPU collectives.

Each process has one CPU device, so the global batch is split between them and every
collective (BatchNorm statistics, gradient sums, the stop vote) crosses processes.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import jax
import numpy as np

from jaxgan import builder
from jaxgan import checkpoint
from jaxgan import parallel
from jaxgan import train

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = 4


def tiny(num_steps=STEPS):
  from experiments import tiny as tiny_experiment
  config = tiny_experiment.get_config()
  config.model.architecture = "mlp"  # Compiles in seconds; the collectives are the same.
  config.num_steps = num_steps
  config.log_every = 1
  config.checkpoint_every = 2
  return config


def free_port() -> int:
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def launch(args_of_process, tmp_path) -> list[subprocess.Popen]:
  """Starts one process per argument list, all in one job with a fresh coordinator."""
  port = free_port()
  env = dict(os.environ, PYTHONPATH=REPO, JAX_PLATFORMS="cpu",
             JAX_COMPILATION_CACHE_DIR=str(tmp_path / "jax_cache"))
  env.pop("XLA_FLAGS", None)
  return [subprocess.Popen(
      [sys.executable, *args, f"--coordinator_address=127.0.0.1:{port}", "--num_processes=2",
       f"--process_id={index}"], cwd=REPO, env=env, stdout=subprocess.PIPE,
      stderr=subprocess.PIPE, text=True) for index, args in enumerate(args_of_process)]


def finish(processes, timeout=400) -> list[tuple[str, str]]:
  outputs = [p.communicate(timeout=timeout) for p in processes]
  for p, (_, err) in zip(processes, outputs):
    assert p.returncode == 0, err[-3000:]
  return outputs


def restore(config, workdir, step=None):
  exp = builder.build(config)
  ckpt = checkpoint.Checkpointer(str(workdir))
  state, data_state = ckpt.restore(exp.abstract_state(parallel.make_mesh()), step=step)
  ckpt.close()
  return jax.device_get(state), data_state


def test_two_processes_agree_and_their_checkpoint_restores_in_one(tmp_path):
  script = [os.path.abspath(__file__), str(tmp_path / "two")]
  outputs = finish(launch([script, script], tmp_path))
  reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
  assert [r["process"] for r in reports] == [[0, 2], [1, 2]]
  assert all(r["devices"] == [1, 2] for r in reports)  # [local, global]
  assert reports[0]["metrics"] == reports[1]["metrics"]  # The same replicated numbers.

  single = train.train_and_evaluate(tiny(), str(tmp_path / "one"))
  for name in ("d_loss", "g_loss", "d_real", "d_fake"):
    np.testing.assert_allclose(reports[0]["metrics"][name], single[name], rtol=1e-4)

  # Only process 0 wrote logs; both wrote (their shares of) the checkpoints.
  assert [json.loads(l)["step"] for l in open(tmp_path / "two" / "metrics.jsonl")] == [1, 2, 3, 4]
  two_state, two_data = restore(tiny(), tmp_path / "two")
  one_state, one_data = restore(tiny(), tmp_path / "one")
  assert int(two_state.step) == STEPS and two_data == one_data
  for a, b in zip(jax.tree.leaves(two_state), jax.tree.leaves(one_state)):
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_sigterm_on_one_host_checkpoints_all_and_the_same_command_resumes(tmp_path):
  args = ["-m", "jaxgan.main", "--config=experiments/tiny.py", f"--workdir={tmp_path}",
          "--config.model.architecture=mlp", "--config.checkpoint_every=100000",
          "--config.log_every=100000", "--config.sample_every=100000"]
  processes = launch([args + ["--config.num_steps=100000"]] * 2, tmp_path)
  deadline = time.time() + 300
  while time.time() < deadline and not os.path.exists(tmp_path / "config.json"):
    time.sleep(0.5)
  time.sleep(3)  # Some steps.
  processes[1].send_signal(signal.SIGTERM)  # Only the second host is told to stop.
  finish(processes, timeout=120)
  steps = [int(s) for s in os.listdir(tmp_path / "checkpoints")]
  assert len(steps) == 1 and steps[0] > 0 and steps[0] % train.STOP_CHECK_EVERY == 0

  outputs = finish(launch([args + [f"--config.num_steps={steps[0] + 2}"]] * 2, tmp_path))
  for _, err in outputs:
    assert f"Resuming from step {steps[0]}" in err
  assert max(int(s) for s in os.listdir(tmp_path / "checkpoints")) == steps[0] + 2


def _train_one_process_of_two(workdir: str, *flags: str) -> None:
  """This file as a script: one process of the job, reporting what it computed."""
  from jaxgan import distributed
  values = dict(flag[2:].split("=", 1) for flag in flags)
  distributed.initialize("on", values["coordinator_address"], int(values["num_processes"]),
                         int(values["process_id"]))
  metrics = train.train_and_evaluate(tiny(), workdir)
  metrics.pop("steps_per_sec", None)
  print(json.dumps({"process": [jax.process_index(), jax.process_count()],
                    "devices": [jax.local_device_count(), jax.device_count()],
                    "metrics": metrics}))


if __name__ == "__main__":
  _train_one_process_of_two(*sys.argv[1:])
