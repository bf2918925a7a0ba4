"""The minibatch standard-deviation layer of Karras et al. 2018 ("Progressive Growing of GANs
for Improved Quality, Stability, and Variation", section 3).

A discriminator that sees one example at a time cannot tell a collapsed generator from a
varied one. This layer gives it one number per group of examples: the standard deviation of
every feature over the group, averaged over features (and positions), appended as an extra
channel that is constant within the group. A batch of identical fakes then has a std of ~0,
which real batches never have, so D can punish the collapse and G is pushed to vary.

Groups follow the paper's reshape `[G, M, ...]`: example i belongs to group i mod M, with
M = B / G, so the members of a group are i, i + M, i + 2M, ...
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.ops import batch_sharding


def minibatch_stddev(x, group_size: int = 4, epsilon: float = 1e-8):
  """`x` [B, ...features] -> [B, ..., C + 1]: the group's mean feature std appended last.

  `x` is [B, F] (an MLP's features) or [B, H, W, C] (a feature map). The group is
  min(group_size, B) examples; B must be a multiple of it.
  """
  batch = x.shape[0]
  group = min(group_size, batch)
  if batch % group:
    raise ValueError(f"minibatch_stddev: batch {batch} is not a multiple of the group "
                     f"size {group}")
  # Groups mix examples across the batch: compute on a replicated copy when the batch is
  # sharded over devices, then lay the result out like x again.
  whole = batch_sharding.replicated(x, x.ndim)
  y = x if whole is None else jax.sharding.reshard(x, whole)
  y = y.astype(jnp.float32).reshape((group, batch // group) + x.shape[1:])
  y = y - jnp.mean(y, axis=0, keepdims=True)
  std = jnp.sqrt(jnp.mean(jnp.square(y), axis=0) + epsilon)        # [M, ...features]
  per_group = jnp.mean(std.reshape((batch // group, -1)), axis=1)    # [M]
  # Member j of group m is example j * M + m: tile the M values G times.
  per_example = jnp.tile(per_group, group)                           # [B]
  extra = jnp.broadcast_to(per_example.reshape((batch,) + (1,) * (x.ndim - 1)),
                           x.shape[:-1] + (1,)).astype(x.dtype)
  extra = batch_sharding.shard_like(extra, x)
  return jnp.concatenate([x, extra], axis=-1)


class MinibatchStdDev(nn.Module):
  """`minibatch_stddev` as a layer (no parameters), to place before D's last layers."""
  group_size: int = 4

  @nn.compact
  def __call__(self, x):
    return minibatch_stddev(x, self.group_size)


def maybe_append(x, group_size: int):
  """`minibatch_stddev(x, group_size)` when group_size > 0; `x` unchanged when 0 (off)."""
  return minibatch_stddev(x, group_size) if group_size else x
