"""Discriminator regularisers, each a function of a logits function.

A penalty is `penalty(discriminate, real, fake, key) -> scalar`, where `discriminate(x)`
returns D's logits with the current parameters (gradients flow through it into D). The
weight is applied by the step. Adding a penalty is one function plus one registry line.
"""

import jax.numpy as jnp


def no_penalty(discriminate, real, fake, key):
  del discriminate, real, fake, key
  return jnp.zeros((), jnp.float32)


PENALTIES = {
    "none": no_penalty,
}


def get(name: str):
  return PENALTIES[name]
