"""The device mesh and shardings: the batch split over a `data` axis, the state replicated."""

import jax
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P


def make_mesh() -> jax.sharding.Mesh:
  return jax.make_mesh((jax.device_count(),), ("data",))


def batch_sharding(mesh) -> NamedSharding:
  return NamedSharding(mesh, P("data"))


def replicated(mesh) -> NamedSharding:
  return NamedSharding(mesh, P())


def put_batch(local_batch: dict, sharding: NamedSharding) -> dict:
  """Assembles each process's slice of every array of the batch (a nested dict, e.g.
  {stream: {feature: array}}) into one globally sharded array."""
  return jax.tree.map(lambda value: jax.make_array_from_process_local_data(sharding, value),
                      local_batch)
