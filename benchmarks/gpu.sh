#!/usr/bin/env bash
# jaxgan on one GPU, in under 8 minutes on one H200: writes JSON results into OUT_DIR.
#
#   bash benchmarks/gpu.sh OUT_DIR                      # on the GPU machine, repository root
#   GPU_SH_SMOKE=1 bash benchmarks/gpu.sh /tmp/gpu_out  # every part for 1-2 steps, on a CPU
#
# What it measures (benchmarks/gpu_bench.py has the details of each part):
#   jax.jsonl        jaxgan's training step of dcgan_mnist, dcgan_cifar10, sngan_cifar10, in
#                    float32 and model.dtype=bfloat16: steps/s, XLA's FLOPs, TFLOP/s, MFU
#   torch.jsonl      the same DCGAN steps in PyTorch (benchmarks/torch_dcgan.py), eager and
#                    torch.compile, float32 (TF32 allowed, as XLA does) and bf16 autocast
#   sweep.jsonl      K=8 seeds in one vmapped program vs 8 sequential runs
#   inception.jsonl  FID-Inception feature throughput (random weights of the right shapes)
#   env.jsonl        device, versions, the peak rates used for MFU
#   summary.json     the ratios, and a table printed at the end (also in gpu_sh.log)
# MFU is XLA's FLOP count of the compiled step times steps/s over the chip's dense peak: on an
# H200 SXM 989.4 TFLOP/s bf16 and 494.7 TF32 (NVIDIA's H200 datasheet gives 1,979 and 989
# "with sparsity", twice the dense rates; the H100 whitepaper the unrounded dense ones), plain
# FP32 66.9. Other GPUs: GPU_SH_PEAKS="--peak_bf16 X
# --peak_tf32 Y --peak_fp32 Z" (FLOP/s).
#
# Python packages. The machine needs JAX with CUDA, flax, optax, orbax, PyTorch, absl, tqdm,
# scipy, pillow (the H200 image has them) and, for jaxgan's imports, tensorflow-datasets,
# ml_collections, array_record, tensorboardX, grain and some of their requirements, which
# that image lacks and cannot download. Bring them as wheels in .whl/ at the repository root
# (ignored by git: `echo /.whl/ >> .git/info/exclude`), made where pip reaches PyPI with
#   bash benchmarks/gpu_wheels.sh
# which runs, for each NAME==VERSION it lists (CPython 3.12, manylinux x86_64):
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
#     --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#     --platform manylinux1_x86_64 -d .whl NAME==VERSION
# (11 MB in all). When .whl/ holds wheels this script installs them into /tmp/site and puts
# that on PYTHONPATH; otherwise it assumes the packages are importable already.
#
# With the device tool: carry [".whl"], command `bash benchmarks/gpu.sh $OUT`, timeout_s 540.
# On any GPU box: make .whl/ as above if it has no network, then run the first line.
#
# Time limits per part (seconds; what a part finished before its limit is kept): see below.
# Environment: PYTHON (default python3), GPU_SH_SMOKE=1, GPU_SH_PEAKS.
set -uo pipefail
out=${1:?usage: bash benchmarks/gpu.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
log="$out/gpu_sh.log"
: >"$log"
start=$(date +%s)
say() { echo "[gpu.sh +$(( $(date +%s) - start ))s] $*" | tee -a "$log"; }

if compgen -G ".whl/*.whl" >/dev/null; then
  say "installing $(ls .whl/*.whl | wc -l) wheels from .whl/ into /tmp/site"
  "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl >>"$log" 2>&1 || { say "wheel install failed"; exit 1; }
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONUNBUFFERED=1
export XLA_PYTHON_CLIENT_PREALLOCATE=false  # jax and torch share the GPU between parts.
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-1}

flags=()
if [ "${GPU_SH_SMOKE:-0}" = 1 ]; then
  flags+=(--smoke)
  export JAX_PLATFORMS=cpu
  # Small: the smoke run is for trying the script, not for numbers.
  limits=(env=120 jax=1500 torch=900 sweep=1200 inception=900)
else
  # Sum 470 s, plus start-up and wheel install: under 8 minutes on one H200.
  limits=(env=15 jax=170 torch=150 sweep=90 inception=45)
fi
# shellcheck disable=SC2206
peaks=(${GPU_SH_PEAKS:-})
say "out=$out python=$($py -c 'import sys; print(sys.version.split()[0])') smoke=${GPU_SH_SMOKE:-0}"
for item in "${limits[@]}"; do
  part=${item%%=*} limit=${item#*=}
  say "part $part (limit ${limit}s)"
  timeout --signal=TERM --kill-after=10 "$limit" \
    "$py" benchmarks/gpu_bench.py --part "$part" --out "$out" "${flags[@]}" "${peaks[@]}" \
    >>"$log" 2>&1
  rc=$?
  [ $rc = 0 ] || say "part $part exited $rc$([ $rc = 124 ] && echo ' (time limit)')"
done
"$py" benchmarks/gpu_bench.py --part summary --out "$out" 2>&1 | tee -a "$log"
say "done"
