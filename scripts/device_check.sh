#!/usr/bin/env bash
# The GPU check: builds nc's training core against the LibTorch inside a PyTorch wheel (CUDA) and
# runs `nc version`, CUDA matrix products, bf16 training steps of the small config through
# NCCL (time and peak memory) and causal streams of the small and Wan2.1 1.3B shapes in bf16
# (frames/s, latency), on a machine that has nothing else installed.
#
#   scripts/device_check.sh prepare   on the Debian machine: copies the header-only libraries
#                                     (nlohmann-json, fmt, spdlog, CLI11) into .devdeps/include
#                                     and the configs, as JSON, into .devdeps/configs
#   scripts/device_check.sh run       on the GPU machine (carry .devdeps): build + checks;
#                                     writes logs and results under ${OUT:-device-check-out}
set -euo pipefail
cd "$(dirname "$0")/.."

prepare() {
  rm -rf .devdeps && mkdir -p .devdeps/include .devdeps/configs
  for d in nlohmann fmt spdlog CLI; do cp -r "/usr/include/$d" .devdeps/include/; done
  local nc=${NC_BUILD_DIR:-build}/nc
  for f in configs/*.yaml; do
    "$nc" config show --json --config "$f" > ".devdeps/configs/$(basename "${f%.yaml}").json"
  done
  du -sh .devdeps
}

run() {
  local out=${OUT:-device-check-out}
  mkdir -p "$out"
  exec > >(tee "$out/device_check.log") 2>&1
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
  local prefix
  prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
  python3 -c 'import torch;print("wheel torch", torch.__version__, "cuda", torch.version.cuda)'
  local gen=(-G "Unix Makefiles")
  command -v ninja >/dev/null && gen=(-G Ninja)
  cmake -S . -B build-gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_INCLUDE_PATH="$PWD/.devdeps/include" \
    -DNC_WITH_YAML=OFF -DNC_WITH_TERM=OFF -DNC_WITH_VIDEO=OFF -DNC_WITH_GUI=OFF \
    -DNC_WITH_OCR=OFF -DNC_WITH_SENTENCEPIECE=OFF -DNC_BUILD_TESTS=OFF
  local t0=$SECONDS
  cmake --build build-gpu -j "$(nproc)"
  echo "device_check: core build took $((SECONDS - t0)) s"
  ./build-gpu/nc version | tee "$out/version.txt"
  ./build-gpu/nc bench gemm --config .devdeps/configs/tiny.json --set run.device=cuda \
    --sizes 1024 4096 8192 --out "$out/gemm_cuda.json"
  train_step "$out"
  # Frame-by-frame generation of causal DiTs in bf16 (initial weights; speed does not depend on
  # them): frames/s and input latency by sampler steps, the small shape at 384x640 and Wan2.1
  # 1.3B's shape at 480x832 as an image-to-video model without CLIP tokens (streams continue a
  # given frame; in_dim 36 as Wan's i2v), a cache of 6 latent frames, its full VAE per frame.
  ./build-gpu/nc bench stream --config .devdeps/configs/small.json --set run.device=cuda \
    --set rollout.precision=bf16 --set data.frames=17 --set data.height=384 --set data.width=640 \
    --steps 1 2 4 --frames 20 --out "$out/stream_small_cuda.json" || true
  ./build-gpu/nc bench stream --config .devdeps/configs/wan-1.3b.json --set run.device=cuda \
    --set rollout.precision=bf16 --set model.dit.model_type=i2v --set model.dit.in_dim=36 \
    --set model.dit.image_context=false --set data.height=480 --set data.width=832 --window 6 \
    --steps 1 2 3 --frames 10 --out "$out/stream_wan13b_cuda.json" || true
  echo "device_check: done"
}

# bf16 training steps of the small config on CUDA through NCCL at world size 1 (nc bench train:
# one rank under `nc launch`, 17 frames of 640x384, the first step left out of the timing); peak
# GPU memory in use sampled by nvidia-smi every 0.2 s, minus the idle baseline (so it includes
# the CUDA context and the caching allocator's reserve).
train_step() {
  local out=$1 base peak=0 m sampler
  base=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits 2>/dev/null | head -1) || base=0
  ( while sleep 0.2; do
      m=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits | head -1)
      if [ "$m" -gt "$peak" ]; then peak=$m; echo "$peak" > "$out/train_peak_mib.txt"; fi
    done ) &
  sampler=$!
  ./build-gpu/nc bench train --config .devdeps/configs/small.json --ranks 1 --steps 3 --warmup 1 --clips 4 \
    --loader-batches 4 --set run.device=cuda --set train.precision=bf16 --set train.dist.backend=nccl \
    --set data.frames=17 --set data.height=384 --set data.width=640 --out "$out/train_small_cuda.json" || true
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  python3 - "$out/train_small_cuda.json" "$base" "$(cat "$out/train_peak_mib.txt" 2>/dev/null || echo 0)" <<'PY' || true
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
print(f"device_check: small bf16 step (NCCL, world 1): {run['step_s']:.3f} s, "
      f"peak GPU memory {int(sys.argv[3]) - int(sys.argv[2])} MiB over the idle {sys.argv[2]} MiB")
PY
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *) sed -n '2,10p' "$0"; exit 2 ;;
esac
