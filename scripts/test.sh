#!/usr/bin/env bash
# The test command: set-up (packages + build), then the whole suite through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
scripts/setup.sh
t1=$(date +%s)
ctest --test-dir "${NC_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
t2=$(date +%s)
echo "test.sh: set-up + build $((t1 - t0)) s, tests $((t2 - t1)) s"
