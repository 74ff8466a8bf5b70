#!/usr/bin/env bash
# The main job on the built-in default, from a fresh clone: set-up and build, a small clean
# terminal dataset (the VHS tapes in data/tapes/demo run natively, plus the recorded casts in
# data/casts), the tiny VAE and DiT trained on CPU, rollouts of the held-out clips by the trained
# and by an untrained DiT, both evaluated (PSNR, SSIM, OCR) beside the copy-the-given-frame
# baseline, and one HTML report.
#
#   scripts/demo.sh [--minutes M] [--out DIR] [--no-setup]
#
# --minutes is the training budget (default 8: VAE 35 %, DiT 65 %); more minutes, better
# models. Everything lands in DIR (default runs/demo); the trained-vs-untrained table is
# printed at the end and written to DIR/results.md. A rerun into the same DIR keeps its data
# and trains new models (the earlier models, rollouts and evaluations there are replaced).
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=8
out=runs/demo
setup=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes="${2:?--minutes needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    --no-setup) setup=0; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ! awk -v m="$minutes" 'BEGIN { exit !(m > 0) }'; then
  echo "demo.sh: --minutes must be a positive number, not '$minutes'" >&2; exit 2
fi

start=$(date +%s)
stage() { printf '\n== demo [%s, %d s] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - start ))" "$*"; }

if [[ $setup == 1 ]]; then
  stage "set-up and build of the nc binary (scripts/setup.sh --nc-only)"
  scripts/setup.sh --nc-only
fi
NC=${NC_BUILD_DIR:-build}/nc
[[ -x $NC ]] || { echo "demo.sh: $NC is missing: run without --no-setup" >&2; exit 1; }
"$NC" version

vae_minutes=$(awk -v m="$minutes" 'BEGIN { printf "%.2f", m * 0.35 }')
dit_minutes=$(awk -v m="$minutes" 'BEGIN { printf "%.2f", m * 0.65 }')
mkdir -p "$out"

stage "data: the demo tapes, run natively (a real bash per tape) -> $out/data/tapes"
# The DiT's clips: 5 frames 0.2 s apart from each tape's start (15 fps, stride 3): typing,
# Enter and the first output, while most of the screen persists from frame to frame.
"$NC" data tapes run data/tapes/demo --out "$out/data/tapes" -j 8 \
  --set tapes.scale=1 --set clips.frames=5 --set clips.stride=3
stage "data: the demo tapes again, 5 frames over each whole tape (for the VAE) -> $out/data/tapes-whole"
# The VAE learns glyphs from these: the first 0.8 s of each tape hold too little text (a VAE
# trained on those alone stayed at the background).
"$NC" data tapes run data/tapes/demo --out "$out/data/tapes-whole" -j 8 \
  --set tapes.scale=1 --set clips.frames=5
stage "data: the recorded casts -> $out/data/casts"
"$NC" data render data/casts --out "$out/data/casts" \
  --set clips.frames=5 --set render.font_size=8
# The VAE learns from the whole tapes and the casts; the DiT from the tape clips (its first pass over the clips encodes each
# one through the VAE, the slow part of its training on CPU, so fewer clips leave more steps).
shards="$out/data/tapes-whole,$out/data/casts"
tapes="$out/data/tapes"

rm -rf "$out/vae" "$out/dit" "$out/rollouts" "$out/eval"  # this run's models, not an earlier one's
stage "train the VAE for $vae_minutes min (configs/demo-vae.yaml) -> $out/vae"
"$NC" train --config configs/demo-vae.yaml --run-dir "$out/vae" \
  --set data.train="$shards" --set train.max_minutes="$vae_minutes"

stage "the VAE on 6 tape clips: reconstruction against a flat frame, latent statistics -> $out/vae/reconstruct"
"$NC" vae reconstruct --config configs/demo.yaml --ckpt "$out/vae" --shards "$tapes" --clips 6 --no-videos \
  --out "$out/vae/reconstruct" | grep -E "overall|flat frame"
# Flow matching needs unit-scale latents: the DiT normalises them with the statistics just measured.
mapfile -t latent_sets < "$out/vae/reconstruct/latent_overrides.txt"

stage "train the DiT for $dit_minutes min on the VAE's latents (configs/demo.yaml) -> $out/dit"
"$NC" train --config configs/demo.yaml --run-dir "$out/dit" \
  --set data.train="$tapes" --set model.vae.weights="$out/vae" --set train.max_minutes="$dit_minutes" \
  --set "${latent_sets[0]}" --set "${latent_sets[1]}"

for kind in trained untrained copy-first; do
  flag=""
  [[ $kind == untrained ]] && flag="--untrained"
  [[ $kind == copy-first ]] && flag="--copy-first"  # the persistence baseline: no model runs
  stage "roll out the held-out clips ($kind) -> $out/rollouts/$kind"
  "$NC" rollout --ckpt "$out/dit" --from-shards "$tapes" --held-out --side-by-side $flag \
    --out "$out/rollouts/$kind"
  stage "evaluate the $kind rollouts -> $out/eval/$kind"
  "$NC" eval --pred "$out/rollouts/$kind" --ref "$tapes" \
    --config configs/demo.yaml --out "$out/eval/$kind"
done

stage "results"
python3 - "$out" <<'EOF'
import json, sys
out = sys.argv[1]
rows = []
for kind in ("trained", "untrained", "copy-first"):
    ev = json.load(open(f"{out}/eval/{kind}/eval.json"))
    o = ev["overall"]
    rows.append((kind, ev["pairing"]["matched"], o.get("psnr"), o.get("ssim"), o.get("ocr_char_acc"),
                 o.get("ocr_exact_line_acc")))
def f(v, d):
    return "n/a" if v is None else f"{v:.{d}f}"
lines = ["| frames from | held-out clips | PSNR (dB) | SSIM | OCR char acc | OCR exact-line acc |",
         "| --- | ---: | ---: | ---: | ---: | ---: |"]
for k, n, p, s, c, l in rows:
    name = {"trained": "trained DiT", "untrained": "untrained DiT", "copy-first": "copy of the given frame"}[k]
    lines.append(f"| {name} | {n} | {f(p, 2)} | {f(s, 4)} | {f(c, 3)} | {f(l, 3)} |")
(t, u, c) = rows
measures = (("PSNR", 2, "{:+.2f} dB"), ("SSIM", 3, "{:+.4f}"), ("OCR char acc", 4, "{:+.3f}"))
deltas = [f"{name} " + fmt.format(t[i] - u[i]) for name, i, fmt in measures if t[i] is not None and u[i] is not None]
better = [name for name, i, _ in measures if t[i] is not None and u[i] is not None and t[i] > u[i]]
verdict = ("the trained model wins on " + ", ".join(better)) if better else "the trained model wins on nothing"
beats_copy = [name for name, i, _ in measures if t[i] is not None and c[i] is not None and t[i] > c[i]]
text = ("\n".join(lines) + "\n\n" + verdict + " (trained - untrained: " + ", ".join(deltas) +
        "; frame 0, the given first frame, is left out). Against copying the given frame, it wins on " +
        (", ".join(beats_copy) if beats_copy else "nothing") + ".\n")
open(f"{out}/results.md", "w").write("# Demo: trained vs untrained DiT on held-out clips\n\n" + text)
print(text)
EOF

stage "report -> $out/report.html"
"$NC" report "$out"
stage "done in $(( ($(date +%s) - start) / 60 )) min: open $out/report.html"
