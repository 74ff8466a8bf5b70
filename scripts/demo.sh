#!/usr/bin/env bash
# The main job on the built-in default. Until the full demo lands (data -> train -> rollout ->
# eval -> report), it sets up, builds, reports the system and runs a short smoke benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
NC=${NC_BUILD_DIR:-build}/nc
"$NC" version
"$NC" bench gemm --config configs/tiny.yaml --sizes 256 512 1024
