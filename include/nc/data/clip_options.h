// How recordings become clips: sampling, segmentation, fixed length, filters, shards.
// The `clips` config section (no library dependency: every build can read it).
#pragma once

#include <string>
#include <vector>

#include "nc/core/config.h"

namespace nc::data {

struct ClipOptions {
  double fps = 15;              // PAPER.md §1.1: resampled to 15 FPS
  double seconds = 5;           // target clip length ("roughly 5-second clips")
  double min_seconds = 2.5;     // a split is searched in [min_seconds, max_seconds]
  double max_seconds = 7.5;
  double min_tail_seconds = 1;  // a shorter remainder at the end of a recording is dropped
  int frames = 77;              // fixed frames per clip: 1 + 4k nearest above 5 s x 15 fps
  int stride = 0;               // > 0: frames this many recorded frames apart from the clip's start
  double idle_time_limit = 2;   // longer pauses in a recording are shortened to this (s)
  double speed = 1;             // playback speed factor
  bool drop_frozen = true;      // drop clips whose frames never change
  std::vector<std::string> sensitive_patterns = {
      R"(AKIA[0-9A-Z]{16})",
      R"(-----BEGIN [A-Z ]*PRIVATE KEY-----)",
      R"(gh[pousr]_[A-Za-z0-9]{36})",
      R"(sk-[A-Za-z0-9_-]{20,})",
      R"(xox[abprs]-[A-Za-z0-9-]{10,})",
      R"(password\s*[:=]\s*\S+)",
      R"((api[_-]?key|secret|token)\s*[:=]\s*['"]?[A-Za-z0-9_\-]{12,})",
  };
  std::string prompt_regex = R"(^.{0,60}?[$#%>❯➜] (.+)$)";
  std::string captions_sidecar = ".captions.json";  // <input stem> + this, when it exists
  int clips_per_shard = 256;
  bool preview_mp4 = false;

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("fps", fps, "frames per second sampled from recordings", between(1, 120));
    v("seconds", seconds, "target clip length in seconds", positive());
    v("min_seconds", min_seconds, "shortest clip a content-aware split may cut", positive());
    v("max_seconds", max_seconds, "longest clip before a split is forced", positive());
    v("min_tail_seconds", min_tail_seconds, "drop a recording's remainder shorter than this", at_least(0));
    v("frames", frames, "fixed frame count per clip (short clips repeat the last frame, long ones are subsampled)",
      between(1, 100000));
    v("stride", stride,
      "pick the frames this many recorded frames apart from the clip's start (a shorter clip repeats its last "
      "frame); 0: spread evenly over the clip",
      at_least(0));
    v("idle_time_limit", idle_time_limit, "pauses longer than this (s) are shortened to it; 0 keeps them", at_least(0));
    v("speed", speed, "playback speed factor", positive());
    v("drop_frozen", drop_frozen, "drop clips in which the screen never changes");
    v("sensitive_patterns", sensitive_patterns,
      "ECMAScript regexes, matched ignoring case; a clip whose screen text or input matches one is dropped");
    v("prompt_regex", prompt_regex, "a shell prompt line; group 1 is the command (for captions)");
    v("captions_sidecar", captions_sidecar,
      "suffix of a JSON file beside an input that supplies captions per clip id");
    v("clips_per_shard", clips_per_shard, "clips per shard file", at_least(1));
    v("preview_mp4", preview_mp4, "also write an H.264 preview per clip");
  }
  void check(config::Checker& c) const {
    c.require(min_seconds <= seconds && seconds <= max_seconds, "seconds",
              "need min_seconds <= seconds <= max_seconds");
  }
};

}  // namespace nc::data
