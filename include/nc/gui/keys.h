// The keyboard vocabulary: the 169 keys of the raw v1 encoding (PAPER.md §2.3 gives the size
// only; the order is ours and is documented in docs/DATA.md). This file and keys.cpp are the
// single source of truth: names are X keysym names, as xdotool and the paper's logs write
// them; index 168 stands for every key outside the vocabulary.
//
//   0..94     printable ASCII 0x20..0x7e in code order ("space", "exclam", ..., "asciitilde")
//   95..108   Return Tab BackSpace Delete Escape Insert Home End Prior Next Up Down Left Right
//   109..120  F1..F12
//   121..130  Shift_L Shift_R Control_L Control_R Alt_L Alt_R Super_L Super_R Meta_L Meta_R
//   131..133  Caps_Lock Num_Lock Scroll_Lock
//   134..142  Print Pause Break Menu Clear Help Select Execute Mode_switch
//   143..158  KP_0..KP_9 KP_Decimal KP_Divide KP_Multiply KP_Subtract KP_Add KP_Enter
//   159..165  XF86AudioLowerVolume XF86AudioRaiseVolume XF86AudioMute XF86AudioPlay
//             XF86AudioNext XF86AudioPrev XF86AudioStop
//   166..167  XF86Sleep Separator
//   168       <unk>
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nc::gui {

inline constexpr int kKeyboardKeys = 169;
inline constexpr int kUnknownKey = 168;

// Modifier bits of chords and shortcuts; names in combos are ctrl, shift, alt, meta
// (PAPER.md §1.3 item 6: Control_* -> ctrl, Shift_* -> shift, Alt_* -> alt, Super_*/Meta_* -> meta).
enum Modifier : uint8_t { kCtrl = 1, kShift = 2, kAlt = 4, kMeta = 8 };
inline constexpr int kModifierCombos = 16;

// The 169 names in index order.
const std::vector<std::string>& key_names();

// The vocabulary index of a canonical name; kUnknownKey when it is not in the vocabulary.
int key_index(std::string_view canonical);

// A key name as logs write it -> the canonical keysym name, "" when unrecognised. Accepts the
// keysym names themselves, single printable characters ("a", "!", " " -> "exclam", "space"),
// control characters ("\t" -> Tab, "\n" -> Return) and common aliases, case-insensitive for
// names longer than one character ("enter", "ctrl", "cmd", "pageup", "esc", "f5", ...).
std::string canonical_key(std::string_view name);

// The printable character of a key (index 0..94), else 0.
char key_char(int index);
// The key of a printable ASCII character; -1 for anything else.
int char_key(char c);
// The modifier bit of a modifier key (Shift/Control/Alt/Super/Meta, left or right), else 0.
uint8_t key_modifier(int index);
// What a US keyboard types with Shift held: 'a' -> 'A', '1' -> '!', ... (others unchanged).
char shifted_char(char c);

// A chord as xdotool and the computer-use tool write it: "ctrl+shift+t", "Return", "alt+F4".
struct Chord {
  uint8_t modifiers = 0;  // Modifier bits
  int key = -1;           // vocabulary index of the non-modifier key; -1 for a modifier-only chord
  std::string key_name;   // its canonical name ("" when unknown or modifier-only)
};
// Throws nc::Error naming `where` for an empty chord or an empty part ("ctrl++").
Chord parse_chord(std::string_view combo, const std::string& where);
// "alt+ctrl+meta+shift" order (sorted, as the paper's converter writes combos) + key name.
std::string chord_text(uint8_t modifiers, const std::string& key_name);

}  // namespace nc::gui
