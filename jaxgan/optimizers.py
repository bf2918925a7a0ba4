"""Optimizers by name, with a learning-rate schedule and gradient clipping, all through optax.

Built from the config's `optim` block: `name`, `schedule` (with `cooldown_fraction` for the
cooldown schedule), `grad_clip`, and the optimizer's
own fields (b1/b2 for adam, rms_decay and momentum for rmsprop, momentum for sgd).
"""

import jax
import jax.numpy as jnp
import optax

from jaxgan.errors import UserError


def _adam(lr, cfg):
  return optax.adam(lr, b1=cfg.b1, b2=cfg.b2)


def _rmsprop(lr, cfg):
  # eps 1e-8 as PyTorch's RMSprop, which the WGAN reference code uses.
  return optax.rmsprop(lr, decay=cfg.get("rms_decay", 0.99), eps=1e-8,
                       momentum=cfg.get("momentum", 0.0) or None)


def _sgd(lr, cfg):
  return optax.sgd(lr, momentum=cfg.get("momentum", 0.0) or None)


def _adagrad(lr, cfg):
  del cfg
  return optax.adagrad(lr)


OPTIMIZERS = {
    "adam": _adam,
    "rmsprop": _rmsprop,
    "sgd": _sgd,
    "adagrad": _adagrad,
}

def _cooldown(lr, updates: int, fraction: float):
  """Constant, then linear to 0 over the last `fraction` of the updates."""
  decay = max(int(round(updates * fraction)), 1)
  return optax.join_schedules([optax.constant_schedule(lr), optax.linear_schedule(lr, 0.0, decay)],
                              [max(updates - decay, 0)])


# name -> (peak learning rate, number of updates, cooldown fraction) -> schedule.
SCHEDULES = {
    "constant": lambda lr, updates, fraction: optax.constant_schedule(lr),
    "linear": lambda lr, updates, fraction: optax.linear_schedule(lr, 0.0, max(updates, 1)),
    "cosine": lambda lr, updates, fraction: optax.cosine_decay_schedule(lr, max(updates, 1)),
    "cooldown": _cooldown,
}


def make(cfg, lr: float, num_updates: int = 0) -> optax.GradientTransformation:
  """The optimizer `cfg.name` at peak learning rate `lr`, decayed per `cfg.schedule` over
  `num_updates` updates of this optimizer (G and D each get their own), with the gradients
  clipped to global norm `cfg.grad_clip` first when it is > 0."""
  if cfg.name not in OPTIMIZERS:
    raise UserError(f"config.optim.name={cfg.name!r} is unknown; choose one of {sorted(OPTIMIZERS)}")
  schedule_name = cfg.get("schedule", "constant")
  if schedule_name not in SCHEDULES:
    raise UserError(f"config.optim.schedule={schedule_name!r} is unknown; choose one of "
                    f"{sorted(SCHEDULES)}")

  def at_peak_rate(peak_lr):
    learning_rate = (peak_lr if schedule_name == "constant"
                     else SCHEDULES[schedule_name](peak_lr, num_updates,
                                                   cfg.get("cooldown_fraction", 0.2)))
    return OPTIMIZERS[cfg.name](learning_rate, cfg)

  # The peak rate is an array in the optimizer state, not a constant of the compiled step, so
  # a sweep (jaxgan/sweep.py) can give each member its own; the numbers are unchanged.
  optimizer = optax.inject_hyperparams(at_peak_rate)(peak_lr=lr)
  grad_clip = cfg.get("grad_clip", 0.0)
  if grad_clip > 0:
    optimizer = optax.chain(optax.clip_by_global_norm(grad_clip), optimizer)
  return optimizer


# What optax.inject_hyperparams keeps its hyperparameters in (the class name varies by version).
_INJECTED_STATES = tuple({getattr(optax, n) for n in (
    "InjectHyperparamsState", "InjectStatefulHyperparamsState") if hasattr(optax, n)})


def with_peak_lr(opt_state, lr):
  """`opt_state` with its peak learning rate set to `lr` (a number, or one per sweep member).

  The rate lives in the state (see `make`), so a resumed run would otherwise keep the rate it
  was saved with; the training loop calls this so that the config given on resume wins.
  """
  def replace(node):
    if isinstance(node, _INJECTED_STATES):
      old = node.hyperparams["peak_lr"]
      return node._replace(hyperparams={**node.hyperparams,
                                        "peak_lr": jnp.broadcast_to(
                                            jnp.asarray(lr, old.dtype), old.shape)})
    return node
  return jax.tree.map(replace, opt_state,
                      is_leaf=lambda n: isinstance(n, _INJECTED_STATES))
