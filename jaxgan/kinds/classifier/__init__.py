"""The classifier kind: LeNet on labelled images; its MNIST weights are lenet-mnist's.

  kind.py  the kind's class
  config.py      its config fields, architectures and checks
  step.py        ClassifierState and the pure step
"""

from jaxgan.kinds.classifier.kind import ClassifierKind

KIND = ClassifierKind
