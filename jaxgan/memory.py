"""Whether the training step fits in memory, checked before it runs: the compiled step's own
memory analysis against what the device has, refused in one line naming a batch size that fits.

The step is compiled here for the real state and batch; jit reuses that compilation for the
first step, so the check costs no second compile.
"""

import os

import jax

from jaxgan.checkpoint_files import human_bytes
from jaxgan.errors import UserError

HEADROOM = 0.9   # Share of the free memory a step may plan to use (allocator, fragmentation).


def available_bytes(device) -> int | None:
  """Free memory for one device: the accelerator's limit less what is in use, or on CPU the
  host's available RAM (shared by its devices). None if unknown."""
  stats = device.memory_stats() if hasattr(device, "memory_stats") else None
  if stats and stats.get("bytes_limit"):
    return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
  if device.platform != "cpu":
    return None
  try:
    with open("/proc/meminfo") as f:
      info = dict(line.split(":", 1) for line in f)
    available = int(info["MemAvailable"].split()[0]) * 1024
  except (OSError, KeyError, ValueError):
    try:
      available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
      return None
  return available // max(1, jax.local_device_count())


def _bytes(tree) -> int:
  return sum(getattr(x, "nbytes", 0) for x in jax.tree.leaves(tree))


def round_down(batch_size: int, multiple: int) -> int:
  """A round batch size not above `batch_size`: two significant digits, then down to a
  multiple of `multiple` (the devices the batch is sharded over); 0 if none fits."""
  if batch_size < 1:
    return 0
  unit = 10 ** max(0, len(str(batch_size)) - 2)
  rounded = batch_size // unit * unit
  return rounded - rounded % multiple


def check_step_fits(step_fn, state, batch, batch_size: int, field: str = "batch_size") -> None:
  """Compiles `step_fn(state, batch)` and raises the one-line UserError if its planned memory
  per device exceeds what the device has free. Single-process runs only: in a multi-process
  job a refusal on one host alone would leave the others waiting in a collective."""
  if jax.process_count() > 1:
    return
  try:
    analysis = step_fn.lower(state, batch).compile().memory_analysis()
  except Exception:   # No analysis on this backend, or lowering needs the real call: skip.
    return
  device = jax.local_devices()[0]
  free = available_bytes(device)
  if analysis is None or free is None:
    return
  needed = (analysis.argument_size_in_bytes + analysis.output_size_in_bytes
            - analysis.alias_size_in_bytes + analysis.temp_size_in_bytes)
  budget = int(free * HEADROOM)
  if needed <= budget:
    return
  devices = jax.device_count()
  per_device_batch = _bytes(batch) // max(1, devices)   # The batch is sharded over all.
  scaling = analysis.temp_size_in_bytes + per_device_batch   # Grows with the batch.
  fixed = max(0, needed - scaling)
  fits = round_down(int(batch_size * (budget - fixed) / scaling) if scaling else 0, devices)
  advice = (f"--config.{field}={fits} fits (estimated from the compiled step)" if fits > 0 else
            f"even the state and one batch per device do not fit ({human_bytes(fixed)} without "
            f"the batch): use a smaller model or a device with more memory")
  raise UserError(f"config.{field}={batch_size}: the training step needs about "
                  f"{human_bytes(needed)} per device on {device.platform} but "
                  f"{human_bytes(free)} is free; {advice}")
