// A desktop trace after alignment: one entry per video frame with the cursor position and the
// input events that land on that frame. Every log format (csv_log.h, action_json.h) becomes
// this (alignment.h), the recorder logs it, and the encoders (actions.h) read it.
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace nc::gui {

enum class EventKind {
  kClick,    // button pressed and released; `count` 1, 2 (double) or 3 (triple)
  kPress,    // button pressed (held until a kRelease)
  kRelease,  // button released
  kScroll,   // wheel: `direction`, `amount` clicks
  kKeyDown,  // `key`: canonical keysym name (or the logged name when unrecognised)
  kKeyUp,
  kText,     // typed text, `text` (computer-use `type` actions)
  kChord,    // a pressed-and-released chord, `text` as logged ("ctrl+s", "Return")
};

enum class Scroll { kNone = 0, kUp = 1, kDown = 2, kLeft = 3, kRight = 4 };

// Mouse buttons as X numbers them.
inline constexpr int kLeftButton = 1, kMiddleButton = 2, kRightButton = 3;

struct GuiEvent {
  EventKind kind = EventKind::kClick;
  int button = 0;  // kClick/kPress/kRelease: 1 left, 2 middle, 3 right
  int count = 1;   // kClick
  bool drag = false;  // kPress: the log says this press drags (left_click_drag)
  Scroll direction = Scroll::kNone;
  int amount = 0;  // kScroll: wheel clicks
  std::string key;   // kKeyDown/kKeyUp
  std::string text;  // kText, kChord

  static GuiEvent click(int button, int count = 1) {
    GuiEvent e;
    e.kind = EventKind::kClick;
    e.button = button;
    e.count = count;
    return e;
  }
  static GuiEvent press(int button) {
    GuiEvent e;
    e.kind = EventKind::kPress;
    e.button = button;
    return e;
  }
  static GuiEvent release(int button) {
    GuiEvent e;
    e.kind = EventKind::kRelease;
    e.button = button;
    return e;
  }
  static GuiEvent scroll(Scroll direction, int amount) {
    GuiEvent e;
    e.kind = EventKind::kScroll;
    e.direction = direction;
    e.amount = amount;
    return e;
  }
  static GuiEvent key_down(std::string key) {
    GuiEvent e;
    e.kind = EventKind::kKeyDown;
    e.key = std::move(key);
    return e;
  }
  static GuiEvent key_up(std::string key) {
    GuiEvent e;
    e.kind = EventKind::kKeyUp;
    e.key = std::move(key);
    return e;
  }
  static GuiEvent typed(std::string text) {
    GuiEvent e;
    e.kind = EventKind::kText;
    e.text = std::move(text);
    return e;
  }
  static GuiEvent chord(std::string combo) {
    GuiEvent e;
    e.kind = EventKind::kChord;
    e.text = std::move(combo);
    return e;
  }
  bool operator==(const GuiEvent& o) const {
    return kind == o.kind && button == o.button && count == o.count && drag == o.drag && direction == o.direction &&
           amount == o.amount && key == o.key && text == o.text;
  }
};

struct GuiFrame {
  double x = NAN, y = NAN;  // cursor in screen pixels; NaN when unknown
  std::vector<GuiEvent> events;
  bool has_cursor() const { return std::isfinite(x) && std::isfinite(y); }
};

struct GuiTrace {
  double fps = 15;
  int screen_width = 1024, screen_height = 768;
  std::vector<GuiFrame> frames;
};

// "up" / "down" / "left" / "right" (and "none").
const char* scroll_name(Scroll s);
// The inverse; nullopt-like kNone for anything else.
Scroll scroll_from_name(const std::string& name);

}  // namespace nc::gui
