"""The outputs of a discriminator beyond its adversarial logit.

A discriminator returns its logits [B], or `(logits, aux)` where `aux` is a dict of extra
heads on its features: ACGAN's `class_logits` [B, K] (Odena et al. 2017) and InfoGAN's Q
head, `code_logits` [B, K] and `code_mean` [B, C] (Chen et al. 2016). The step turns them into
loss terms with `losses.auxiliary_d` / `losses.auxiliary_g`; `split_outputs` reads either form.

These are plain functions called inside a discriminator's compact `__call__`, so their layers
are named in the discriminator's scope after its own (Dense_1, Dense_2, ...).
"""

from typing import Sequence

import flax.linen as nn

from jaxgan.models import batch_norm


def auxiliary_outputs(features, train: bool, aux_classes: int = 0,
                      code_dims: Sequence[int] = (0, 0)) -> dict:
  """`class_logits` if `aux_classes`; InfoGAN's Q head if `code_dims` (categorical, continuous)
  is non-zero: FC 128 - BN - LReLU - FC, sharing all of D's other layers (Chen et al., App. C)."""
  aux = {}
  if aux_classes:
    aux["class_logits"] = nn.Dense(aux_classes)(features)
  categorical, continuous = code_dims
  if categorical or continuous:
    q = nn.Dense(128)(features)
    q = batch_norm.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5)(q)
    q = nn.leaky_relu(q, 0.1)
    if categorical:
      aux["code_logits"] = nn.Dense(categorical)(q)
    if continuous:
      aux["code_mean"] = nn.Dense(continuous)(q)
  return aux


def with_auxiliary(logits, features, train: bool, aux_classes: int = 0,
                   code_dims: Sequence[int] = (0, 0)):
  """`logits`, or `(logits, aux)` when the discriminator has auxiliary heads."""
  aux = auxiliary_outputs(features, train, aux_classes, code_dims)
  return (logits, aux) if aux else logits


def split_outputs(outputs):
  """(logits, aux dict) from either form a discriminator may return."""
  if isinstance(outputs, tuple):
    return outputs
  return outputs, {}
