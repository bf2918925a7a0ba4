#!/usr/bin/env bash
# Downloads into DIR (default .whl/ at the repository root) the wheels that benchmarks/gpu.sh
# needs on a GPU machine that has JAX with CUDA, flax, optax, orbax, PyTorch, absl and tqdm
# but no network: jaxgan's other runtime imports (tensorflow-datasets, ml_collections,
# array_record, tensorboardX, grain) and those of their own requirements that such an image
# lacks. For CPython 3.12 on manylinux x86_64 (the H200 image's python3); versions are the
# ones this project is tested with. Run it where pip reaches PyPI:
#
#   bash benchmarks/gpu_wheels.sh            # -> .whl/ (add /.whl/ to .git/info/exclude)
#
# Each wheel is fetched with the device README's command:
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
#     --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#     --platform manylinux1_x86_64 -d .whl NAME==VERSION
# promise 2.3 has no wheel on PyPI (only an sdist); it is pure Python, so it is built here
# with `pip wheel --no-deps promise==2.3 -w .whl`, which gives a py3-none-any wheel.
set -euo pipefail
dir=${1:-"$(cd "$(dirname "$0")/.." && pwd)/.whl"}
mkdir -p "$dir"
wheels=(
  tensorflow-datasets==4.9.10 ml_collections==1.1.0 array_record==0.8.6 tensorboardX==2.6.5
  grain==0.2.18
  # Requirements of those that the H200 image (KINDS.md's package list) does not hold.
  dm-tree==0.1.10 immutabledict==4.3.1 simple-parsing==0.1.9 tensorflow-metadata==1.21.0
  termcolor==3.3.0 toml==0.10.2 googleapis-common-protos==1.76.0 docstring-parser==0.18.0
  portpicker==1.6.0
)
python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform manylinux1_x86_64 -d "$dir" "${wheels[@]}"
python3 -m pip wheel --no-deps promise==2.3 -w "$dir"
du -sh "$dir"
