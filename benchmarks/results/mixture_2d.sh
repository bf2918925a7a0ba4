#!/usr/bin/env bash
# ring-8 and grid-25 result rows: the plain GAN and each remedy, 3 seeds each (a vmapped
# sweep), PacGAN's networks (experiments/mixture_2d.py). Each line makes one README row.
# Usage: benchmarks/results/mixture_2d.sh [ring8|grid25] [plain|pack4|mbstd|unroll5]...
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
    python benchmarks/results/row.py --name="${data}_${r}" --config=experiments/mixture_2d.py \
        --seeds=3 -- --config.data.name="$data" "${extra[@]}"
  done
done
