"""The classifier kind: LeNet on labelled images; its MNIST weights are lenet-mnist's.

  experiment.py  the Experiment
  config.py      its config fields, architectures and checks
  step.py        ClassifierState and the pure step
"""

from jaxgan.kinds.classifier.experiment import ClassifierExperiment

KIND = ClassifierExperiment
