#include "nc/gui/actions.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <ATen/ops/zeros.h>

#include "nc/core/error.h"
#include "nc/core/strings.h"
#include "nc/video/resize.h"

namespace nc::gui {
namespace {

int modifier_key(uint8_t bit) {
  switch (bit) {
    case kCtrl: return key_index("Control_L");
    case kShift: return key_index("Shift_L");
    case kAlt: return key_index("Alt_L");
    default: return key_index("Super_L");
  }
}

// The keys a typed text presses: printable ASCII, \n, \t; one <unk> per other code point.
template <class F>
void for_each_typed_key(const std::string& text, F&& f) {
  for (unsigned char c : text) {
    if (c >= 0x80 && c < 0xC0) continue;  // UTF-8 continuation bytes
    const std::string canon = c < 0x80 ? canonical_key(std::string(1, static_cast<char>(c))) : "";
    f(canon.empty() ? kUnknownKey : key_index(canon));
  }
}

double distance(const GuiFrame& a, const GuiFrame& b) {
  if (!a.has_cursor() || !b.has_cursor()) return 0;
  return std::hypot(a.x - b.x, a.y - b.y);
}

std::vector<std::string> split_chords(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& p : split(text, ' '))
    if (!trim(p).empty()) out.push_back(trim(p));
  return out;
}

}  // namespace

const std::vector<std::string>& mouse_event_names() {
  static const std::vector<std::string> names = {
      "left_click", "right_click", "middle_click", "double_click", "triple_click",  "left_down", "left_up",
      "drag",       "scroll_up",   "scroll_down",  "scroll_left",  "scroll_right", "move"};
  return names;
}

at::Tensor encode_raw_actions(const GuiTrace& trace, double move_threshold) {
  const int64_t T = static_cast<int64_t>(trace.frames.size());
  at::Tensor out = at::zeros({T, kRawActions}, at::kByte);
  uint8_t* p = out.data_ptr<uint8_t>();
  bool left_held = false;
  for (int64_t t = 0; t < T; ++t) {
    const GuiFrame& f = trace.frames[static_cast<size_t>(t)];
    uint8_t* mouse = p + t * kRawActions;
    uint8_t* keys = mouse + kMouseEvents;
    const double moved = t > 0 ? distance(trace.frames[static_cast<size_t>(t - 1)], f) : 0;
    if (moved > move_threshold) mouse[kMouseMove] = 1;
    bool held_in_frame = left_held;
    for (const GuiEvent& e : f.events) {
      switch (e.kind) {
        case EventKind::kClick:
          if (e.button == kLeftButton) {
            mouse[kMouseLeftClick] = 1;
            if (e.count == 2) mouse[kMouseDoubleClick] = 1;
            if (e.count >= 3) mouse[kMouseTripleClick] = 1;
          } else if (e.button == kRightButton) {
            mouse[kMouseRightClick] = 1;
          } else if (e.button == kMiddleButton) {
            mouse[kMouseMiddleClick] = 1;
          }
          break;
        case EventKind::kPress:
          if (e.button == kLeftButton) {
            mouse[kMouseLeftDown] = 1;
            left_held = held_in_frame = true;
            if (e.drag) mouse[kMouseDrag] = 1;
          }
          break;
        case EventKind::kRelease:
          if (e.button == kLeftButton) {
            mouse[kMouseLeftUp] = 1;
            left_held = false;
          } else if (e.button == kRightButton) {
            mouse[kMouseRightClick] = 1;  // a right/middle press-release counts as its click
          } else if (e.button == kMiddleButton) {
            mouse[kMouseMiddleClick] = 1;
          }
          break;
        case EventKind::kScroll: {
          const int idx = e.direction == Scroll::kUp     ? kMouseScrollUp
                          : e.direction == Scroll::kDown ? kMouseScrollDown
                          : e.direction == Scroll::kLeft ? kMouseScrollLeft
                                                         : kMouseScrollRight;
          if (e.amount > 0 && e.direction != Scroll::kNone) mouse[idx] = 1;
          break;
        }
        case EventKind::kKeyDown: keys[key_index(e.key)] = 1; break;
        case EventKind::kKeyUp: break;
        case EventKind::kText: for_each_typed_key(e.text, [&](int k) { keys[k] = 1; }); break;
        case EventKind::kChord:
          for (const auto& part : split_chords(e.text)) {
            const Chord ch = parse_chord(part, "chord");
            for (uint8_t bit : {kCtrl, kShift, kAlt, kMeta})
              if (ch.modifiers & bit) keys[modifier_key(bit)] = 1;
            if (ch.key >= 0) keys[ch.key] = 1;
          }
          break;
      }
    }
    // PAPER.md §2.3: the log keeps a drag-active flag: the left button held while moving.
    if (held_in_frame && moved > 0) mouse[kMouseDrag] = 1;
  }
  return out;
}

bool letterbox_point(double x, double y, int screen_width, int screen_height, int width, int height, double* nx,
                     double* ny) {
  if (!std::isfinite(x) || !std::isfinite(y)) return false;
  const video::LetterboxGeometry g = video::letterbox_geometry(screen_width, screen_height, width, height);
  // PAPER.md §1.3: x_t = (s * x + p_x) / (w_dst - 1), y_t likewise.
  *nx = std::clamp((g.scale * x + g.pad_x) / (width - 1), 0.0, 1.0);
  *ny = std::clamp((g.scale * y + g.pad_y) / (height - 1), 0.0, 1.0);
  return true;
}

Trajectory mouse_trajectories(const GuiTrace& trace, int width, int height) {
  check(width > 1 && height > 1, "target frame size must be at least 2x2", "mouse_trajectories");
  const int64_t T = static_cast<int64_t>(trace.frames.size());
  Trajectory out{at::zeros({T, 2}, at::kFloat), at::zeros({T}, at::kByte)};
  float* xy = out.xy.data_ptr<float>();
  uint8_t* valid = out.valid.data_ptr<uint8_t>();
  for (int64_t t = 0; t < T; ++t) {
    const GuiFrame& f = trace.frames[static_cast<size_t>(t)];
    double nx = 0, ny = 0;
    if (letterbox_point(f.x, f.y, trace.screen_width, trace.screen_height, width, height, &nx, &ny)) {
      xy[2 * t] = static_cast<float>(nx);
      xy[2 * t + 1] = static_cast<float>(ny);
      valid[t] = 1;
    }
  }
  return out;
}

at::Tensor scroll_deltas(const GuiTrace& trace) {
  const int64_t T = static_cast<int64_t>(trace.frames.size());
  at::Tensor out = at::zeros({T, 2}, at::kFloat);
  float* d = out.data_ptr<float>();
  for (int64_t t = 0; t < T; ++t)
    for (const GuiEvent& e : trace.frames[static_cast<size_t>(t)].events) {
      if (e.kind != EventKind::kScroll) continue;
      const float a = static_cast<float>(e.amount);
      if (e.direction == Scroll::kUp) d[2 * t + 1] -= a;
      if (e.direction == Scroll::kDown) d[2 * t + 1] += a;
      if (e.direction == Scroll::kLeft) d[2 * t] -= a;
      if (e.direction == Scroll::kRight) d[2 * t] += a;
    }
  return out;
}

int shortcut_id(uint8_t modifiers, int key) {
  check(modifiers < kModifierCombos && key >= 0 && key < kKeyboardKeys, "shortcut out of range", "shortcut_id");
  return 1 + modifiers * kKeyboardKeys + key;
}

std::string shortcut_name(int id) {
  if (id <= 0 || id >= kShortcutVocab) return {};
  const int m = (id - 1) / kKeyboardKeys, k = (id - 1) % kKeyboardKeys;
  return chord_text(static_cast<uint8_t>(m), key_names()[static_cast<size_t>(k)]);
}

namespace {

// A chord as a shortcut: a modifier-only chord ("super") names its first modifier as the key.
int chord_shortcut(uint8_t modifiers, int key) {
  if (key < 0) {
    for (uint8_t bit : {kCtrl, kShift, kAlt, kMeta})
      if (modifiers & bit) return shortcut_id(static_cast<uint8_t>(modifiers & ~bit), modifier_key(bit));
    return 0;
  }
  return shortcut_id(modifiers, key);
}

struct Slot {
  int type = kMetaNone, button = 0, click_count = 0, drag = 0, direction = 0, amount = 0, shortcut = 0;
  std::string text;
};

}  // namespace

int shortcut_from_combo(const std::string& combo) {
  const Chord ch = parse_chord(combo, "shortcut '" + combo + "'");
  return chord_shortcut(ch.modifiers, ch.key);
}

MetaActions encode_meta_actions(const GuiTrace& trace, int slots, double move_threshold) {
  check(slots >= 1, "at least one meta-action slot is needed", "gui.slots");
  const int64_t T = static_cast<int64_t>(trace.frames.size());
  const size_t nframes = trace.frames.size();

  // Which presses drag: the cursor moves more than move_threshold before the release.
  std::map<std::pair<size_t, size_t>, bool> press_drags;  // (frame, event) -> drag
  for (size_t t = 0; t < nframes; ++t) {
    const auto& events = trace.frames[t].events;
    for (size_t i = 0; i < events.size(); ++i) {
      if (events[i].kind != EventKind::kPress) continue;
      bool drag = events[i].drag;
      const GuiFrame& start = trace.frames[t];
      bool released = false;
      for (size_t j = i + 1; j < events.size() && !released; ++j)
        released = events[j].kind == EventKind::kRelease && events[j].button == events[i].button;
      for (size_t u = t + 1; u < nframes && !released && !drag; ++u) {
        drag = distance(start, trace.frames[u]) > move_threshold;
        for (const auto& e : trace.frames[u].events)
          released |= e.kind == EventKind::kRelease && e.button == events[i].button;
      }
      press_drags[{t, i}] = drag;
    }
  }

  MetaActions out;
  for (at::Tensor* x : {&out.types, &out.button, &out.click_count, &out.drag, &out.scroll_direction,
                        &out.scroll_amount, &out.shortcut})
    *x = at::zeros({T, slots}, at::kLong);
  out.text.assign(nframes, std::vector<std::string>(static_cast<size_t>(slots)));

  uint8_t held = 0;
  std::map<std::string, uint8_t> held_keys;
  for (size_t t = 0; t < nframes; ++t) {
    std::vector<Slot> list;
    auto typed = [&](const std::string& s) {
      if (!list.empty() && list.back().type == kMetaType) list.back().text += s;
      else list.push_back(Slot{kMetaType, 0, 0, 0, 0, 0, 0, s});
    };
    // A key press: typed text, a shortcut, or (a modifier) nothing.
    auto key_press = [&](uint8_t mods, int key) {
      const char c = key_char(key);
      if (c != 0 && (mods & (kCtrl | kAlt | kMeta)) == 0) {
        typed(std::string(1, (mods & kShift) ? shifted_char(c) : c));
      } else {
        Slot s;
        s.type = kMetaShortcut;
        s.shortcut = chord_shortcut(mods, key);
        list.push_back(s);
      }
    };
    const auto& events = trace.frames[t].events;
    for (size_t i = 0; i < events.size(); ++i) {
      const GuiEvent& e = events[i];
      switch (e.kind) {
        case EventKind::kClick: list.push_back(Slot{kMetaClick, e.button, e.count, 0, 0, 0, 0, {}}); break;
        case EventKind::kPress:
          list.push_back(Slot{kMetaClick, e.button, 0, press_drags[{t, i}] ? 1 : 0, 0, 0, 0, {}});
          break;
        case EventKind::kRelease: break;
        case EventKind::kScroll:
          if (e.amount <= 0 || e.direction == Scroll::kNone) break;
          if (!list.empty() && list.back().type == kMetaScroll &&
              list.back().direction == static_cast<int>(e.direction)) {
            list.back().amount += e.amount;
          } else {
            list.push_back(Slot{kMetaScroll, 0, 0, 0, static_cast<int>(e.direction), e.amount, 0, {}});
          }
          break;
        case EventKind::kKeyDown:
        case EventKind::kKeyUp: {
          const int key = key_index(e.key);
          const uint8_t mod = key_modifier(key);
          if (mod != 0) {
            if (e.kind == EventKind::kKeyDown) held_keys[e.key] = mod;
            else held_keys.erase(e.key);
            held = 0;
            for (const auto& [k, m] : held_keys) held |= m;
          } else if (e.kind == EventKind::kKeyDown) {
            key_press(held, key);
          }
          break;
        }
        case EventKind::kText: typed(e.text); break;
        case EventKind::kChord:
          for (const auto& part : split_chords(e.text)) {
            const Chord ch = parse_chord(part, "chord");
            if (ch.key < 0) {
              Slot s;
              s.type = kMetaShortcut;
              s.shortcut = chord_shortcut(static_cast<uint8_t>(ch.modifiers | held), -1);
              list.push_back(s);
            } else {
              key_press(static_cast<uint8_t>(ch.modifiers | held), ch.key);
            }
          }
          break;
      }
    }
    if (list.size() > static_cast<size_t>(slots)) {
      out.overflow += static_cast<int>(list.size()) - slots;
      list.resize(static_cast<size_t>(slots));
    }
    for (size_t s = 0; s < list.size(); ++s) {
      const Slot& sl = list[s];
      const int64_t ti = static_cast<int64_t>(t), si = static_cast<int64_t>(s);
      auto put = [&](at::Tensor& x, int v) { x.data_ptr<int64_t>()[ti * slots + si] = v; };
      put(out.types, sl.type);
      put(out.button, sl.button);
      put(out.click_count, sl.click_count);
      put(out.drag, sl.drag);
      put(out.scroll_direction, sl.direction);
      put(out.scroll_amount, sl.amount);
      put(out.shortcut, sl.shortcut);
      out.text[t][s] = sl.text;
    }
  }
  return out;
}

at::Tensor typed_text_bytes(const MetaActions& meta, int max_bytes) {
  check(max_bytes > 0, "typed text needs room for at least one byte", "gui.text_bytes");
  const int64_t frames = meta.types.size(0), slots = meta.types.size(1);
  at::Tensor bytes = at::zeros({frames, slots, max_bytes}, at::kShort);
  auto acc = bytes.accessor<int16_t, 3>();
  for (int64_t t = 0; t < frames; ++t)
    for (int64_t s = 0; s < slots && s < static_cast<int64_t>(meta.text[static_cast<size_t>(t)].size()); ++s) {
      const std::string& text = meta.text[static_cast<size_t>(t)][static_cast<size_t>(s)];
      size_t n = std::min(text.size(), static_cast<size_t>(max_bytes));
      while (n < text.size() && n > 0 && (static_cast<uint8_t>(text[n]) & 0xC0) == 0x80) --n;  // whole characters
      for (size_t i = 0; i < n; ++i) acc[t][s][static_cast<int64_t>(i)] = static_cast<int16_t>(static_cast<uint8_t>(text[i]) + 1);
    }
  return bytes;
}

}  // namespace nc::gui
