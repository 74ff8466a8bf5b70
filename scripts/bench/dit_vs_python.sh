#!/usr/bin/env bash
# The DiT training step in C++ (`nc bench dit`) and in Python PyTorch (scripts/bench/dit_step.py)
# on the same shapes and thread count; prints both and the ratio (numbers in docs/BENCHMARKS.md).
#
#   scripts/bench/dit_vs_python.sh [CONFIG] [nc bench dit options...]
#       CONFIG defaults to configs/tiny.yaml; NC_BUILD_DIR picks the build; PYTHON the
#       interpreter with torch (default /usr/bin/python3: `apt-get install -y python3-torch`).
set -euo pipefail
cd "$(dirname "$0")/../.."
NC=${NC_BUILD_DIR:-build}/nc
PY=${PYTHON:-/usr/bin/python3}
CONFIG=${1:-configs/tiny.yaml}
shift || true
if ! "$PY" -c "import torch" 2>/dev/null; then
  echo "error: $PY cannot import torch (apt-get install -y python3-torch, or set PYTHON)" >&2
  exit 1
fi
OUT=$(mktemp -d /tmp/nc-bench-dit.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$NC" --log-level warn bench dit --config "$CONFIG" --out "$OUT/cpp.json" "$@"
"$PY" scripts/bench/dit_step.py "$OUT/cpp.json" --out "$OUT/python.json"
"$PY" - "$OUT/cpp.json" "$OUT/python.json" <<'PY'
import json, sys
cpp, py = (json.load(open(p)) for p in sys.argv[1:3])
c, p = cpp["results"], py
if c["parameters"] != p["parameters"]:
    sys.exit(f"error: the models differ: {c['parameters']} parameters in C++, {p['parameters']} in Python")
print(f"C++ {c['median_ms']:.1f} ms, Python {p['median_ms']:.1f} ms per step (median): "
      f"Python / C++ = {p['median_ms'] / c['median_ms']:.2f}")
PY
