#!/usr/bin/env bash
# Installs every Debian package nc needs (as root, or through sudo) and builds nc in Release
# with CMake + Ninja (+ ccache when present). Idempotent; quiet unless something fails.
#
#   scripts/setup.sh                 install what is missing, configure, build
#   scripts/setup.sh --no-build      install only
#   scripts/setup.sh --nc-only       build the nc binary alone, not the tests (the demo's set-up)
#   NC_BUILD_DIR=dir scripts/setup.sh   build somewhere else than ./build
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # toolchain
  cmake ninja-build g++ ccache pkg-config
  # the libFuzzer test of the asciicast reader (clang with compiler-rt's sanitizers)
  clang-14 libclang-rt-14-dev
  # LibTorch (CPU) and an optimized BLAS for it: without OpenBLAS, matrix products are ~30x slower
  libtorch-dev libopenblas0-pthread libgloo-dev
  # core: configs, JSON, logging, command line, tests
  libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libgtest-dev
  # terminal traces: emulation, glyph rendering, the default font, recording real casts
  libvterm-dev libfreetype-dev fonts-dejavu-core asciinema
  # VHS tapes run natively (docs/DATA.md): what the generated tapes and their tests run, with
  # `python` as the tapes type it, the git/SQLite fixtures, less/vim/top for the full-screen
  # tapes, cal for the basic family, and VHS's default font
  python3 python-is-python3 git sqlite3 less vim procps ncal fonts-jetbrains-mono
  # video and images
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libpng-dev
  # OCR metrics
  libtesseract-dev tesseract-ocr-eng
  # tokenizer
  libsentencepiece-dev
  # desktop traces: Xlib, XTest (input), XShm and XFixes (capture, cursor), the virtual X server
  libx11-dev libxtst-dev libxext-dev libxfixes-dev xvfb
  # the recorder's desktop (docs/DATA.md): twm, a terminal, calculator/clock/eyes/editor
  # (x11-apps: xcalc, xclock, xeyes, xedit) and a FOX file browser (no GTK); ~16 MB installed
  twm xterm x11-apps xfe
)

BUILD=1
TARGET=()
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    --nc-only) TARGET=(--target nc) ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup.sh: run as root (or install sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  log=$(mktemp /tmp/nc-setup.XXXXXX.log)
  echo "setup.sh: installing ${#missing[@]} package(s): ${missing[*]}"
  if ! { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
           --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "setup.sh: package installation failed (full log: $log)" >&2
    exit 1
  fi
  rm -f "$log"
fi

((BUILD)) || exit 0

BUILD_DIR=${NC_BUILD_DIR:-build}
mkdir -p "$BUILD_DIR"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$BUILD_DIR/configure.log" 2>&1 || {
    cat "$BUILD_DIR/configure.log" >&2; echo "setup.sh: cmake configure failed" >&2; exit 1; }
fi
start=$(date +%s)
# Ninja prints a line per step; keep the log quiet unless the build fails.
if ! cmake --build "$BUILD_DIR" "${TARGET[@]}" -- -j"$(nproc)" >"$BUILD_DIR/build.log" 2>&1; then
  grep -E "error|FAILED" -A3 "$BUILD_DIR/build.log" | head -n 60 >&2
  echo "setup.sh: build failed (full log: $BUILD_DIR/build.log)" >&2
  exit 1
fi
echo "setup.sh: built $BUILD_DIR/nc in $(( $(date +%s) - start )) s"
