#include "nc/gui/synthetic_actions.h"

#include <algorithm>
#include <random>

#include <ATen/ops/zeros.h>

#include "nc/core/error.h"
#include "nc/core/progress.h"
#include "nc/data/shard.h"
#include "nc/gui/actions.h"
#include "nc/gui/keys.h"

namespace nc::gui {

namespace {

void draw(data::Clip& clip, int size, int square, int x, int y) {
  Image img(size, size, 24, 24, 32);
  for (int yy = y; yy < y + square; ++yy)
    for (int xx = x; xx < x + square; ++xx)
      for (int c = 0; c < 3; ++c) img.rgb[(static_cast<size_t>(yy) * size + xx) * 3 + c] = 240;
  clip.frames.push_back(std::move(img));
}

}  // namespace

data::Clip square_actions_clip(const SquareActionsOptions& o, int index) {
  struct Arrow {
    const char* name;
    int dx, dy;
  };
  static const Arrow kArrows[] = {{"Left", -1, 0}, {"Right", 1, 0}, {"Up", 0, -1}, {"Down", 0, 1}};
  std::mt19937_64 rng(o.seed * 1000003ULL + static_cast<uint64_t>(index));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int span = o.size - o.square;
  int x = static_cast<int>(unit(rng) * (span + 1)), y = static_cast<int>(unit(rng) * (span + 1));
  x = std::min(x, span), y = std::min(y, span);

  data::Clip clip;
  clip.id = "square_" + std::to_string(index);
  clip.fps = 15;
  clip.captions = {"a square on a screen", "a square moved by the arrow keys", "a white square moved by arrow keys"};
  const int64_t t = o.frames;
  at::Tensor raw = at::zeros({t, kRawActions}, at::kByte);
  at::Tensor types = at::zeros({t, o.slots}, at::kLong), shortcut = at::zeros({t, o.slots}, at::kLong);
  for (int f = 0; f < o.frames; ++f) {
    // The first frame is the condition; a key pressed in frame f moves the square in frame f.
    if (f > 0 && unit(rng) < o.press_probability) {
      const Arrow& a = kArrows[static_cast<int>(unit(rng) * 4) % 4];
      const int key = key_index(a.name);
      x = std::clamp(x + a.dx * o.step, 0, span);
      y = std::clamp(y + a.dy * o.step, 0, span);
      raw[f][kMouseEvents + key] = 1;
      types[f][0] = kMetaShortcut;
      shortcut[f][0] = shortcut_id(0, key);
    }
    draw(clip, o.size, o.square, x, y);
  }
  const at::Tensor slots0 = at::zeros({t, o.slots}, at::kLong);
  clip.tensors = {{"raw_actions", raw},
                  {"mouse_trajectories", at::zeros({t, 2}, at::kFloat)},
                  {"cursor_valid", at::zeros({t}, at::kByte)},
                  {"action_types", types},
                  {"action_button", slots0},
                  {"action_click_count", slots0},
                  {"action_drag", slots0},
                  {"action_scroll_direction", slots0},
                  {"action_scroll_amount", slots0},
                  {"action_shortcut", shortcut}};
  clip.info["source"] = "nc data synth-actions";
  return clip;
}

void write_square_actions(const SquareActionsOptions& o, const std::string& out_dir) {
  check(o.clips > 0, "--clips must be positive", "nc data synth-actions");
  check(o.frames >= 2, "--frames must be at least 2", "nc data synth-actions");
  check(o.square > 0 && o.square < o.size, "--square must be in (0, --size)", "nc data synth-actions");
  check(o.step > 0 && o.slots > 0 && o.clips_per_shard > 0, "--step, --slots and clips per shard must be positive",
        "nc data synth-actions");
  check(o.press_probability >= 0 && o.press_probability <= 1, "--press-probability must be in [0, 1]",
        "nc data synth-actions");
  const nlohmann::json info = {{"generator", "synth-actions"}, {"clips", o.clips}, {"frames", o.frames},
                               {"size", o.size},          {"square", o.square}, {"step", o.step},
                               {"press_probability", o.press_probability}, {"seed", o.seed}};
  data::ShardSetWriter writer(out_dir, static_cast<size_t>(o.clips_per_shard), info);
  Progress progress("synth-actions", o.clips, "clips");
  for (int i = 0; i < o.clips; ++i) {
    writer.add(square_actions_clip(o, i));
    progress.advance();
  }
  writer.finish();
  progress.finish();
}

}  // namespace nc::gui
