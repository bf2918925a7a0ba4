"""CycleGAN (Zhu et al. 2017): unpaired translation between domains A and B with two
ResNet-block generators, two PatchGAN discriminators, least-squares losses,
cycle-consistency and identity terms, and a history pool of generated images per domain.

  experiment.py  the Experiment: two streams "a" and "b", init, step, visuals, evaluation
  config.py      its config fields and their checks
  step.py        the state (networks and pools) and the pure step
"""

from jaxgan.kinds.cyclegan.experiment import CycleGANExperiment

KIND = CycleGANExperiment
