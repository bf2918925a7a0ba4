"""The device mesh and shardings: the batch split over a `data` axis, the state replicated."""

import jax
import numpy as np
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P


def make_mesh() -> jax.sharding.Mesh:
  return jax.make_mesh((jax.device_count(),), ("data",))


def batch_sharding(mesh) -> NamedSharding:
  return NamedSharding(mesh, P("data"))


def replicated(mesh) -> NamedSharding:
  return NamedSharding(mesh, P())


def put_batch(local_batch: dict[str, np.ndarray], sharding: NamedSharding) -> dict:
  """Assembles each process's slice of the batch into one globally sharded array."""
  return {name: jax.make_array_from_process_local_data(sharding, value)
          for name, value in local_batch.items()}
