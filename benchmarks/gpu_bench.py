"""The parts of benchmarks/gpu.sh, one per call: each appends JSON lines to OUT/PART.jsonl.

    python benchmarks/gpu_bench.py --part jax --out /tmp/gpu [--smoke]

Parts (see gpu.sh for the whole run):
  env        the device, the libraries, the peak rates MFU is taken against
  jax        jaxgan's training step (bench.CompiledStep, as --mode=bench) of dcgan_mnist,
             dcgan_cifar10 and sngan_cifar10, float32 and model.dtype=bfloat16: steps/s,
             images/s, XLA's FLOP count of the compiled step, TFLOP/s and MFU
  torch      the same DCGAN steps in PyTorch (benchmarks/torch_dcgan.py), eager and
             torch.compile, float32 and bf16 autocast (sngan_cifar10 has no PyTorch twin)
  sweep      K=8 members in one vmapped program vs 8 runs one after another
             (benchmarks/sweep_throughput.py), dcgan_mnist and dcgan_cifar10
  inception  FID-Inception features (jaxgan/metrics/inception.py through the evaluator's
             Extractor) on CIFAR-sized images resized to 299: images/s. Random weights of the
             right shapes: the same work per image, not meaningful features
  summary    reads the other parts' lines; writes summary.json and prints a table

Each result is written as soon as it is measured, so a part stopped by its time limit keeps
what it finished. `--smoke` shrinks everything (batch 8, 1-2 steps, K=2) so the whole script
can be tried on a CPU (fewer items: SMOKE below); its numbers mean nothing.

Timing: `--warmup` untimed steps after compilation, then the median of `--repeats` timings
of `--steps` steps, each ending with a device sync; the same for both frameworks.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.dirname(_HERE)]  # torch_dcgan, sweep_throughput, experiments/.

# Dense peak rates of one H200 SXM, in FLOP/s. They are the H100 SXM's (same GH100 chip and
# clocks): NVIDIA's H200 datasheet lists FP32 67 TFLOP/s, TF32 Tensor Core 989 and BF16
# Tensor Core 1,979 TFLOP/s, the last two "with sparsity", i.e. twice the dense rate; the
# H100 architecture whitepaper's table gives the unrounded 66.9, 494.7 and 989.4 dense.
# XLA runs float32 convolutions and dots on TF32 tensor cores by default on this GPU
# (precision DEFAULT), so float32 MFU is against TF32; the plain-FP32 fraction is given
# beside it. Other GPUs: --peak_bf16 / --peak_tf32 / --peak_fp32.
H200_PEAKS = {"bf16_dense": 989.4e12, "tf32_dense": 494.7e12, "fp32": 66.9e12}

JAX_CONFIGS = ("dcgan_mnist", "dcgan_cifar10", "sngan_cifar10")
TORCH_CONFIGS = ("dcgan_mnist", "dcgan_cifar10")
SWEEP_CONFIGS = ("dcgan_mnist", "dcgan_cifar10")  # Two compilations each: the time limit.
# --smoke: fewer items (a CIFAR step compiles for minutes on a busy 2-core CPU), every part
# and every code path (both dtypes, eager and compiled torch, the ResNet) still run.
SMOKE = {"jax": (("dcgan_mnist", ("float32", "bfloat16")), ("sngan_cifar10", ("float32",))),
         "torch": ("dcgan_mnist",), "sweep": ("dcgan_mnist", "mlp_gan_mnist")}


def _write(out: str, part: str, record: dict) -> None:
  record = {"part": part, **record}
  with open(os.path.join(out, f"{part}.jsonl"), "a") as f:
    f.write(json.dumps(record) + "\n")
  print(json.dumps(record), flush=True)


def _guarded(out: str, part: str, what: dict, fn) -> None:
  """Runs fn() -> dict and writes it; an exception is written as this item's error."""
  start = time.perf_counter()
  try:
    record = {**what, **fn()}
  except Exception as error:  # One failing item must not lose the others.
    record = {**what, "error": f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
              if str(error) else type(error).__name__}
    traceback.print_exc()
  record["item_seconds"] = round(time.perf_counter() - start, 1)
  _write(out, part, record)


def _rate(run, steps: int, repeats: int) -> tuple[float, list[float]]:
  rates = []
  for _ in range(repeats):
    start = time.perf_counter()
    run(steps)  # Must block until its steps are done.
    rates.append(steps / (time.perf_counter() - start))
  return statistics.median(rates), rates


def _peak(dtype: str, args) -> float:
  return args.peak_bf16 if dtype == "bfloat16" else args.peak_tf32


# -- parts ---------------------------------------------------------------------------------
def part_env(args) -> None:
  import jax  # pylint: disable=import-outside-toplevel
  from jaxgan import bench  # pylint: disable=import-outside-toplevel
  record = {"python": platform.python_version(), "jax": jax.__version__,
            "backend": jax.default_backend(), "devices": [d.device_kind for d in jax.devices()],
            **bench.cpu_description(), "peaks_flops": {"bf16": args.peak_bf16,
                                                       "tf32": args.peak_tf32,
                                                       "fp32": args.peak_fp32},
            "smoke": args.smoke}
  try:
    import torch  # pylint: disable=import-outside-toplevel
    record.update(torch=torch.__version__, torch_cuda=torch.version.cuda,
                  torch_gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
  except ImportError as error:
    record["torch"] = f"not importable: {error}"
  try:
    smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.max.sm",
                          "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
    record["nvidia_smi"] = smi.stdout.strip()
  except (OSError, subprocess.SubprocessError):
    record["nvidia_smi"] = ""
  _write(args.out, "env", record)


def _jax_config(name: str, dtype: str, args):
  import importlib  # pylint: disable=import-outside-toplevel
  config = importlib.import_module(f"experiments.{name}").get_config()
  config.model.dtype = dtype
  if args.smoke:
    config.batch_size = 8
    if config.model.architecture == "resnet32":  # As tests/test_zoo.py's tiny(): compiles
      config.optim.n_dis = 1                     # in a fraction of the full step's time.
      config.model.g_channels = config.model.d_channels = 16
  return config


def part_jax(args) -> None:
  import jax  # pylint: disable=import-outside-toplevel
  from jaxgan import bench  # pylint: disable=import-outside-toplevel
  items = [(name, ("float32", "bfloat16")) for name in args.configs or JAX_CONFIGS]
  if args.smoke and not args.configs:
    items = SMOKE["jax"]
  for name, dtypes in items:
    for dtype in dtypes:
      def measure(name=name, dtype=dtype):
        config = _jax_config(name, dtype, args)
        step = bench.CompiledStep(config)
        step.run(args.warmup)
        rate, rates = _rate(step.run, args.steps, args.repeats)
        flops = step.flops
        achieved = flops * rate if flops else None
        return {
            "batch_size": config.batch_size, "n_dis": config.optim.n_dis,
            "device_kind": jax.devices()[0].device_kind,
            "compile_seconds": round(step.compile_seconds, 2),
            "steps_per_sec": round(rate, 2), "steps_per_sec_repeats": [round(r, 2) for r in rates],
            "images_per_sec": round(rate * bench.examples_per_step(step.experiment), 1),
            "flops_per_step": flops,
            "tflops_per_sec": round(achieved / 1e12, 3) if achieved else None,
            "mfu": round(achieved / _peak(dtype, args), 5) if achieved else None,
            "mfu_against": "bf16 dense" if dtype == "bfloat16" else "tf32 dense",
            "fraction_of_fp32_peak": (round(achieved / args.peak_fp32, 5)
                                      if achieved and dtype == "float32" else None),
        }
      _guarded(args.out, "jax", {"config": name, "dtype": dtype}, measure)


def part_torch(args) -> None:
  import torch  # pylint: disable=import-outside-toplevel
  import torch_dcgan  # pylint: disable=import-outside-toplevel
  device = "cuda" if torch.cuda.is_available() else "cpu"
  # As XLA does by default for float32 on this GPU: TF32 tensor cores for convs and matmuls
  # (PyTorch's own default allows TF32 for cuDNN convolutions but not for matmuls).
  torch.backends.cuda.matmul.allow_tf32 = True
  torch.backends.cudnn.allow_tf32 = True
  torch.backends.cudnn.benchmark = True

  def sync():
    if device == "cuda":
      torch.cuda.synchronize()

  batch = 8 if args.smoke else 64
  for name in args.configs or (SMOKE["torch"] if args.smoke else TORCH_CONFIGS):
    for mode in ("eager", "compile"):
      for dtype in ("float32", "bfloat16"):
        def measure(name=name, mode=mode, dtype=dtype):
          torch._dynamo.reset()  # pylint: disable=protected-access
          step = torch_dcgan.make_torch_step(
              name, batch, device=device,
              autocast_dtype=torch.bfloat16 if dtype == "bfloat16" else None,
              compile_models=mode == "compile")

          def run(n):
            for _ in range(n):
              step()
            sync()

          start = time.perf_counter()
          run(1)  # Compiles under torch.compile; cuDNN picks its algorithms.
          first = time.perf_counter() - start
          run(args.warmup)
          rate, rates = _rate(run, args.steps, args.repeats)
          return {"batch_size": batch, "device": device, "torch": torch.__version__,
                  "first_step_seconds": round(first, 2), "steps_per_sec": round(rate, 2),
                  "steps_per_sec_repeats": [round(r, 2) for r in rates],
                  "images_per_sec": round(rate * batch, 1), "tf32": True}
        _guarded(args.out, "torch", {"config": name, "mode": mode, "dtype": dtype}, measure)


def part_sweep(args) -> None:
  import importlib  # pylint: disable=import-outside-toplevel
  import sweep_throughput  # pylint: disable=import-outside-toplevel
  members = 2 if args.smoke else args.members
  for name in args.configs or (SMOKE["sweep"] if args.smoke else SWEEP_CONFIGS):
    if name not in sweep_throughput.EXPERIMENTS:
      sweep_throughput.EXPERIMENTS[name] = importlib.import_module(f"experiments.{name}")

    def measure(name=name):
      batch = 8 if args.smoke else None
      return sweep_throughput.compare(name, members, args.steps, args.repeats, args.warmup,
                                      batch_size=batch)
    _guarded(args.out, "sweep", {"config": name, "members": members}, measure)


def part_inception(args) -> None:
  import jax  # pylint: disable=import-outside-toplevel
  from jaxgan import bench  # pylint: disable=import-outside-toplevel
  from jaxgan import parallel  # pylint: disable=import-outside-toplevel
  from jaxgan.metrics import evaluator  # pylint: disable=import-outside-toplevel
  from jaxgan.metrics import features  # pylint: disable=import-outside-toplevel
  batch = 2 if args.smoke else args.inception_batch

  def measure():
    network = features.random_inception_network()
    mesh = parallel.make_mesh()
    extractor = evaluator.Extractor(network, mesh)
    images = jax.random.uniform(jax.random.PRNGKey(0), (batch, 32, 32, 3), minval=-1.0,
                                maxval=1.0)
    start = time.perf_counter()
    extractor(images)  # Compiles.
    first = time.perf_counter() - start
    rate, rates = _rate(lambda n: [extractor(images) for _ in range(n)], max(1, args.steps // 5),
                        args.repeats)
    # XLA's estimate from the lowered program: no second compilation.
    flops = bench._flops(jax.jit(network.apply).lower(network.variables, images))  # pylint: disable=protected-access
    return {"batch": batch, "input": [32, 32, 3], "resized_to": 299, "weights": "random",
            "device_kind": jax.devices()[0].device_kind,
            "first_batch_seconds": round(first, 2),
            "images_per_sec": round(rate * batch, 1),
            "images_per_sec_repeats": [round(r * batch, 1) for r in rates],
            "flops_per_image": flops / batch if flops else None,
            "tflops_per_sec": round(flops * rate / 1e12, 3) if flops else None,
            "fraction_of_fp32_peak": round(flops * rate / args.peak_fp32, 4) if flops else None,
            "precision": "HIGHEST (float32, no TF32), as the FID features are computed"}
  _guarded(args.out, "inception", {"network": "inception-v3 (FID)"}, measure)


def _read(out: str, part: str) -> list[dict]:
  path = os.path.join(out, f"{part}.jsonl")
  if not os.path.exists(path):
    return []
  with open(path) as f:
    return [json.loads(line) for line in f if line.strip()]


def part_summary(args) -> None:
  jax_rows = {(r["config"], r["dtype"]): r for r in _read(args.out, "jax") if "error" not in r}
  torch_rows = {(r["config"], r["mode"], r["dtype"]): r for r in _read(args.out, "torch")
                if "error" not in r}
  steps = []
  for (name, dtype), row in jax_rows.items():
    entry = {"config": name, "dtype": dtype, "jaxgan_steps_per_sec": row["steps_per_sec"],
             "jaxgan_mfu": row["mfu"], "jaxgan_tflops_per_sec": row["tflops_per_sec"]}
    for mode in ("eager", "compile"):
      twin = torch_rows.get((name, mode, dtype))
      if twin:
        entry[f"torch_{mode}_steps_per_sec"] = twin["steps_per_sec"]
        entry[f"ratio_vs_torch_{mode}"] = round(row["steps_per_sec"] / twin["steps_per_sec"], 3)
    steps.append(entry)
  sweeps = [{k: r.get(k) for k in ("config", "members", "ratio_sweep_over_sequential",
                                   "sweep_images_per_sec", "sequential_images_per_sec")}
            for r in _read(args.out, "sweep") if "error" not in r]
  errors = [r for part in ("env", "jax", "torch", "sweep", "inception")
            for r in _read(args.out, part) if "error" in r]
  summary = {"env": (_read(args.out, "env") or [{}])[0], "steps": steps, "sweeps": sweeps,
             "inception": [r for r in _read(args.out, "inception") if "error" not in r],
             "errors": errors}
  with open(os.path.join(args.out, "summary.json"), "w") as f:
    json.dump(summary, f, indent=2)
  print("| config | dtype | jaxgan steps/s | MFU | torch eager | torch.compile | "
        "ratio vs eager | ratio vs compile |")
  print("| --- | --- | --- | --- | --- | --- | --- | --- |")
  for e in steps:
    print(f"| {e['config']} | {e['dtype']} | {e['jaxgan_steps_per_sec']} | {e['jaxgan_mfu']} | "
          f"{e.get('torch_eager_steps_per_sec', '')} | {e.get('torch_compile_steps_per_sec', '')}"
          f" | {e.get('ratio_vs_torch_eager', '')} | {e.get('ratio_vs_torch_compile', '')} |")
  for s in sweeps:
    print(f"sweep {s['config']} K={s['members']}: {s['ratio_sweep_over_sequential']}x of "
          f"sequential")
  for r in summary["inception"]:
    print(f"inception features: {r['images_per_sec']} images/s (batch {r['batch']})")
  print(f"{len(errors)} item(s) failed" + (": " + "; ".join(
      f"{e['part']} {e.get('config', '')}: {e['error']}" for e in errors) if errors else ""))


PARTS = {"env": part_env, "jax": part_jax, "torch": part_torch, "sweep": part_sweep,
         "inception": part_inception, "summary": part_summary}


def main(argv=None):
  p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
  p.add_argument("--part", required=True, choices=sorted(PARTS))
  p.add_argument("--out", required=True)
  p.add_argument("--smoke", action="store_true", help="tiny sizes, to try the script on a CPU")
  p.add_argument("--configs", nargs="*", default=None, help="default: the part's own list")
  p.add_argument("--steps", type=int, default=50, help="steps per timing")
  p.add_argument("--repeats", type=int, default=5)
  p.add_argument("--warmup", type=int, default=10)
  p.add_argument("--members", type=int, default=8)
  p.add_argument("--inception_batch", type=int, default=200)
  p.add_argument("--peak_bf16", type=float, default=H200_PEAKS["bf16_dense"])
  p.add_argument("--peak_tf32", type=float, default=H200_PEAKS["tf32_dense"])
  p.add_argument("--peak_fp32", type=float, default=H200_PEAKS["fp32"])
  args = p.parse_args(argv)
  if args.smoke:
    args.steps, args.repeats, args.warmup = 1, 1, 1
  os.makedirs(args.out, exist_ok=True)
  if os.environ.get("JAX_PLATFORMS", "") == "cpu" and args.part != "summary":
    from jaxgan import xla_flags  # pylint: disable=import-outside-toplevel
    xla_flags.set_defaults()  # As python -m jaxgan.main does; CPU-only options.
  PARTS[args.part](args)


if __name__ == "__main__":
  main()
