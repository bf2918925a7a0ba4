"""The classifier kind's own config fields and their checks."""

from typing import Callable

import ml_collections

from jaxgan import configs
from jaxgan.errors import one_of
from jaxgan.errors import require
from jaxgan.models import classifier as classifier_models

# config.model.architecture -> a builder of the module from the model config.
ARCHITECTURES: dict[str, Callable] = {
    "lenet": lambda cfg: classifier_models.LeNet(num_classes=cfg.num_classes,
                                                 dropout_rate=cfg.dropout_rate,
                                                 conv_impl=cfg.conv_impl),
}


def default_config() -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.model = ml_collections.ConfigDict()
  c.model.architecture = "lenet"
  c.model.num_classes = 10
  c.model.dropout_rate = 0.5
  c.model.conv_impl = "auto"        # auto | xla | fast (see jaxgan/ops/conv.py).
  c.optim = configs.optim_fields(lr=1e-3, b1=0.9)
  return c


def validate(c) -> None:
  """The classifier kind's fields: architecture, classes, dropout, optimizer."""
  one_of("model.architecture", c.model.architecture, ARCHITECTURES)
  require(c.model.num_classes >= 2, "model.num_classes", c.model.num_classes,
          "a classifier needs at least 2 classes (10 for MNIST)")
  require(tuple(c.data.image_shape) == (28, 28, 1), "data.image_shape",
          tuple(c.data.image_shape), "lenet is made for (28, 28, 1) images")
  require(0.0 <= c.model.dropout_rate < 1.0, "model.dropout_rate", c.model.dropout_rate,
          "must be in [0, 1)")
  one_of("model.conv_impl", c.model.conv_impl, ("auto", "xla", "fast"))
  configs.validate_optim(c, lr_fields=("lr",))
