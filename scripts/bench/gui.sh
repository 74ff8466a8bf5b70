#!/usr/bin/env bash
# Desktop-trace benchmarks (numbers in docs/BENCHMARKS.md):
#   1. the recorder at 15 fps on 2 cores: the default desktop (twm + 6 apps), 1024x768, capture
#      and H.264 encoding, for each agent; dropped-frame rate from recording_0.json
#   2. import throughput: those recordings to clip shards (832x480 letterbox, 77-frame clips)
#
#   scripts/bench/gui.sh [SECONDS]      (default 30; NC_BUILD_DIR picks the build)
set -euo pipefail
cd "$(dirname "$0")/../.."
NC=${NC_BUILD_DIR:-build}/nc
SECONDS_PER_RUN=${1:-30}
OUT=$(mktemp -d /tmp/nc-bench-gui.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
CORES=0,1
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); cores $CORES of $(nproc)"
for agent in slow fast; do
  taskset -c "$CORES" "$NC" --log-level warn data gui record --seconds "$SECONDS_PER_RUN" --agent "$agent" \
    --out "$OUT/rec-$agent" --set run.seed=1 | sed "s/^/$agent: /"
  python3 - "$OUT/rec-$agent/recording_0.json" "$agent" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  {sys.argv[2]}: frames {r['frames']} dropped {r['dropped']} ({100*r['dropped_rate']:.2f}%) "
      f"capture {r['capture_ms_mean']:.2f} ms (max {r['capture_ms_max']:.1f}) encode {r['encode_ms_mean']:.2f} ms "
      f"max late {r['max_late_ms']:.1f} ms wall {r['wall_seconds']:.2f} s")
PY
done
# Wall and CPU time of the import (CPU: user + sys of the process, LibTorch's start included).
python3 - "$NC" "$OUT" "$CORES" <<'PY'
import json, resource, subprocess, sys, time
nc, out, cores = sys.argv[1:4]
t0 = time.time()
subprocess.run(["taskset", "-c", cores, nc, "--log-level", "error", "data", "gui", "import",
                f"{out}/rec-slow", f"{out}/rec-fast", "--out", f"{out}/shards"], check=True, stdout=subprocess.DEVNULL)
wall = time.time() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = ru.ru_utime + ru.ru_stime
s = json.load(open(f"{out}/shards/summary.json"))
print(f"import: {s['frames']} frames ({s['clips']} clips) in {s['seconds']:.2f} s inside nc = "
      f"{s['frames_per_second']:.0f} frames/s wall; process {wall:.2f} s wall, {cpu:.2f} CPU s "
      f"= {s['frames'] / cpu:.0f} frames per CPU second")
PY
du -sh "$OUT/shards" | sed 's/^/shards: /'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
