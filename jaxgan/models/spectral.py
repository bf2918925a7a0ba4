"""Spectral normalisation (Miyato et al. 2018) as an optional wrapper of any layer.

flax's `nn.SpectralNorm` keeps the power-iteration vector `u` (and the last `sigma`) in the
`batch_stats` collection, i.e. in `Network.collections` of the train state; it updates them
only when `update_stats` is true, which we tie to `train`. One power iteration per call, as
in the paper: the estimate sharpens across training steps.
"""

import flax.linen as nn


def apply(layer: nn.Module, x, *, enabled: bool, train: bool):
  """`layer(x)`, with `layer`'s weight divided by its largest singular value if `enabled`."""
  if not enabled:
    return layer(x)
  return nn.SpectralNorm(layer)(x, update_stats=train)
