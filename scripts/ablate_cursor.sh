#!/usr/bin/env bash
# The cursor-supervision ablation (PAPER.md §3.2 Exp 8, Table 9; docs/ACTIONS.md): synthetic
# clips where the logged mouse moves the paper's arrow cursor over a desktop, a frame-wise VAE
# trained on them, then `nc ablate` with one row per supervision variant (identical data, seed
# and steps; held-out rollouts that follow the logged positions; PSNR/SSIM and cursor accuracy):
#   plain      the mouse (x, y) as action input, no cursor loss
#   position   + the soft-argmax position loss                      (the paper's "Position (x,y)")
#   fourier    + the mouse as Fourier features                       ("Position + Fourier")
#   reference  position loss + the SVG reference stream and masked cursor loss ("+ SVG mask/ref")
#
#   scripts/ablate_cursor.sh [--steps N] [--out DIR]
#
# Defaults: 1500 DiT steps per row, runs/ablate-cursor. Needs a build.
set -euo pipefail
cd "$(dirname "$0")/.."

steps=1500
out=runs/ablate-cursor
while [[ $# -gt 0 ]]; do
  case "$1" in
    --steps) steps="${2:?--steps needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ablate_cursor.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
NC=${NC_BUILD_DIR:-build}/nc
[[ -x $NC ]] || { echo "ablate_cursor.sh: $NC is missing: build first (scripts/setup.sh)" >&2; exit 1; }

[[ -f $out/data/shards.json ]] ||
  "$NC" data synth-actions --task cursor --out "$out/data" --clips 256 --frames 9 --size 48 \
    --cursor-size 12 --step 6 --press-probability 0.8 --seed 1
[[ -d $out/vae/checkpoints ]] ||
  "$NC" train --config configs/cursor-vae.yaml --run-dir "$out/vae" --set data.train="$out/data"
# Unit-scale latents for the DiT: the VAE's per-channel statistics on 32 clips.
[[ -f $out/vae/reconstruct/latent_overrides.txt ]] ||
  "$NC" vae reconstruct --config configs/cursor.yaml --ckpt "$out/vae" --shards "$out/data" --clips 32 \
    --no-videos --out "$out/vae/reconstruct" | grep -E "overall|flat frame"
mapfile -t latent_sets < "$out/vae/reconstruct/latent_overrides.txt"
"$NC" ablate --config configs/cursor.yaml --out "$out/ablation" --metrics psnr,ssim,cursor \
  --set data.train="$out/data" --set model.vae.weights="$out/vae" --set train.steps="$steps" \
  --set "${latent_sets[0]}" --set "${latent_sets[1]}" \
  --variant "plain:model.action.cursor.position_weight=0" \
  --variant "position:model.action.cursor.position_weight=1" \
  --variant "fourier:model.action.mouse=fourier;model.action.cursor.position_weight=1" \
  --variant "reference:model.action.cursor.reference=true;model.action.cursor.loss_weight=1;model.dit.in_dim=26"
echo "table: $out/ablation/ablation.md"
