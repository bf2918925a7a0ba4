"""--mode=bench's measurements, and the XLA options the entry points set."""

import os

from jaxgan import bench


def test_benchmark_reports_compile_time_rate_and_flops(tiny_config):
  result = bench.benchmark(tiny_config, warmup_steps=1, steps_per_repeat=2, repeats=3)
  assert result["batch_size"] == 8 and result["architecture"] == "dcgan_mnist"
  assert len(result["steps_per_sec_repeats"]) == 3
  assert result["steps_per_sec"] > 0 and result["compile_seconds"] > 0
  # Both are rounded for printing (3 and 1 decimals), so compare to that precision.
  assert abs(result["images_per_sec"] - result["steps_per_sec"] * 8) <= 0.05 + 8 * 5e-4
  # A DCGAN-MNIST step at batch 8 is on the order of 10^8 FLOPs; XLA's count must be there.
  assert result["flops_per_step"] > 1e7
  assert result["gflops_per_sec"] > 0


def test_xla_cpu_defaults_are_added_once_and_yield_to_the_users_flags(monkeypatch):
  from jaxgan import xla_flags
  monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=8")
  xla_flags.set_defaults()
  xla_flags.set_defaults()
  flags = os.environ["XLA_FLAGS"].split()
  assert flags == ["--xla_force_host_platform_device_count=8", *xla_flags.CPU_DEFAULTS]
  monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_experimental_ynn_fusion_type=all")
  xla_flags.set_defaults()
  assert os.environ["XLA_FLAGS"] == "--xla_cpu_experimental_ynn_fusion_type=all"


def test_cpu_description_reads_model_and_widest_vector_extension(monkeypatch, tmp_path):
  cpuinfo = tmp_path / "cpuinfo"
  cpuinfo.write_text("processor\t: 0\nmodel name\t: Test CPU 9000\n"
                     "flags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw\n")
  real_open = open
  monkeypatch.setattr("builtins.open", lambda path, *a, **k: real_open(
      cpuinfo if path == "/proc/cpuinfo" else path, *a, **k))
  described = bench.cpu_description()
  assert described["cpu_model"] == "Test CPU 9000"
  assert described["vector_isa"] == "avx512f"
  assert described["cpus"] == os.cpu_count()
