#!/usr/bin/env bash
# Drift of frame-by-frame rollouts (docs/BENCHMARKS.md "Drift"): two causal DiTs trained like
# the demo's DiT (same clips, VAE and budget), rolled out frame by frame from the held-out tapes
# for 1x, 4x and 16x the training clip's 5 frames and scored against the tapes' own frames
# (PSNR, SSIM, OCR character accuracy):
#   plain         one noise level per clip (model.flow.frame_noise shared), clean context
#   anti-drift    a noise level per latent frame (diffusion forcing), context re-noised to 0.1
#   self-rollout  anti-drift, and half the steps learn a frame after context the DiT generated
#                 itself (train.dit.self_rollout 0.5)
# the last two also rolled out with the given frame kept in the cache (rollout.sink 1, rows
# "+sink"), plus the copy-first baseline (the given frame repeated). The long references are the same
# tapes with 81 frames 0.2 s apart: past a tape's end its screen stays as it was (the last
# frame repeated), so most of a long rollout asks the model to hold a still screen.
#
#   scripts/drift.sh --demo DIR [--minutes M] [--out DIR]
#
# --demo is a finished scripts/demo.sh folder (its tape clips, VAE and latent statistics).
# --minutes per DiT (default 5.2, the demo's). Default --out: DIR/drift. Finished trainings and
# rollouts in --out are reused (delete them to redo). Needs a build.
set -euo pipefail
cd "$(dirname "$0")/.."

demo=""
minutes=5.2
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --demo) demo="${2:?--demo needs a folder}"; shift 2 ;;
    --minutes) minutes="${2:?--minutes needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "drift.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n $demo && -d $demo/vae && -f $demo/vae/reconstruct/latent_overrides.txt ]] ||
  { echo "drift.sh: --demo must name a finished scripts/demo.sh folder" >&2; exit 2; }
out=${out:-$demo/drift}
NC=${NC_BUILD_DIR:-build}/nc
[[ -x $NC ]] || { echo "drift.sh: $NC is missing: build first (scripts/setup.sh)" >&2; exit 1; }
start=$(date +%s)
stage() { printf '\n== drift [%s, %d s] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - start ))" "$*"; }
mapfile -t latent_sets < "$demo/vae/reconstruct/latent_overrides.txt"

long="$out/long-tapes"
if [[ ! -f $long/shards.json ]]; then
  stage "references: the demo tapes with 81 frames 0.2 s apart -> $long"
  "$NC" data tapes run data/tapes/demo --out "$long" -j 8 \
    --set tapes.scale=1 --set clips.frames=81 --set clips.stride=3
fi

train() {  # name, extra --set flags...
  local name=$1; shift
  [[ -f $out/$name/summary.json ]] && return  # finished before
  rm -rf "$out/$name"
  stage "train the $name causal DiT for $minutes min -> $out/$name"
  "$NC" train --config configs/demo.yaml --run-dir "$out/$name" \
    --set data.train="$demo/data/tapes" --set model.vae.weights="$demo/vae" --set train.max_minutes="$minutes" \
    --set "${latent_sets[0]}" --set "${latent_sets[1]}" --set model.dit.causal=true "$@"
}
train plain --set model.flow.frame_noise=shared
train anti-drift --set model.flow.frame_noise=per_frame
train self-rollout --set model.flow.frame_noise=per_frame --set train.dit.self_rollout=0.5 --set rollout.context_noise=0.1

rows=()
for frames in 5 20 80; do
  for run in plain anti-drift anti-drift+sink self-rollout self-rollout+sink copy-first; do
    flags=(--set rollout.context_noise=0)
    ckpt="$out/plain"
    case $run in
      anti-drift|self-rollout) flags=(--set rollout.context_noise=0.1); ckpt="$out/$run" ;;
      *+sink) flags=(--set rollout.context_noise=0.1 --set rollout.sink=1); ckpt="$out/${run%+sink}" ;;
      copy-first) flags=(--copy-first) ;;
    esac
    dir="$out/rollouts/$run-$frames"
    rows+=("$run $frames $dir")
    [[ -f $dir/eval/eval.json ]] && continue  # done before
    stage "roll out $frames frames ($run) -> $dir"
    "$NC" rollout --ckpt "$ckpt" --from-shards "$long" --held-out --frames "$frames" "${flags[@]}" --out "$dir"
    "$NC" eval --pred "$dir" --ref "$long" --config configs/demo.yaml --out "$dir/eval" > /dev/null
  done
done

stage "results -> $out/drift.md"
python3 - "$out/drift.md" "${rows[@]}" <<'EOF'
import json, sys
lines = ["| rollout | frames | held-out tapes | PSNR (dB) | SSIM | OCR char acc | frames/s |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
for row in sys.argv[2:]:
    run, frames, d = row.split()
    ev = json.load(open(d + "/eval/eval.json"))
    o = ev["overall"]
    fps = json.load(open(d + "/rollout.json")).get("frames_per_second")
    lines.append(f"| {run} | {frames} | {ev['pairing']['matched']} | {o['psnr']:.2f} | {o['ssim']:.4f} | "
                 f"{o['ocr_char_acc']:.3f} | " + ("-" if fps is None else f"{fps:.2f}") + " |")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
