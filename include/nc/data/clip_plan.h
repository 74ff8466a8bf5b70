// Cutting a sampled recording into clips: content-aware split points, the fixed frame count,
// and the filters (frozen screens, sensitive text). Works on a Trace, before any rendering.
#pragma once

#include <regex>
#include <string>
#include <vector>

#include "nc/data/clip_options.h"
#include "nc/data/term_trace.h"

namespace nc::data {

struct ClipPlan {
  int begin = 0, end = 0;   // raw frames [begin, end) of the trace
  std::vector<int> frames;  // the raw frame behind each of the clip's fixed-count frames
};

struct PlanReport {
  int clips = 0, dropped_frozen = 0, dropped_sensitive = 0, dropped_tail = 0;
  int dropped_hidden = 0;  // plan_whole: no frame is shown
};

// Split points: each clip is cut in [min_seconds, max_seconds], at the frame that scores best
// for a screen clear, a still screen (idle gap) and closeness to `seconds`, and worst for
// activity on both sides of the cut (the middle of typing). See docs/DATA.md.
std::vector<std::pair<int, int>> segment(const Trace& trace, const ClipOptions& options);

// `count` frame indices for the raw range [begin, end): uniform subsampling when the range is
// longer, the range then its last frame repeated when it is shorter.
std::vector<int> fixed_length(int begin, int end, int count, int stride = 0);

// True when nothing visible changes in [begin, end).
bool is_frozen(const Trace& trace, int begin, int end);

// The first pattern that matches the screen text or input of [begin, end), or "".
std::string sensitive_match(const Trace& trace, int begin, int end, const std::vector<std::regex>& patterns,
                            const std::vector<std::string>& sources);

std::vector<ClipPlan> plan_clips(const Trace& trace, const ClipOptions& options, PlanReport* report);

// The raw frames a recording shows when its 'm' markers "hide" and "show" (VHS Hide / Show)
// switch the display off and on: frame k is shown when the last such marker at or before its
// time is not "hide". Without markers, every frame.
std::vector<int> visible_frames(const Trace& trace);

// One clip of the recording's visible frames, brought to `clips.frames` (VHS tapes: PAPER.md
// §1.2, longer than the clip is subsampled, shorter repeats the last frame); the frozen and
// sensitive filters apply as in plan_clips.
std::vector<ClipPlan> plan_whole(const Trace& trace, const ClipOptions& options, PlanReport* report);

}  // namespace nc::data
