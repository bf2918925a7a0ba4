"""Normalisation layers of the image-to-image networks, by name.

pix2pix trains with batch normalisation at batch size 1, which is instance normalisation
(Isola et al. 2017, Sec. 3.3; Ulyanov et al. 2016); CycleGAN uses instance normalisation.
"instance" is the default of both here: it keeps no running statistics, so the train state
holds parameters only and train and test behave alike. "batch" is the project's BatchNorm
(statistics in the `batch_stats` collection); "none" is the identity.
"""

import flax.linen as nn

from jaxgan.models import batch_norm

NORMS = ("instance", "batch", "none")


def make(name: str, train: bool):
  """A fresh normalisation module (or the identity) for one layer."""
  if name == "instance":
    return nn.InstanceNorm(epsilon=1e-5)
  if name == "batch":
    return batch_norm.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5)
  if name == "none":
    return lambda x: x
  raise ValueError(f"norm must be one of {NORMS}, got {name!r}")
