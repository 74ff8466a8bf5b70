// Actions as tensors (PAPER.md §2.3), from an aligned trace (alignment.h).
//
// Raw v1: per frame the 13 mouse events then the 169 keyboard keys (keys.h), multi-hot,
// [T, 182] uint8, plus the cursor trajectory [T, 2] in [0, 1] through the letterbox. Mouse
// order (the paper leaves it open; docs/DATA.md has the table):
//
//   0 left_click   1 right_click  2 middle_click  3 double_click  4 triple_click
//   5 left_down    6 left_up      7 drag          8 scroll_up     9 scroll_down
//   10 scroll_left 11 scroll_right 12 move
//
// A key is set in the frame it is pressed (keydown; typed text and chords press their keys).
//
// Meta v2: S slots per frame (S = 2 in the paper), [T, S] int64 tensors, empty slots type 0:
//
//   type 1 click/drag  button (1 left, 2 middle, 3 right), click_count (1, 2, 3; 0 for a
//                      press), drag_flag (a press whose button moves > move_threshold px
//                      before its release)
//   type 2 scroll      scroll_direction (1 up, 2 down, 3 left, 4 right), scroll_amount
//   type 3 typed text  the text, kept as a string for the shared text encoder
//   type 4 shortcut    shortcut_id = 1 + 169 * modifiers + key (modifiers: ctrl 1, shift 2,
//                      alt 4, meta 8): a key pressed with ctrl/alt/meta held, or any key
//                      that types nothing (Return, Tab, F5, arrows, ...)
//
// Printable keys without ctrl/alt/meta are typed text (Shift shifts them, US layout);
// consecutive typing in a frame is one slot. Actions beyond S in a frame are dropped and
// counted (MetaActions::overflow).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/gui/keys.h"
#include "nc/gui/trace.h"

namespace nc::gui {

inline constexpr int kMouseEvents = 13;
inline constexpr int kRawActions = kMouseEvents + kKeyboardKeys;  // 182

enum MouseEventIndex : int {
  kMouseLeftClick = 0,
  kMouseRightClick,
  kMouseMiddleClick,
  kMouseDoubleClick,
  kMouseTripleClick,
  kMouseLeftDown,
  kMouseLeftUp,
  kMouseDrag,
  kMouseScrollUp,
  kMouseScrollDown,
  kMouseScrollLeft,
  kMouseScrollRight,
  kMouseMove,
};
const std::vector<std::string>& mouse_event_names();

// [T, 182] uint8: mouse events (13) then keys (169).
at::Tensor encode_raw_actions(const GuiTrace& trace, double move_threshold);

// Cursor positions through the letterbox of the screen into a `width` x `height` frame
// (PAPER.md §1.3): x = (s * x_screen + pad_x) / (width - 1), likewise y; xy [T, 2] float32 in
// [0, 1] (0 where unknown), valid [T] uint8.
struct Trajectory {
  at::Tensor xy, valid;
};
Trajectory mouse_trajectories(const GuiTrace& trace, int width, int height);
// One point; false when (x, y) is unknown (NaN).
bool letterbox_point(double x, double y, int screen_width, int screen_height, int width, int height, double* nx,
                     double* ny);

// [T, 2] float32: wheel clicks per frame, x right-positive, y down-positive.
at::Tensor scroll_deltas(const GuiTrace& trace);

enum MetaType : int { kMetaNone = 0, kMetaClick = 1, kMetaScroll = 2, kMetaType = 3, kMetaShortcut = 4 };

struct MetaActions {
  // Each [T, S] int64.
  at::Tensor types, button, click_count, drag, scroll_direction, scroll_amount, shortcut;
  std::vector<std::vector<std::string>> text;  // [T][S]: typed text of type-3 slots, else ""
  int overflow = 0;                            // actions dropped for want of a slot
};
MetaActions encode_meta_actions(const GuiTrace& trace, int slots, double move_threshold);
// The typed text of the type-3 slots as bytes, [T, S, max_bytes] int16: byte + 1, 0 = padding;
// a text longer than max_bytes keeps its first whole UTF-8 characters that fit.
at::Tensor typed_text_bytes(const MetaActions& meta, int max_bytes);

// The shortcut vocabulary: id 0 = none; 1 + 169 * modifiers + key otherwise.
inline constexpr int kShortcutVocab = 1 + kModifierCombos * kKeyboardKeys;  // 2705
int shortcut_id(uint8_t modifiers, int key);
std::string shortcut_name(int id);  // "ctrl+shift+t", "Return"; "" for 0
// The id of a chord ("ctrl+c"); throws nc::Error on a malformed one.
int shortcut_from_combo(const std::string& combo);

}  // namespace nc::gui
