"""Whether a sweep inside one program (config.sweep) is the fast way to train its members here.

`jaxgan.main` prints `warning(config)` (one line) when it starts a vmapped sweep where one
program was measured to be slower than separate runs. The rule is what
`benchmarks/sweep_throughput.py` measured (K=8, batch 64; benchmarks/README.md, "Second
round"): on CPU, every measurement of a DCGAN sweep ran below 1.0x of 8 sequential runs
(0.51 and 0.55 in issue 16; 0.42 with grouped convolutions and 0.72 with the members'
convolutions unrolled, jaxgan/ops/member_conv.py, on 2026-12-02). The MLP's were 1.08 and,
on a heavily loaded machine, 0.68: not a consistent loss, so no warning for it. The ResNet
was not measured; its members' convolutions are batched the same way as DCGAN's.
"""

import jax

from jaxgan import sweep

# model.architecture -> K=8 sweep / 8 sequential runs, the latest measurement on the 2-core CPU.
MEASURED_CPU_RATIO = {"dcgan_mnist": 0.72}
# Convolutional architectures: the measured DCGAN ratio stands for these (their members'
# convolutions are batched the same way, jaxgan/ops/member_conv.py).
CONV_ARCHITECTURES = ("dcgan_mnist", "dcgan_cifar10", "dcgan_stacked_mnist", "resnet32")


def warning(config, backend: str | None = None) -> str | None:
  """One line naming what to use instead, or None where the vmapped sweep is the right call."""
  if not sweep.is_sweep(config) or "model" not in config:
    return None
  backend = backend or jax.default_backend()
  architecture = config.model.get("architecture", "")
  if backend != "cpu" or architecture not in CONV_ARCHITECTURES:
    return None
  ratio = MEASURED_CPU_RATIO.get(architecture, MEASURED_CPU_RATIO.get("dcgan_mnist"))
  if ratio is None or ratio >= 1.0:
    return None
  count = len(sweep.members(config))
  return (f"config.sweep: {count} members of a convolutional network ({architecture}) in one "
          f"program on CPU ran at {ratio:.2f}x the throughput of separate runs "
          f"(benchmarks/sweep_throughput.py); separate runs are faster here: "
          f"./launch.sh sweep with get_sweep() in the experiment file, or one run per seed")
