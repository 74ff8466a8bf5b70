// Action-window frames (PAPER.md §3.2 Exp 9, App. B.3): an action at time tau maps to frame
// f = round(tau * fps), clamped to [0, T-1]; its window is f+offset .. f+offset+length-1
// (offset 1 skips the action frame, length 15), clipped to [0, T-1]; a clip's frames are the
// deduplicated, chronological union over its actions. Clips without actions, or whose windows
// are all empty, are excluded from SSIM+15, LPIPS+15 and FVD+15.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/data/clip.h"

namespace nc::eval {

// f = round(tau * fps) clamped to [0, total-1], one per time, in the order given.
std::vector<int> action_frames(const std::vector<double>& times, double fps, int total);

// The sorted, deduplicated union of the windows; empty when `actions` is empty or every window
// falls outside [0, total).
std::vector<int> action_window_frames(const std::vector<int>& actions, int total, int offset = 1, int length = 15);

// Action times (seconds from the clip's first frame) of a reference clip: from `tensor` when
// the clip has it (per-frame [T] or [T, S]; frame k with any nonzero entry is an action at
// k / clip_fps), else from the events whose type is one of `event_types`. Sorted.
std::vector<double> action_times(const std::map<std::string, at::Tensor>& tensors,
                                 const std::vector<data::ClipEvent>& events, double clip_fps,
                                 const std::string& tensor, const std::string& event_types);

}  // namespace nc::eval
