"""Command line: python -m jaxgan.main --config=experiments/x.py --workdir=DIR [--mode=...]."""

import json
import os
import sys

from absl import app
from absl import flags
from absl import logging
from ml_collections import config_flags

from jaxgan import console
from jaxgan import preflight
from jaxgan import xla_flags
from jaxgan.errors import UserError
from jaxgan.errors import one_line

FLAGS = flags.FLAGS

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Experiment file (experiments/*.py); override fields with --config.a.b=v.",
    lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory: checkpoints, logs, samples.")
_MODE = flags.DEFINE_enum(
    "mode", "train", ["train", "sample", "eval", "bench", "export", "export_member"],
    "What to do with the config (bench needs no --workdir; export writes the trained "
    "generator as a jax.export artifact and ONNX, see docs/export.md; export_member writes "
    "member --config.sweep.member of the sweep in --workdir as a single run).")
_DISTRIBUTED = flags.DEFINE_enum(
    "distributed", "auto", ["auto", "on", "off"],
    "Join a multi-host job (jax.distributed): auto = when the three flags below are given or "
    "SLURM/TPU-VM variables describe one; one process needs nothing.")
_COORDINATOR = flags.DEFINE_string("coordinator_address", None,
                                   "host:port of process 0, e.g. 10.0.0.1:1234.")
_NUM_PROCESSES = flags.DEFINE_integer("num_processes", None, "Processes in the job (one per host).")
_PROCESS_ID = flags.DEFINE_integer("process_id", None, "This process's index in [0, num_processes).")
_RESUME_STEP = flags.DEFINE_integer(
    "resume_step", None, "--mode=train: resume from this checkpoint step instead of the "
    "latest (e.g. when the latest is corrupt); later steps are moved to "
    "WORKDIR/checkpoints_set_aside/.")
flags.mark_flags_as_required(["config"])


def _explicit_fields(argv) -> tuple:
  """The config fields set on the command line (--config.a.b=v -> "a.b")."""
  del argv   # absl hands main only the leftover arguments: read the full command line.
  return tuple(a[len("--config."):].split("=", 1)[0] for a in sys.argv
               if a.startswith("--config."))


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  logging.get_absl_handler().addFilter(console.HideLibraryInfo())
  xla_flags.set_defaults()  # Before JAX starts its backend.
  try:
    from jaxgan import distributed  # Imported after flag parsing so --help stays fast.
    distributed.initialize(_DISTRIBUTED.value, _COORDINATOR.value, _NUM_PROCESSES.value,
                           _PROCESS_ID.value)  # Before any computation creates the backend.
    from jaxgan import train
    if _MODE.value in ("train", "bench"):
      from jaxgan import sweep_advice
      advice = sweep_advice.warning(_CONFIG.value)
      if advice:
        logging.warning(advice)
    if _MODE.value == "train":
      train.train_and_evaluate(_CONFIG.value, _WORKDIR.value, resume_step=_RESUME_STEP.value)
    elif _MODE.value == "sample":
      print(train.sample(_CONFIG.value, _WORKDIR.value, _explicit_fields(argv)))
    elif _MODE.value == "bench":
      from jaxgan import bench
      config_file = config_flags.get_config_filename(FLAGS["config"])
      name = os.path.splitext(os.path.basename(config_file))[0]
      bench.print_benchmark(_CONFIG.value, name)
    elif _MODE.value == "eval":
      print(json.dumps(train.evaluate(_CONFIG.value, _WORKDIR.value, _explicit_fields(argv))))
    elif _MODE.value == "export":
      from jaxgan import export
      print(export.export(_CONFIG.value, _WORKDIR.value))
    elif _MODE.value == "export_member":
      from jaxgan import sweep
      member = _CONFIG.value.sweep.member
      if member < 0:
        raise UserError("--mode=export_member needs --config.sweep.member=I (which member to "
                        "write; the sweep's members are listed in WORKDIR/sweep_members.json)")
      print(sweep.export_member(_CONFIG.value, _WORKDIR.value, member))
  except (UserError, FloatingPointError) as error:
    print(f"jaxgan: error: {one_line(str(error))}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
  # preflight: the config file, flag errors and --workdir checked before JAX starts, one line each.
  app.run(main, flags_parser=preflight.parse_flags)
