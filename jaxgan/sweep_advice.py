"""Whether a sweep inside one program (config.sweep) is the fast way to train its members here.

`jaxgan.main` prints `warning(config)` (one line) when it starts a sweep where one program was
measured to be slower than separate runs. The rule is what `benchmarks/sweep_throughput.py`
measured (K=8, batch 64; benchmarks/README.md, "Sweeps"): on CPU, every DCGAN sweep ran below
1.0x of 8 sequential runs. On the idle 2-core AMD EPYC (AVX-512) on 2026-12-06: 0.73x
vmapped (twice), 0.84x and 0.94x with the members' steps unrolled (`sweep.members_as`, which
`auto` picks there). The MLP's vmapped sweep ran at 1.10x: no warning for it. The ResNet was
not measured; its members' convolutions are batched the same way as DCGAN's.
"""

import jax

from jaxgan import interface
from jaxgan import sweep

# (model.architecture, members_as) -> K=8 sweep / 8 sequential runs, the lowest of the latest
# measurements on the 2-core CPU. The dcgan_mnist figures stand for every network the kind
# calls convolutional (Experiment.convolutional).
MEASURED_CPU_RATIO = {"vmap": 0.73, "unroll": 0.84}


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
  ratio = MEASURED_CPU_RATIO[members_as]
  count = len(sweep.members(config))
  return (f"config.sweep: {count} members of a convolutional network ({architecture}) in one "
          f"program on CPU (sweep.members_as={members_as}) ran at {ratio:.2f}x the throughput "
          f"of separate runs (benchmarks/sweep_throughput.py); separate runs are faster here: "
          f"./launch.sh sweep with get_sweep() in the experiment file, or one run per seed")
