"""Times the real training step of an experiment: compile, then steps/s over repeats.

  python -m jaxgan.main --config=experiments/dcgan_mnist.py --workdir=/tmp/b --mode=bench

Prints one JSON line. The batch is random data of the experiment's shape, placed on the device
once, so the number is the step alone. `benchmark(config, data="real")` instead feeds each step
a fresh batch from the input pipeline (jaxgan/data/pipeline.py), as training does, so the two
together give the pipeline's cost (benchmarks/input_pipeline.py).
"""

import json
import os
import platform
import statistics
import time

import jax
import numpy as np

from jaxgan import builder
from jaxgan import configs
from jaxgan import parallel
from jaxgan.data import pipeline


def _random_feature(rng, n: int, feature) -> np.ndarray:
  """n random values of what the pipeline makes of `feature` (see data/spec.py)."""
  shape = (n, *feature.shape)
  if np.issubdtype(np.dtype(feature.dtype), np.integer) and feature.dtype != "uint8":
    # Labels and other integer features: small non-negative values, valid as class indices
    # for any kind with at least 2 classes.
    return rng.integers(0, 2, shape).astype(np.int32)
  return rng.uniform(-1, 1, shape).astype(np.float32)


def _random_batch(exp, seed: int = 0) -> dict[str, dict[str, np.ndarray]]:
  """A batch of the experiment's streams and features: {stream: {feature: array}}."""
  rng = np.random.default_rng(seed)
  return {name: {feature_name: _random_feature(rng, stream.examples_per_step, feature)
                 for feature_name, feature in stream.features.items()}
          for name, stream in exp.streams().items()}


def examples_per_step(exp) -> int:
  """Examples of all streams one step consumes."""
  return sum(stream.examples_per_step for stream in exp.streams().values())


def _flops(compiled) -> float | None:
  analysis = compiled.cost_analysis()
  if isinstance(analysis, (list, tuple)):  # Older jax returned one dict per device program.
    analysis = analysis[0] if analysis else None
  return float(analysis["flops"]) if analysis and "flops" in analysis else None


class CompiledStep:
  """An experiment's jitted training step, compiled once; `run(n)` takes n steps and waits
  for them. data="synthetic": one random batch on the device; "real": each step's batch from
  the input pipeline, put on the device as training does; "streamed": the same, read from
  the dataset's files even when it is small enough to be held in memory. Shared by --mode=bench,
  benchmarks/compare_torch.py and benchmarks/input_pipeline.py."""

  def __init__(self, config, data: str = "synthetic"):
    configs.validate(config, jax.device_count(), jax.process_count())
    self.config = config
    self.experiment = builder.build(config)
    mesh = parallel.make_mesh()
    self._state = self.experiment.init_state(mesh)
    self._sharding = parallel.batch_sharding(mesh)
    self._iterators = None
    if data in ("real", "streamed"):   # streamed: read from the files even if small.
      self._iterators = {
          name: pipeline.make_iterator(stream, config.seed,
                                       cache=None if data == "real" else False)
          for name, stream in self.experiment.streams().items()}
    self._batch = parallel.put_batch(self._next_batch(), self._sharding)
    start = time.perf_counter()
    self._compiled = self.experiment.jit_step(mesh).lower(self._state, self._batch).compile()
    self.compile_seconds = time.perf_counter() - start
    self.flops = _flops(self._compiled)

  def _next_batch(self) -> dict:
    if self._iterators is None:
      return _random_batch(self.experiment)
    return {name: next(iterator) for name, iterator in self._iterators.items()}

  def run(self, num_steps: int) -> None:
    state, metrics = self._state, None
    for _ in range(num_steps):
      batch = (self._batch if self._iterators is None
               else parallel.put_batch(self._next_batch(), self._sharding))
      state, metrics = self._compiled(state, batch)
    jax.block_until_ready((state, metrics))
    self._state = state


def cpu_description() -> dict:
  """The host CPU, for labelling speed figures: its model name and widest vector extension.

  Speed ratios against PyTorch depend on it: measured with the same code, PyTorch gained more
  than jaxgan on an AVX-512 machine than on an AVX2 one (docs/performance.md).
  """
  model, flags = platform.processor() or platform.machine(), set()
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        key, _, value = line.partition(":")
        if key.strip() == "model name":
          model = value.strip()
        elif key.strip() == "flags":
          flags = set(value.split())
          break
  except OSError:  # Not Linux: keep what platform knows.
    pass
  isa = next((name for name in ("avx512f", "avx2", "avx", "neon", "asimd") if name in flags), "")
  return {"machine": platform.machine(), "cpu_model": model, "vector_isa": isa,
          "cpus": os.cpu_count()}


def steps_per_second(run, steps: int) -> float:
  """The rate of `run(steps)`, which must block until its steps are done."""
  start = time.perf_counter()
  run(steps)
  return steps / (time.perf_counter() - start)


def benchmark(config, name: str = "", warmup_steps: int = 5, steps_per_repeat: int = 20,
              repeats: int = 5, data: str = "synthetic") -> dict:
  """Returns compile seconds, median steps/s and images/s, FLOPs per step and GFLOP/s."""
  step = CompiledStep(config, data)
  step.run(warmup_steps)
  rates = [steps_per_second(step.run, steps_per_repeat) for _ in range(repeats)]
  steps_per_sec = statistics.median(rates)
  flops = step.flops
  return {
      "experiment": name, "kind": config.kind, "data": data,
      "architecture": config.model.get("architecture", "") if "model" in config else "",
      "conv_impl": config.model.get("conv_impl", "") if "model" in config else "",
      "batch_size": config.batch_size, "devices": jax.device_count(),
      "backend": jax.default_backend(), "device_kind": jax.devices()[0].device_kind,
      **cpu_description(), "compile_seconds": round(step.compile_seconds, 3),
      "steps_per_sec": round(steps_per_sec, 3),
      "images_per_sec": round(steps_per_sec * examples_per_step(step.experiment), 1),
      "steps_per_sec_repeats": [round(r, 3) for r in rates],
      "flops_per_step": flops,
      "gflops_per_sec": round(flops * steps_per_sec / 1e9, 2) if flops else None,
  }


def print_benchmark(config, name: str = "") -> dict:
  result = benchmark(config, name)
  print(json.dumps(result))
  return result
