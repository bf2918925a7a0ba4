from jaxgan import bench


def test_benchmark_reports_compile_time_rate_and_flops(tiny_config):
  result = bench.benchmark(tiny_config, warmup_steps=1, steps_per_repeat=2, repeats=3)
  assert result["batch_size"] == 8 and result["architecture"] == "dcgan_mnist"
  assert len(result["steps_per_sec_repeats"]) == 3
  assert result["steps_per_sec"] > 0 and result["compile_seconds"] > 0
  assert result["images_per_sec"] == round(result["steps_per_sec"] * 8, 1)
  # A DCGAN-MNIST step at batch 8 is on the order of 10^8 FLOPs; XLA's count must be there.
  assert result["flops_per_step"] > 1e7
  assert result["gflops_per_sec"] > 0
