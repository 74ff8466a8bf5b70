// `nc data synth-actions`: a GUI dataset whose next frame depends on the action, for testing
// and measuring action conditioning (docs/ACTIONS.md). A white square on a dark screen moves
// `step` pixels in the frame where an arrow key is pressed (clamped at the border); each frame
// has a key press with probability `press_probability`. The clips carry the tensors of
// imported GUI clips (import.h: raw_actions, action_* meta slots with the arrows as shortcuts,
// mouse_trajectories and cursor_valid with no cursor), so the same loader and encoder read them.
#pragma once

#include <cstdint>
#include <string>

#include "nc/data/clip.h"

namespace nc::gui {

struct SquareActionsOptions {
  int clips = 64, frames = 9, size = 32, square = 6, step = 4, slots = 2, clips_per_shard = 64;
  double press_probability = 0.6;
  uint64_t seed = 0;
};

// Clip `index` of the set (deterministic in (seed, index)).
data::Clip square_actions_clip(const SquareActionsOptions& options, int index);

// Writes options.clips clips to `out_dir` (shards + shards.json), with progress. Throws
// nc::Error on a bad option, naming it.
void write_square_actions(const SquareActionsOptions& options, const std::string& out_dir);

}  // namespace nc::gui
