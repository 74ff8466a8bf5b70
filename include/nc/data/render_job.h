// `nc data render`: terminal recordings (files or folders of .cast) to a folder of clip shards,
// with a progress display, per-input error reporting that never loses finished work, optional
// MP4 previews, and a summary.json beside shards.json.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nc/data/clip_options.h"
#include "nc/term/render_options.h"

namespace nc::data {

struct RenderJobReport {
  int inputs = 0, failed = 0, clips = 0, frames = 0;
  int dropped_frozen = 0, dropped_sensitive = 0, dropped_tail = 0, warnings = 0;
  std::vector<std::string> errors;  // one line per input that could not be rendered
  double seconds = 0;
  nlohmann::json to_json() const;
};

// Expands files and folders (recursively, sorted) into the .cast files they hold.
std::vector<std::string> find_casts(const std::vector<std::string>& inputs);

// `config` (the resolved config) is stored in shards.json.
RenderJobReport render_casts(const std::vector<std::string>& inputs, const std::string& out_dir,
                             const ClipOptions& clips, const term::RenderOptions& render,
                             const nlohmann::json& config);

}  // namespace nc::data
