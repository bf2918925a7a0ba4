"""The self-attention block of SAGAN (Zhang et al. 2019, Sec. 3).

Every position attends to every other: beta = softmax(f(x)^T g(x)) over positions, the block
outputs x + gamma * v(h(x) beta), where f, g, h are 1x1 convolutions to C/8 channels, v one
back to C, and gamma is a learned scalar that starts at 0 (the block starts as the identity).
A 1x1 convolution is a Dense layer over the channel axis.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models import spectral


class SelfAttention(nn.Module):
  channel_divisor: int = 8        # k = 8 (C-bar = C/8) in all of the paper's experiments
  spectral_norm: bool = False

  @nn.compact
  def __call__(self, x, train: bool = True):
    batch, height, width, channels = x.shape
    inner = max(channels // self.channel_divisor, 1)

    def project(features, name, inputs):
      return spectral.apply(nn.Dense(features, use_bias=False, name=name), inputs,
                            enabled=self.spectral_norm, train=train)

    flat = x.reshape((batch, height * width, channels))
    f = project(inner, "f", flat)   # keys
    g = project(inner, "g", flat)   # queries
    h = project(inner, "h", flat)   # values
    attention = jax.nn.softmax(jnp.einsum("bqc,bkc->bqk", g, f), axis=-1)
    o = project(channels, "v", jnp.einsum("bqk,bkc->bqc", attention, h))
    gamma = self.param("gamma", nn.initializers.zeros, ())
    return x + gamma * o.reshape(x.shape)
