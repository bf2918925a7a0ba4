"""CycleGAN (Zhu et al. 2017): unpaired translation between domains A and B with two
ResNet-block generators, two PatchGAN discriminators, least-squares losses,
cycle-consistency and identity terms, and a history pool of generated images per domain.

  kind.py  the kind's class: two streams "a" and "b", init, step, visuals, evaluation
  config.py      its config fields and their checks
  step.py        the state (networks and pools) and the pure step
"""

from jaxgan.kinds.cyclegan.kind import CycleGANKind

KIND = CycleGANKind
