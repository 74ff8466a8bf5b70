#include "nc/gui/synthetic_actions.h"

#include <algorithm>
#include <map>
#include <random>

#include <ATen/ops/ones.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include "nc/core/error.h"
#include "nc/core/progress.h"
#include "nc/data/shard.h"
#include "nc/gui/actions.h"
#include "nc/gui/cursor.h"
#include "nc/gui/keys.h"

namespace nc::gui {

namespace {

constexpr uint8_t kScreen[3] = {24, 24, 32};

void draw(data::Clip& clip, int size, int square, int x, int y) {
  Image img(size, size, kScreen[0], kScreen[1], kScreen[2]);
  for (int yy = y; yy < y + square; ++yy)
    for (int xx = x; xx < x + square; ++xx)
      for (int c = 0; c < 3; ++c) img.rgb[(static_cast<size_t>(yy) * size + xx) * 3 + c] = 240;
  clip.frames.push_back(std::move(img));
}

// The tensors every synthetic clip has (import.h): no-op meta slots, the given ones replaced.
std::map<std::string, at::Tensor> gui_tensors(int64_t frames, int slots) {
  const at::Tensor slots0 = at::zeros({frames, slots}, at::kLong);
  return {{"raw_actions", at::zeros({frames, kRawActions}, at::kByte)},
          {"mouse_trajectories", at::zeros({frames, 2}, at::kFloat)},
          {"cursor_valid", at::zeros({frames}, at::kByte)},
          {"action_types", slots0},
          {"action_button", slots0},
          {"action_click_count", slots0},
          {"action_drag", slots0},
          {"action_scroll_direction", slots0},
          {"action_scroll_amount", slots0},
          {"action_shortcut", slots0}};
}

data::Clip square_clip(const SyntheticActionsOptions& o, int index) {
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
  clip.tensors = gui_tensors(t, o.slots);
  clip.tensors["raw_actions"] = raw;
  clip.tensors["action_types"] = types;
  clip.tensors["action_shortcut"] = shortcut;
  clip.info["source"] = "nc data synth-actions";
  return clip;
}

data::Clip cursor_clip(const SyntheticActionsOptions& o, int index) {
  std::mt19937_64 rng(o.seed * 1000003ULL + static_cast<uint64_t>(index) + 0x5eed);
  std::uniform_int_distribution<int> pixel(0, o.size - 1), move(-o.step, o.step);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  // The desktop: three fixed rectangles in distinct colours, the same in every frame.
  static const uint8_t kColours[3][3] = {{200, 80, 80}, {80, 170, 90}, {90, 120, 210}};
  Image desktop(o.size, o.size, kScreen[0], kScreen[1], kScreen[2]);
  std::uniform_int_distribution<int> extent(o.size / 8 + 1, o.size / 3 + 1);
  for (const auto& colour : kColours) {
    const int w = extent(rng), h = extent(rng), x0 = pixel(rng), y0 = pixel(rng);
    for (int y = y0; y < std::min(o.size, y0 + h); ++y)
      for (int x = x0; x < std::min(o.size, x0 + w); ++x)
        std::copy(colour, colour + 3, &desktop.rgb[(static_cast<size_t>(y) * o.size + x) * 3]);
  }
  const CursorSprite sprite = arrow_cursor(o.cursor_size);
  data::Clip clip;
  clip.id = "cursor_" + std::to_string(index);
  clip.fps = 15;
  clip.captions = {"a cursor on a desktop", "a mouse cursor moving over a desktop",
                   "the arrow cursor follows the mouse"};
  const int64_t t = o.frames;
  at::Tensor xy = at::zeros({t, 2}, at::kFloat), screen = at::zeros({t, 2}, at::kFloat);
  int x = pixel(rng), y = pixel(rng);
  for (int f = 0; f < o.frames; ++f) {
    if (f > 0 && unit(rng) < o.press_probability) {  // the logged move lands in frame f
      x = std::clamp(x + move(rng), 0, o.size - 1);
      y = std::clamp(y + move(rng), 0, o.size - 1);
    }
    Image frame = desktop;
    draw_cursor(frame, sprite, x, y);
    clip.frames.push_back(std::move(frame));
    // PAPER.md §1.3: x_t = x / (w - 1), so hotspot_pixel() maps it back to (x, y).
    xy[f][0] = static_cast<float>(x) / static_cast<float>(o.size - 1);
    xy[f][1] = static_cast<float>(y) / static_cast<float>(o.size - 1);
    screen[f][0] = static_cast<float>(x);
    screen[f][1] = static_cast<float>(y);
  }
  clip.tensors = gui_tensors(t, o.slots);
  const at::Tensor valid = at::ones({t}, at::kByte);
  clip.tensors["mouse_trajectories"] = xy;
  clip.tensors["cursor_valid"] = valid;
  clip.tensors["cursor_screen"] = screen;
  const CursorPatches patches = cursor_patches(xy, valid, o.size, o.size, sprite, {128, 128, 128});
  clip.tensors["ref_patch_xy"] = patches.xy;
  clip.tensors["ref_mask_patch"] = patches.mask;
  clip.tensors["ref_image_patch"] = patches.image;
  clip.info["source"] = "nc data synth-actions --task cursor";
  return clip;
}

}  // namespace

data::Clip synthetic_actions_clip(const SyntheticActionsOptions& o, int index) {
  return o.task == "cursor" ? cursor_clip(o, index) : square_clip(o, index);
}

void write_synthetic_actions(const SyntheticActionsOptions& o, const std::string& out_dir) {
  constexpr const char* kWhere = "nc data synth-actions";
  check(o.task == "square" || o.task == "cursor",
        "--task must be square or cursor, not '" + o.task + "'", kWhere);
  check(o.clips > 0, "--clips must be positive", kWhere);
  check(o.frames >= 2, "--frames must be at least 2", kWhere);
  check(o.size >= 2, "--size must be at least 2", kWhere);
  check(o.task != "square" || (o.square > 0 && o.square < o.size),
        "--square must be in (0, --size)", kWhere);
  check(o.task != "cursor" || (o.cursor_size >= 4 && o.cursor_size <= 512),
        "--cursor-size must be in [4, 512]", kWhere);
  check(o.step > 0 && o.slots > 0 && o.clips_per_shard > 0,
        "--step, --slots and clips per shard must be positive", kWhere);
  check(o.press_probability >= 0 && o.press_probability <= 1,
        "--press-probability must be in [0, 1]", kWhere);
  nlohmann::json info = {{"generator", "synth-actions"},
                         {"task", o.task},
                         {"clips", o.clips},
                         {"frames", o.frames},
                         {"size", o.size},
                         {"step", o.step},
                         {"press_probability", o.press_probability},
                         {"seed", o.seed}};
  info[o.task == "cursor" ? "cursor_size" : "square"] =
      o.task == "cursor" ? o.cursor_size : o.square;
  data::ShardSetWriter writer(out_dir, static_cast<size_t>(o.clips_per_shard), info);
  Progress progress("synth-actions", o.clips, "clips");
  for (int i = 0; i < o.clips; ++i) {
    writer.add(synthetic_actions_clip(o, i));
    progress.advance();
  }
  writer.finish();
  progress.finish();
}

}  // namespace nc::gui
