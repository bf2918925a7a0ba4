"""Batch normalisation over all axes but the last, with fast per-channel reductions on CPU.

The function, the parameters ('scale', 'bias') and the statistics ('batch_stats': 'mean',
'var') are those of ``flax.linen.BatchNorm`` with its defaults (feature axis -1, statistics
reduced in float32 as E[x^2] - E[x]^2, clipped at 0, biased variance in the running
average), so checkpoints are interchangeable. Its reductions (the statistics, and the
gradients of scale, bias and the statistics) go through ``jaxgan.ops.channels``, which XLA:CPU
runs several times faster than ``x.mean(axes)``; on the CIFAR DCGAN step they were 9% of
the step time.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.ops import channels


class BatchNorm(nn.Module):
  """``nn.BatchNorm(use_running_average, momentum, epsilon, use_scale, use_bias)``."""
  use_running_average: bool = False
  momentum: float = 0.99
  epsilon: float = 1e-5
  use_scale: bool = True
  use_bias: bool = True
  scale_init: Any = nn.initializers.ones
  bias_init: Any = nn.initializers.zeros

  @nn.compact
  def __call__(self, x):
    features = x.shape[-1]
    ra_mean = self.variable("batch_stats", "mean", jnp.zeros, (features,), jnp.float32)
    ra_var = self.variable("batch_stats", "var", jnp.ones, (features,), jnp.float32)
    if self.use_running_average:
      mean, var = ra_mean.value, ra_var.value
    else:
      x32 = x.astype(jnp.promote_types(x.dtype, jnp.float32))
      count = x.size // features
      mean = channels.channel_sum(x32) / count
      mean_sq = channels.channel_sum(jnp.square(x32)) / count
      var = jnp.maximum(0.0, mean_sq - jnp.square(mean))
      if not self.is_initializing():
        ra_mean.value = self.momentum * ra_mean.value + (1 - self.momentum) * mean
        ra_var.value = self.momentum * ra_var.value + (1 - self.momentum) * var
    mul = jax.lax.rsqrt(var + self.epsilon)
    shift = -mean * mul
    out_dtype = x.dtype
    if self.use_scale:
      scale = self.param("scale", self.scale_init, (features,), jnp.float32)
      mul, shift = mul * scale, shift * scale
      out_dtype = jnp.promote_types(out_dtype, scale.dtype)
    if self.use_bias:
      bias = self.param("bias", self.bias_init, (features,), jnp.float32)
      shift = shift + bias
      out_dtype = jnp.promote_types(out_dtype, bias.dtype)
    y = channels.affine_channels(x.astype(mul.dtype), mul, shift)
    return y.astype(out_dtype)
