// Terminal recordings to clips: scan (term_trace), plan (clip_plan), then replay once more and
// render only the frames the clips keep, with their text buffers, events, statistics and
// captions. Memory stays bounded by one clip whatever the recording's length.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "nc/data/clip.h"
#include "nc/data/clip_options.h"
#include "nc/data/clip_plan.h"
#include "nc/term/asciicast.h"
#include "nc/term/render_options.h"

namespace nc::data {

struct TermSource {
  std::string id;                    // clip ids are "<id>_0001", "<id>_0002", ...
  std::string tool = "asciinema";    // the record's "source"
  term::Cast cast;                   // events on the recording's clock
  nlohmann::json metadata = nlohmann::json::object();  // the record's "metadata"
  nlohmann::json sidecar;            // captions sidecar (see captions.h), or null
  // One clip for the whole recording instead of content-aware segments (VHS tapes): its frames
  // are those its "hide"/"show" markers leave shown (plan_whole); its id is `id` itself.
  bool whole = false;
  int window_width = 0, window_height = 0;  // term::Renderer::set_window_size (VHS Width/Height)
};

PlanReport render_term_clips(const TermSource& source, const ClipOptions& options,
                             const term::RenderOptions& render, const std::function<void(Clip&&)>& sink);

}  // namespace nc::data
