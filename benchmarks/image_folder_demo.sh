#!/usr/bin/env bash
# Your own images, end to end, from the command line: makes a folder of PNGs in class
# subfolders (NUM images, default 3000), prepares it with the image-folder command, trains a
# short run on it and scores it with the random-cnn feature network.
#   bash benchmarks/image_folder_demo.sh [WORK_DIR] [NUM]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/jaxgan_image_folder_demo}
num=${2:-3000}
rm -rf "$work"; mkdir -p "$work"
export JAXGAN_DATA_DIR="$work/data"
python - "$work/pngs" "$num" <<'PY'
import os, sys
import numpy as np
from PIL import Image
root, num = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
for i in range(num):
  shape = ("discs", "squares")[i % 2]
  canvas = np.zeros((40, 40, 3), np.uint8)
  cy, cx, r = rng.integers(12, 28, 2).tolist() + [int(rng.integers(5, 11))]
  yy, xx = np.mgrid[:40, :40]
  inside = ((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r) if shape == "discs" else (
      (abs(yy - cy) <= r) & (abs(xx - cx) <= r))
  canvas[inside] = rng.integers(80, 256, 3)
  os.makedirs(os.path.join(root, shape), exist_ok=True)
  Image.fromarray(canvas).save(os.path.join(root, shape, f"{i:05d}.png"))
print(f"wrote {num} PNGs under {root}")
PY
time python -m jaxgan.data.image_folder "$work/pngs" --name=shapes --size=32 --channels=3
flags=(--config=experiments/mlp_gan_mnist.py --workdir="$work/run" --config.data.name=shapes
       "--config.data.image_shape=(32,32,3)" --config.num_steps=300 --config.log_every=100
       --config.checkpoint_every=300 --config.sample_every=300
       --config.eval.feature_network=random-cnn --config.eval.num_samples=2000
       --config.eval.kid_subset_size=500 "--config.eval.metrics=('fid','kid','pr')")
time python -m jaxgan.main "${flags[@]}"
time python -m jaxgan.main "${flags[@]}" --mode=eval
python -m jaxgan.tools.score_split "${flags[0]}" --config.data.name=shapes \
    "--config.data.image_shape=(32,32,3)" --config.eval.feature_network=random-cnn \
    --config.eval.num_samples=2000 --config.eval.kid_subset_size=200 --split=test \
    "--config.eval.metrics=('fid','kid','pr')"
