#!/usr/bin/env bash
# The action-injection ablation on the moving square (docs/ACTIONS.md): synthetic clips whose
# next frame depends only on the arrow key pressed, a frame-wise VAE trained on them, then
# `nc ablate` (one DiT per mode, identical data, seed and steps; held-out rollouts that follow
# the logged actions; PSNR/SSIM) and its table.
#
#   scripts/ablate_square.sh [--steps N] [--modes LIST] [--out DIR]
#
# Defaults: 1500 DiT steps per mode, all five modes, runs/ablate-square. Needs a build.
set -euo pipefail
cd "$(dirname "$0")/.."

steps=1500
modes=none,external,contextual,residual,internal
out=runs/ablate-square
while [[ $# -gt 0 ]]; do
  case "$1" in
    --steps) steps="${2:?--steps needs a value}"; shift 2 ;;
    --modes) modes="${2:?--modes needs a list}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ablate_square.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
NC=${NC_BUILD_DIR:-build}/nc
[[ -x $NC ]] || { echo "ablate_square.sh: $NC is missing: build first (scripts/setup.sh)" >&2; exit 1; }

[[ -f $out/data/shards.json ]] ||
  "$NC" data synth-actions --out "$out/data" --clips 256 --frames 9 --size 32 --seed 1
[[ -d $out/vae/checkpoints ]] ||
  "$NC" train --config configs/square-vae.yaml --run-dir "$out/vae" --set data.train="$out/data"
"$NC" ablate --config configs/square.yaml --modes "$modes" --out "$out/ablation" \
  --set data.train="$out/data" --set model.vae.weights="$out/vae" --set train.steps="$steps"
echo "table: $out/ablation/ablation.md"
