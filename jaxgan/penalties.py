"""Discriminator regularisers, each a function of a logits function.

A penalty is `penalty(discriminate, real, fake, key) -> scalar`, where `discriminate(x)`
returns D's logits [B] with the current parameters (gradients flow through it into D). The
weight is applied by the step. Adding a penalty is one function plus one registry line.
"""

import jax
import jax.numpy as jnp


def no_penalty(discriminate, real, fake, key):
  del discriminate, real, fake, key
  return jnp.zeros((), jnp.float32)


def input_gradients(discriminate, x):
  """d D(x_i) / d x_i for every example i: the gradient of the sum, which is per-example
  when examples do not interact in D (no batch norm in D, as WGAN-GP and R1 assume)."""
  return jax.grad(lambda inputs: jnp.sum(discriminate(inputs)))(x)


def _squared_norms(gradients):
  return jnp.sum(jnp.square(gradients.reshape((gradients.shape[0], -1))), axis=1)


def wgan_gp(discriminate, real, fake, key):
  """Gulrajani et al. 2017: E[(||grad D(x_hat)||_2 - 1)^2] at x_hat = a x + (1 - a) G(z),
  with one a ~ U[0, 1] per example."""
  alpha = jax.random.uniform(key, (real.shape[0],) + (1,) * (real.ndim - 1), real.dtype)
  interpolated = alpha * real + (1.0 - alpha) * fake
  # The epsilon keeps the gradient of the norm finite where the input gradient is zero.
  norms = jnp.sqrt(_squared_norms(input_gradients(discriminate, interpolated)) + 1e-12)
  return jnp.mean(jnp.square(norms - 1.0))


def r1(discriminate, real, fake, key):
  """Mescheder et al. 2018: 1/2 E[||grad D(x)||^2] on real data (the step applies gamma)."""
  del fake, key
  return 0.5 * jnp.mean(_squared_norms(input_gradients(discriminate, real)))


def r2(discriminate, real, fake, key):
  """The zero-centred penalty on fake data, 1/2 E[||grad D(G(z))||^2] (Roth et al. 2017;
  with R1, the pair that R3GAN, Huang et al. 2024, uses to make RpGAN converge locally)."""
  del real, key
  return 0.5 * jnp.mean(_squared_norms(input_gradients(discriminate, fake)))


def r1_r2(discriminate, real, fake, key):
  """R1 + R2: gamma / 2 (E||grad D(x)||^2 + E||grad D(G(z))||^2), as in R3GAN."""
  return r1(discriminate, real, fake, key) + r2(discriminate, real, fake, key)


PENALTIES = {
    "none": no_penalty,
    "wgan_gp": wgan_gp,
    "r1": r1,
    "r2": r2,
    "r1_r2": r1_r2,
}


def weight_scale(step, num_steps: int, schedule: str = "constant",
                 final_fraction: float = 0.1):
  """The factor on the penalty weight at `step`: 1, or cosine-annealed from 1 to
  `final_fraction` over `num_steps` (R3GAN anneals its gamma this way)."""
  if schedule == "constant" or num_steps <= 0:
    return jnp.ones((), jnp.float32)
  progress = jnp.minimum(jnp.asarray(step, jnp.float32) / num_steps, 1.0)
  return final_fraction + (1.0 - final_fraction) * 0.5 * (1.0 + jnp.cos(jnp.pi * progress))


SCHEDULES = ("constant", "cosine")


def get(name: str):
  return PENALTIES[name]
