"""Whether a sweep inside one program (config.sweep) is the fast way to train its members here.

`jaxgan.main` prints `warning(config)` (one line) when it starts a sweep of a network the kind
calls convolutional (Kind.convolutional) on CPU: there, one program ran slower than
separate runs, with the members vmapped and with their steps unrolled. The figures and the
command that measured them (`benchmarks/sweep_throughput.py`) are in docs/performance.md.
"""

import jax

from jaxgan import interface
from jaxgan import sweep

MEASUREMENTS = "docs/performance.md, \"Sweeps on one CPU\""


def warning(config, backend: str | None = None) -> str | None:
  """One line naming what to use instead, or None where the sweep in one program is the right
  call."""
  if not sweep.is_sweep(config):
    return None
  backend = backend or jax.default_backend()
  if backend != "cpu" or not interface.find_kind(config.kind).convolutional(config):
    return None
  architecture = config.get("model", {}).get("architecture", config.kind)
  members_as = sweep.members_as(config, backend)
  count = len(sweep.members(config))
  return (f"config.sweep: {count} members of a convolutional network ({architecture}) in one "
          f"program on CPU (sweep.members_as={members_as}) ran slower than separate runs "
          f"({MEASUREMENTS}); separate runs are faster here: "
          f"./launch.sh sweep with get_sweep() in the experiment file, or one run per seed")
