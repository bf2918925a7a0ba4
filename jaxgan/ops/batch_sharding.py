"""Reshapes and contractions of batch-sharded arrays under an explicit mesh.

The train step shards the batch over the `data` axis of an explicit mesh (``jax.make_mesh``'s
default axis types). There, reshapes that merge or split a sharded batch dimension, and
contractions over it, need an ``out_sharding``; these helpers supply one and do nothing
when the array carries no mesh.
"""

import jax
from jax import lax
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P


def batch_sharding(x):
  """(mesh, batch axes, devices on them) of an explicitly sharded x; (None, None, 1) if not."""
  sh = jax.typeof(x).sharding
  mesh = getattr(sh, "mesh", None)
  if mesh is None or mesh.empty:
    return None, None, 1
  axes = sh.spec[0] if len(sh.spec) else None
  names = () if axes is None else (axes if isinstance(axes, tuple) else (axes,))
  devices = 1
  for a in names:
    devices *= mesh.shape[a]
  return mesh, axes, devices


def reshape(a, shape, ref):
  """a.reshape(shape) with ref's batch sharding on the leading dim of the result."""
  mesh, axes, _ = batch_sharding(ref)
  if mesh is None:
    return a.reshape(shape)
  spec = (axes,) + (None,) * (len(shape) - 1)
  return lax.reshape(a, shape, out_sharding=NamedSharding(mesh, P(*spec)))


def replicated(ref, ndim):
  """The replicated sharding of an ndim result on ref's mesh; None without a mesh."""
  mesh, _, _ = batch_sharding(ref)
  return None if mesh is None else NamedSharding(mesh, P(*(None,) * ndim))


def shard_like(tree, ref):
  """The arrays of `tree` (leading dim = ref's batch) laid out like ref's batch: noise drawn
  inside a step is replicated, which would make every device compute on the whole batch."""
  mesh, axes, _ = batch_sharding(ref)
  if mesh is None:
    return tree
  return jax.tree.map(
      lambda a: jax.sharding.reshard(a, NamedSharding(mesh, P(axes, *(None,) * (a.ndim - 1)))),
      tree)
