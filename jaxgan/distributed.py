"""Joining a multi-host job: `jax.distributed.initialize` from flags or the cluster's environment.

One process per host runs the same command. The processes find each other through a
coordinator (process 0's address); SLURM (srun) and Cloud TPU VMs describe the job in
environment variables that JAX reads itself, so there only `--distributed=auto` is needed.
On CPU the cross-process collectives are gloo's (`jax_cpu_collectives_implementation`), JAX's
default since 0.5; we set it explicitly so a changed default cannot silently break CPU jobs.
"""

import os

import jax
import numpy as np
from absl import logging

from jaxgan.errors import UserError

# Variables whose presence says "this process is one task of a multi-process job".
_SLURM_VARS = ("SLURM_JOB_ID", "SLURM_NTASKS", "SLURM_PROCID")
_TPU_VARS = ("TPU_WORKER_HOSTNAMES", "MEGASCALE_COORDINATOR_ADDRESS", "TPU_WORKER_ID")


def cluster_environment() -> str | None:
  """'slurm' or 'tpu' when the environment describes a multi-process job, else None."""
  if all(v in os.environ for v in _SLURM_VARS) and int(os.environ["SLURM_NTASKS"]) > 1:
    return "slurm"
  if any(v in os.environ for v in _TPU_VARS):
    return "tpu"
  return None


def initialize(mode: str = "auto", coordinator_address: str | None = None,
               num_processes: int | None = None, process_id: int | None = None) -> bool:
  """Joins the job when asked to (`mode='on'`) or when there is one to join (`'auto'`).

  Explicit values win over the environment; missing ones are filled in by JAX's cluster
  detection. Returns whether jax.distributed was initialised. Must run before any JAX
  computation (the backend is created by the first one).
  """
  if mode not in ("auto", "on", "off"):
    raise UserError(f"--distributed={mode!r}: must be auto, on or off")
  explicit = (coordinator_address, num_processes, process_id)
  given = [v is not None for v in explicit]
  if any(given) and not all(given):
    raise UserError("--coordinator_address, --num_processes and --process_id go together; "
                    "give all three (or none, to read them from SLURM/TPU variables)")
  if mode == "off" or (mode == "auto" and not any(given) and cluster_environment() is None
                       and "JAX_COORDINATOR_ADDRESS" not in os.environ):
    return False
  if all(given) and not 0 <= process_id < num_processes:
    raise UserError(f"--process_id={process_id}: must be in [0, --num_processes={num_processes})")
  jax.config.update("jax_cpu_collectives_implementation", "gloo")
  jax.distributed.initialize(coordinator_address=coordinator_address,
                             num_processes=num_processes, process_id=process_id)
  logging.info("Process %d of %d joined the job (%d local, %d global devices).",
               jax.process_index(), jax.process_count(), jax.local_device_count(),
               jax.device_count())
  return True


def any_process(flag: bool) -> bool:
  """True on every process if `flag` is true on any; a collective, so all must call it."""
  if jax.process_count() == 1:
    return flag
  from jax.experimental import multihost_utils  # pylint: disable=g-import-not-at-top
  flags = multihost_utils.process_allgather(np.array([flag], np.int32))
  return bool(np.any(flags))
