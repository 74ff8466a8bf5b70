// `nc data synth-actions`: GUI datasets whose next frame depends on the action, for testing
// and measuring action conditioning (docs/ACTIONS.md). Two tasks:
//   square: a white square on a dark screen moves `step` pixels in the frame where an arrow key
//           is pressed (clamped at the border); each frame has a key press with probability
//           `press_probability`;
//   cursor: the paper's arrow cursor (gui/cursor.h, `cursor_size` px high) over a dark screen
//           with three fixed coloured rectangles; in each frame, with probability
//           `press_probability`, the mouse moves by up to `step` pixels in x and y (clamped to
//           the frame); the log gives every frame's position (PAPER.md §1.3 Exp 8).
// The clips carry the tensors of imported GUI clips (import.h: raw_actions, action_* meta slots
// with the arrows as shortcuts, mouse_trajectories, cursor_valid, cursor_screen and the cursor
// reference patches), so the same loader and encoder read them.
#pragma once

#include <cstdint>
#include <string>

#include "nc/data/clip.h"

namespace nc::gui {

struct SyntheticActionsOptions {
  std::string task = "square";  // square | cursor
  int clips = 64, frames = 9, size = 32, square = 6, step = 4, slots = 2, clips_per_shard = 64;
  int cursor_size = 12;  // cursor: the arrow's height in pixels
  double press_probability = 0.6;
  uint64_t seed = 0;
};

// Clip `index` of the set (deterministic in (seed, index)).
data::Clip synthetic_actions_clip(const SyntheticActionsOptions& options, int index);

// Writes options.clips clips to `out_dir` (shards + shards.json), with progress. Throws
// nc::Error on a bad option, naming it.
void write_synthetic_actions(const SyntheticActionsOptions& options, const std::string& out_dir);

}  // namespace nc::gui
