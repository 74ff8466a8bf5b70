// How VHS tapes are run and rendered: the `tapes` config section (docs/DATA.md "VHS tapes").
// No library dependency, so every build can read it.
#pragma once

#include <cstdint>
#include <string>

#include "nc/core/config.h"

namespace nc::data {

struct TapeOptions {
  int jobs = 8;                 // tapes run at once (mostly waiting: more than the cores is fine)
  int render_threads = 0;       // tapes rendered at once; 0 = one per core
  double timeout = 60;          // s of real time per tape (the reference runner's `timeout 60s`)
  double startup_timeout = 10;  // s for the shell's first prompt
  double response_window = 0.25;
  std::string sandbox_root = "/tmp/nc-tapes";
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  bool fixtures = true;
  bool keep_sandbox = false;
  double scale = 0.5;  // frame size relative to the tape's Width x Height
  std::string font_family = "JetBrains Mono,DejaVu Sans Mono";  // when a tape sets no FontFamily
  int64_t limit_cpu_seconds = 120;
  int64_t limit_memory_mb = 4096;
  int64_t limit_file_mb = 512;
  int64_t limit_processes = 0;
  int64_t max_output_mb = 32;
  bool write_casts = false;

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("jobs", jobs, "tapes run at once (they mostly wait, so more than the cores is fine)", between(1, 1024));
    v("render_threads", render_threads, "tapes rendered at once; 0 = one per core", at_least(0));
    v("timeout", timeout, "real seconds a tape may take before its processes are killed", positive());
    v("startup_timeout", startup_timeout, "seconds for the shell's first prompt", positive());
    v("response_window", response_window,
      "output this soon (s) after a key press is logged at its time, and the next key waits up to this for it (run-to-run stable frames)",
      between(0, 5));
    v("sandbox_root", sandbox_root, "absolute folder for the per-tape sandboxes (<root>/<tape id>/home, tmp)");
    v("path", path, "PATH inside the sandbox (Require looks here too)");
    v("fixtures", fixtures, "populate each sandbox's HOME with the deterministic fixtures");
    v("keep_sandbox", keep_sandbox, "keep each sandbox after its run (debugging)");
    v("scale", scale, "frame size relative to the tape's Width x Height (fonts, padding, margins scale too)",
      between(0.05, 4));
    v("font_family", font_family, "font families tried when a tape sets no FontFamily (VHS's default first)");
    v("limit_cpu_seconds", limit_cpu_seconds, "RLIMIT_CPU per process; 0 = unlimited", at_least(0));
    v("limit_memory_mb", limit_memory_mb, "RLIMIT_AS per process in MiB; 0 = unlimited", at_least(0));
    v("limit_file_mb", limit_file_mb, "RLIMIT_FSIZE (largest file written) in MiB; 0 = unlimited", at_least(0));
    v("limit_processes", limit_processes, "RLIMIT_NPROC (counts all the user's processes); 0 = unlimited",
      at_least(0));
    v("max_output_mb", max_output_mb, "a tape whose programs write more than this to the terminal fails (MiB)",
      at_least(1));
    v("write_casts", write_casts, "also write each run as an asciicast v2 file (casts/<id>.cast)");
  }
};

}  // namespace nc::data
