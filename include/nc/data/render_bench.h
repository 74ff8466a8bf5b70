// The terminal rendering benchmark behind `nc bench render`: throughput of replay + render
// for an 80x24 terminal at 15 fps, and the whole clip pipeline's time and peak memory on a
// long recording.
#pragma once

#include <nlohmann/json.hpp>

#include "nc/data/clip_options.h"
#include "nc/term/render_options.h"

namespace nc::data {

struct RenderBenchResult {
  int frames = 0;              // frames replayed and rendered
  double render_cpu_s = 0;     // process CPU time of replay + render
  int changed_frames = 0;      // frames whose screen changed (the renderer's real work)
  double changed_cpu_s = 0;    // CPU time spent on those frames
  double render_wall_s = 0;
  double pipeline_wall_s = 0;  // trace + plan + render + clip assembly
  int pipeline_clips = 0;
  double peak_rss_mb = 0;
  nlohmann::json to_json() const;
};

RenderBenchResult bench_render(double seconds, int cols, int rows, const ClipOptions& clips,
                               const term::RenderOptions& render);

}  // namespace nc::data
