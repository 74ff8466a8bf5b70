#!/usr/bin/env bash
# Builds the asciicast libFuzzer target with clang (ASan + UBSan) and runs it.
#
#   tests/fuzz/run_fuzz.sh OUTDIR SECONDS
#
# OUTDIR receives the binary, the corpus (seeded with valid v1/v2/v3 casts) and any crash
# artifacts. Exits non-zero when the fuzzer finds a crash, a leak or a sanitizer report.
set -euo pipefail
if [ $# -ne 2 ]; then sed -n '2,7p' "$0" >&2; exit 2; fi
OUT=$1
SECONDS_TO_RUN=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CXX_FUZZ=${CXX_FUZZ:-clang++-14}
mkdir -p "$OUT/corpus" "$OUT/artifacts"

SOURCES=(tests/fuzz/asciicast_fuzz.cpp src/term/asciicast.cpp src/core/utf8.cpp src/core/error.cpp
         src/core/strings.cpp src/core/file_util.cpp)
BIN=$OUT/asciicast_fuzz
# Rebuild only when a source or header is newer than the binary.
rebuild=0
[ -x "$BIN" ] || rebuild=1
if ((!rebuild)); then
  for f in "${SOURCES[@]}" include/nc/term/asciicast.h include/nc/core/utf8.h include/nc/core/error.h \
           include/nc/core/strings.h include/nc/core/file_util.h tests/fuzz/run_fuzz.sh; do
    [ "$ROOT/$f" -nt "$BIN" ] && rebuild=1
  done
fi
if ((rebuild)); then
  echo "run_fuzz.sh: building $BIN"
  (cd "$ROOT" && "$CXX_FUZZ" -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined \
     -fno-sanitize-recover=undefined -Iinclude -I/usr/include "${SOURCES[@]}" -o "$BIN.tmp")
  mv "$BIN.tmp" "$BIN"
fi

# Seeds: one valid cast of each version, with escapes, unicode and every event type.
c=$OUT/corpus
printf '%s\n' '{"version": 2, "width": 80, "height": 24, "timestamp": 1747177906, "env": {"SHELL": "/bin/bash", "TERM": "xterm-256color"}}' \
  '[0.082492, "o", "\u001b[H\u001b[2J\u001b[3J"]' '[0.5, "o", "h\u00e9llo \u2500\u2502 \ud83d\ude00 \u001b[1;32mgreen\u001b[0m\r\n"]' \
  '[0.75, "i", "ls\r"]' '[1.0, "r", "100x30"]' '[1.5, "m", "mark"]' >"$c/seed_v2.cast"
printf '%s\n' '{"version": 3, "term": {"cols": 90, "rows": 20, "type": "xterm-256color"}, "timestamp": 1700000000}' \
  '# comment' '[0.25, "o", "a\u001b[31mb\u001b[0m"]' '[0.5, "o", "日本語"]' '[0, "r", "100x30"]' '[1.0, "x", "0"]' >"$c/seed_v3.cast"
printf '%s\n' '{' '  "version": 1, "width": 80, "height": 24, "duration": 1.5,' \
  '  "env": {"TERM": "xterm", "SHELL": "/bin/bash"},' '  "stdout": [[0.5, "$ "], [0.25, "ls\r\n"], [0.75, "\u001b[0m\u00e9"]]' '}' >"$c/seed_v1.cast"
printf '%s\n' '{"width": 80, "height": 24}' '[0.1, "x"]' '[0.2, 1, "y"]' '[0.1999, "o", "z"]' >"$c/seed_repairs.cast"
printf '%s\n%s' '{"version": 2, "width": 80, "height": 24}' '[0.1, "o", "trunc' >"$c/seed_truncated.cast"

echo "run_fuzz.sh: fuzzing for ${SECONDS_TO_RUN}s"
# libFuzzer exits non-zero on a crash, leak, timeout or sanitizer report and writes the input
# to $OUT/artifacts.
"$BIN" -max_total_time="$SECONDS_TO_RUN" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -dict="$ROOT/tests/fuzz/asciicast.dict" -artifact_prefix="$OUT/artifacts/" "$c" 2>"$OUT/fuzz.log" || {
  tail -n 60 "$OUT/fuzz.log" >&2
  echo "run_fuzz.sh: the fuzzer found a bug (inputs in $OUT/artifacts)" >&2
  exit 1
}
grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|Done [0-9]+ runs" "$OUT/fuzz.log" || true
