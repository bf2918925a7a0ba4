"""Adversarial losses written on discriminator logits.

Each loss is a pair: `d(real_logits, fake_logits)` and `g(fake_logits)`, both returning a
scalar mean over the batch. Adding a loss is one pair plus one registry line.
"""

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp


class AdversarialLoss(NamedTuple):
  d: Callable[[jax.Array, jax.Array], jax.Array]
  g: Callable[[jax.Array], jax.Array]


def _minimax_d(real_logits, fake_logits):
  # -log D(x) - log(1 - D(G(z))), with log(1 - sigmoid(l)) = log_sigmoid(-l).
  return -jnp.mean(jax.nn.log_sigmoid(real_logits)) - jnp.mean(jax.nn.log_sigmoid(-fake_logits))


def _minimax_g(fake_logits):
  # The saturating loss of the original paper: G minimises log(1 - D(G(z))).
  return jnp.mean(jax.nn.log_sigmoid(-fake_logits))


def _non_saturating_g(fake_logits):
  # Goodfellow et al.'s practical variant: G maximises log D(G(z)).
  return -jnp.mean(jax.nn.log_sigmoid(fake_logits))


LOSSES: dict[str, AdversarialLoss] = {
    "minimax": AdversarialLoss(_minimax_d, _minimax_g),
    "non_saturating": AdversarialLoss(_minimax_d, _non_saturating_g),
}


def get(name: str) -> AdversarialLoss:
  return LOSSES[name]
