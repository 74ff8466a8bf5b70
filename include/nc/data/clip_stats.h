// The automatically derived statistics of a terminal clip (the paper's `meta.videogen`,
// PAPER.md §1.1). The paper names them in prose only; our definitions are in docs/DATA.md.
#pragma once

#include <nlohmann/json.hpp>

#include "nc/data/term_trace.h"

namespace nc::data {

// Statistics over trace frames [begin, end); `color_usage` is counted while rendering (the
// number of distinct non-default colours drawn).
nlohmann::json term_clip_stats(const Trace& trace, int begin, int end, int color_usage);

}  // namespace nc::data
