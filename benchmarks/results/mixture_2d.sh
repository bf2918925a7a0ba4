#!/usr/bin/env bash
# ring-8 and grid-25 result rows: the recipe of experiments/mixture_2d_long.py (PacGAN's
# networks, Adam 1e-3 decayed linearly to 0, R1 3, 16,000 steps) without and with a remedy,
# 3 seeds each (a vmapped sweep). Each line makes one README row, benchmarks/results/
# DATA_long_REMEDY.json and docs/results/DATA_long_REMEDY.png.
# Usage: benchmarks/results/mixture_2d.sh [ring8|grid25] [plain|pack2|pack4|mbstd|unroll5]...
set -euo pipefail
cd "$(dirname "$0")/../.."
data="${1:-grid25}"; shift || true
for remedy in "${@:-plain pack4}"; do
  for r in $remedy; do
    case "$r" in
      plain)   extra=() ;;
      pack2)   extra=(--config.model.pack=2) ;;
      pack4)   extra=(--config.model.pack=4) ;;
      mbstd)   extra=(--config.model.minibatch_std=4) ;;
      unroll5) extra=(--config.optim.unroll_steps=5) ;;
      *) echo "unknown remedy $r" >&2; exit 2 ;;
    esac
    python benchmarks/results/row.py --name="${data}_long_${r}" \
        --config=experiments/mixture_2d_long.py --seeds=3 -- --config.data.name="$data" \
        "${extra[@]}"
  done
done
