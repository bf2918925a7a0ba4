"""The history of generated images that CycleGAN's discriminators train on (Zhu et al. 2017,
Sec. 4, after Shrivastava et al. 2017), as arrays in the train state.

Until the pool holds `size` images, each new image is stored and passed on. Once it is full,
each new image, with probability 1/2, replaces a uniformly chosen stored one and the stored
one goes to the discriminator instead; otherwise the new image passes through. Images of a
batch are handled one after another (a later one may receive an earlier one), as the paper's
code does. The pool is a PyTree of arrays, so it is checkpointed with the state and a resumed
run draws exactly what an uninterrupted one would.
"""

import flax.struct
import jax
import jax.numpy as jnp

from jaxgan.ops import batch_sharding

SIZE = 50  # The paper's.


@flax.struct.dataclass
class ImagePool:
  images: jax.Array   # [size, H, W, C]; rows at and after `count` are unused zeros.
  count: jax.Array    # int32 scalar: how many rows are filled.

  @property
  def size(self) -> int:
    return self.images.shape[0]


def create(size: int, image_shape, dtype=jnp.float32) -> ImagePool:
  return ImagePool(images=jnp.zeros((size, *image_shape), dtype), count=jnp.zeros((), jnp.int32))


def query_with_draws(pool: ImagePool, images, coins, indices):
  """(pool', images for the discriminator) given the random draws: `coins` [B] in [0, 1)
  (replace when > 0.5) and `indices` [B] in [0, size) (which stored image), used only once
  the pool is full. A pool of size 0 passes everything through."""
  if pool.size == 0:
    return pool, images

  def one(carry, inputs):
    stored, count = carry
    image, coin, index = inputs
    filling = count < pool.size
    swap = jnp.logical_and(jnp.logical_not(filling), coin > 0.5)
    slot = jnp.where(filling, count, index)
    out = jnp.where(swap, stored[slot], image)
    write = jnp.logical_or(filling, swap)
    stored = stored.at[slot].set(jnp.where(write, image, stored[slot]))
    return (stored, count + filling.astype(count.dtype)), out

  # The scan runs over the batch, so under an explicit mesh the batch is gathered first
  # (scan refuses a sharded scanned axis) and laid out like the input again after.
  replicated = batch_sharding.replicated(images, images.ndim)
  xs = images.astype(pool.images.dtype)
  if replicated is not None:
    xs = jax.sharding.reshard(xs, replicated)
  (stored, count), out = jax.lax.scan(one, (pool.images, pool.count), (xs, coins, indices))
  return ImagePool(images=stored, count=count), batch_sharding.shard_like(
      out.astype(images.dtype), images)


def query(pool: ImagePool, images, key):
  """`query_with_draws` with the draws taken from `key`."""
  coin_key, index_key = jax.random.split(key)
  batch = images.shape[0]
  coins = jax.random.uniform(coin_key, (batch,))
  indices = jax.random.randint(index_key, (batch,), 0, max(pool.size, 1))
  return query_with_draws(pool, images, coins, indices)
