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
};

PlanReport render_term_clips(const TermSource& source, const ClipOptions& options,
                             const term::RenderOptions& render, const std::function<void(Clip&&)>& sink);

}  // namespace nc::data
