"""Optimizers by name, built with optax from the config's `optim` block."""

import optax

from jaxgan.errors import UserError


def _adam(lr, cfg):
  return optax.adam(lr, b1=cfg.b1, b2=cfg.b2)


OPTIMIZERS = {
    "adam": _adam,
}


def make(cfg, lr: float) -> optax.GradientTransformation:
  """The optimizer `cfg.name` at learning rate `lr` (G and D each get their own)."""
  if cfg.name not in OPTIMIZERS:
    raise UserError(f"config.optim.name={cfg.name!r} is unknown; choose one of {sorted(OPTIMIZERS)}")
  return OPTIMIZERS[cfg.name](lr, cfg)
