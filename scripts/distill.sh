#!/usr/bin/env bash
# One-step distillation of the demo's DiT (docs/TRAINING.md "Causal models and distillation";
# results in docs/BENCHMARKS.md "Distillation"): a student started from the demo's trained DiT
# learns to land in one step where the teacher's Euler sampler lands in --teacher-steps; then the
# teacher at its steps and at one step, and the student at one step, roll out the held-out clips
# and are scored (PSNR, SSIM, OCR) with their rollout frames/s. With --causal the teacher is
# scripts/drift.sh's anti-drift causal DiT (DIR/drift/anti-drift): the student learns each next
# frame after true context, and all three stream frame by frame (context noise 0.1).
#
#   scripts/distill.sh --demo DIR [--causal] [--minutes M] [--teacher-steps N] [--out DIR]
#
# --demo is a finished scripts/demo.sh folder (its data, VAE and DiT). Defaults: 3 minutes,
# 8 teacher steps, DIR/distill (DIR/distill-causal with --causal). Needs a build.
set -euo pipefail
cd "$(dirname "$0")/.."

demo=""
causal=0
minutes=3
teacher_steps=8
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --demo) demo="${2:?--demo needs a folder}"; shift 2 ;;
    --causal) causal=1; shift ;;
    --minutes) minutes="${2:?--minutes needs a value}"; shift 2 ;;
    --teacher-steps) teacher_steps="${2:?--teacher-steps needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "distill.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n $demo && -d $demo/dit && -f $demo/vae/reconstruct/latent_overrides.txt ]] ||
  { echo "distill.sh: --demo must name a finished scripts/demo.sh folder" >&2; exit 2; }
teacher="$demo/dit"
model=()  # the student's config beyond the demo's (the teacher's shape)
roll=()   # rollout settings
if (( causal )); then
  teacher="$demo/drift/anti-drift"
  [[ -d $teacher/checkpoints ]] || { echo "distill.sh: --causal needs $teacher (run scripts/drift.sh first)" >&2; exit 2; }
  model=(--set model.dit.causal=true --set model.flow.frame_noise=per_frame --set rollout.context_noise=0.1)
  roll=(--set rollout.context_noise=0.1)
  out=${out:-$demo/distill-causal}
fi
out=${out:-$demo/distill}
NC=${NC_BUILD_DIR:-build}/nc
[[ -x $NC ]] || { echo "distill.sh: $NC is missing: build first (scripts/setup.sh)" >&2; exit 1; }
tapes="$demo/data/tapes"
mapfile -t latent_sets < "$demo/vae/reconstruct/latent_overrides.txt"

rm -rf "$out"
"$NC" train --config configs/demo.yaml --run-dir "$out/student" \
  --set data.train="$tapes" --set model.vae.weights="$demo/vae" --set train.max_minutes="$minutes" \
  --set "${latent_sets[0]}" --set "${latent_sets[1]}" --set model.dit.weights="$teacher" \
  --set train.dit.teacher="$teacher" --set train.dit.teacher_steps="$teacher_steps" \
  --set train.dit.teacher_sampler=euler "${model[@]}"

rows=()
for run in "teacher $teacher_steps" "teacher 1" "student 1"; do
  read -r who steps <<< "$run"
  ckpt="$teacher"
  [[ $who == student ]] && ckpt="$out/student"
  dir="$out/rollouts/$who-$steps"
  "$NC" rollout --ckpt "$ckpt" --from-shards "$tapes" --held-out --steps "$steps" --sampler euler "${roll[@]}" \
    --out "$dir"
  "$NC" eval --pred "$dir" --ref "$tapes" --config configs/demo.yaml --out "$dir/eval" > /dev/null
  rows+=("$who $steps $dir")
done
python3 - "$out/distill.md" "${rows[@]}" <<'EOF'
import json, sys
lines = ["| DiT | sampler steps | rollout frames/s | PSNR (dB) | SSIM | OCR char acc |",
         "| --- | ---: | ---: | ---: | ---: | ---: |"]
for row in sys.argv[2:]:
    who, steps, d = row.split()
    o = json.load(open(d + "/eval/eval.json"))["overall"]
    fps = json.load(open(d + "/rollout.json"))["frames_per_second"]
    lines.append(f"| {who} | {steps} | {fps:.2f} | {o['psnr']:.2f} | {o['ssim']:.4f} | {o['ocr_char_acc']:.3f} |")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
