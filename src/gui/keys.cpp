#include "nc/gui/keys.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "nc/core/error.h"
#include "nc/core/strings.h"

namespace nc::gui {
namespace {

// X keysym names of printable ASCII 0x20..0x7e, in code order.
const char* const kPrintable[95] = {
    "space",     "exclam",     "quotedbl",     "numbersign", "dollar",     "percent",   "ampersand",
    "apostrophe", "parenleft", "parenright",   "asterisk",   "plus",       "comma",     "minus",
    "period",    "slash",      "0",            "1",          "2",          "3",         "4",
    "5",         "6",          "7",            "8",          "9",          "colon",     "semicolon",
    "less",      "equal",      "greater",      "question",   "at",         "A",         "B",
    "C",         "D",          "E",            "F",          "G",          "H",         "I",
    "J",         "K",          "L",            "M",          "N",          "O",         "P",
    "Q",         "R",          "S",            "T",          "U",          "V",         "W",
    "X",         "Y",          "Z",            "bracketleft", "backslash", "bracketright", "asciicircum",
    "underscore", "grave",     "a",            "b",          "c",          "d",         "e",
    "f",         "g",          "h",            "i",          "j",          "k",         "l",
    "m",         "n",          "o",            "p",          "q",          "r",         "s",
    "t",         "u",          "v",            "w",          "x",          "y",         "z",
    "braceleft", "bar",        "braceright",   "asciitilde"};

const char* const kSpecial[] = {
    // 95..108 editing and navigation
    "Return", "Tab", "BackSpace", "Delete", "Escape", "Insert", "Home", "End", "Prior", "Next", "Up", "Down",
    "Left", "Right",
    // 109..120
    "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12",
    // 121..130 modifiers
    "Shift_L", "Shift_R", "Control_L", "Control_R", "Alt_L", "Alt_R", "Super_L", "Super_R", "Meta_L", "Meta_R",
    // 131..133
    "Caps_Lock", "Num_Lock", "Scroll_Lock",
    // 134..142
    "Print", "Pause", "Break", "Menu", "Clear", "Help", "Select", "Execute", "Mode_switch",
    // 143..158 keypad
    "KP_0", "KP_1", "KP_2", "KP_3", "KP_4", "KP_5", "KP_6", "KP_7", "KP_8", "KP_9", "KP_Decimal", "KP_Divide",
    "KP_Multiply", "KP_Subtract", "KP_Add", "KP_Enter",
    // 159..165 media
    "XF86AudioLowerVolume", "XF86AudioRaiseVolume", "XF86AudioMute", "XF86AudioPlay", "XF86AudioNext",
    "XF86AudioPrev", "XF86AudioStop",
    // 166..168
    "XF86Sleep", "Separator", "<unk>"};
static_assert(95 + sizeof(kSpecial) / sizeof(kSpecial[0]) == kKeyboardKeys, "the keyboard vocabulary has 169 keys");

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Tables {
  std::vector<std::string> names;
  std::unordered_map<std::string, int> index;        // exact canonical name -> index
  std::unordered_map<std::string, std::string> alias;  // lower-case alias -> canonical
};

const Tables& tables() {
  static const Tables t = [] {
    Tables t;
    for (const char* n : kPrintable) t.names.emplace_back(n);
    for (const char* n : kSpecial) t.names.emplace_back(n);
    for (size_t i = 0; i < t.names.size(); ++i) t.index.emplace(t.names[i], static_cast<int>(i));
    // Case-insensitive forms of every multi-character name.
    for (const auto& n : t.names)
      if (n.size() > 1 && n != "<unk>") t.alias.emplace(lower(n), n);
    const std::pair<const char*, const char*> extra[] = {
        {"enter", "Return"},        {"ret", "Return"},          {"newline", "Return"},
        {"backspace", "BackSpace"}, {"bksp", "BackSpace"},      {"del", "Delete"},
        {"esc", "Escape"},          {"ins", "Insert"},          {"pageup", "Prior"},
        {"page_up", "Prior"},       {"pgup", "Prior"},          {"pagedown", "Next"},
        {"page_down", "Next"},      {"pgdn", "Next"},           {"arrowup", "Up"},
        {"arrowdown", "Down"},      {"arrowleft", "Left"},      {"arrowright", "Right"},
        {"ctrl", "Control_L"},      {"control", "Control_L"},   {"lctrl", "Control_L"},
        {"rctrl", "Control_R"},     {"ctrl_l", "Control_L"},    {"ctrl_r", "Control_R"},
        {"shift", "Shift_L"},       {"lshift", "Shift_L"},      {"rshift", "Shift_R"},
        {"alt", "Alt_L"},           {"option", "Alt_L"},        {"lalt", "Alt_L"},
        {"ralt", "Alt_R"},          {"super", "Super_L"},       {"win", "Super_L"},
        {"windows", "Super_L"},     {"cmd", "Super_L"},         {"command", "Super_L"},
        {"meta", "Meta_L"},         {"capslock", "Caps_Lock"},  {"numlock", "Num_Lock"},
        {"scrolllock", "Scroll_Lock"}, {"printscreen", "Print"}, {"prtsc", "Print"},
        {"spacebar", "space"},      {"kp_separator", "Separator"},
    };
    for (const auto& [a, c] : extra) t.alias.emplace(a, c);
    return t;
  }();
  return t;
}

}  // namespace

const std::vector<std::string>& key_names() { return tables().names; }

int key_index(std::string_view canonical) {
  const auto& t = tables();
  auto it = t.index.find(std::string(canonical));
  return it == t.index.end() || it->second == kUnknownKey ? kUnknownKey : it->second;
}

std::string canonical_key(std::string_view name) {
  const auto& t = tables();
  if (name.size() == 1) {
    const char c = name[0];
    if (c >= 0x20 && c <= 0x7e) return kPrintable[c - 0x20];
    if (c == '\t') return "Tab";
    if (c == '\n' || c == '\r') return "Return";
    if (c == '\b') return "BackSpace";
    if (c == 0x1b) return "Escape";
    return {};
  }
  if (name.empty()) return {};
  auto exact = t.index.find(std::string(name));
  if (exact != t.index.end() && exact->second != kUnknownKey) return exact->first;
  auto it = t.alias.find(lower(name));
  if (it != t.alias.end()) return it->second;
  return {};
}

char key_char(int index) { return index >= 0 && index < 95 ? static_cast<char>(0x20 + index) : 0; }

int char_key(char c) { return c >= 0x20 && c <= 0x7e ? c - 0x20 : -1; }

uint8_t key_modifier(int index) {
  if (index < 0 || index >= kKeyboardKeys) return 0;
  const std::string& n = key_names()[static_cast<size_t>(index)];
  if (starts_with(n, "Shift_")) return kShift;
  if (starts_with(n, "Control_")) return kCtrl;
  if (starts_with(n, "Alt_")) return kAlt;
  if (starts_with(n, "Super_") || starts_with(n, "Meta_")) return kMeta;
  return 0;
}

char shifted_char(char c) {
  if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 'A');
  static const std::string plain = "1234567890-=[]\\;',./`", shifted = "!@#$%^&*()_+{}|:\"<>?~";
  const size_t i = plain.find(c);
  return i == std::string::npos ? c : shifted[i];
}

Chord parse_chord(std::string_view combo, const std::string& where) {
  const std::string text = trim(combo);
  check(!text.empty(), "empty key chord", where);
  // A lone "+" (or a combo ending in "++") names the plus key.
  std::vector<std::string> parts;
  if (text == "+") {
    parts = {"+"};
  } else {
    parts = split(text, '+');
    if (ends_with(text, "++")) {
      parts.pop_back();
      parts.back() = "+";
    }
  }
  Chord chord;
  for (const std::string& raw : parts) {
    const std::string part = raw == "+" ? "+" : trim(raw);
    check(!part.empty(), "key chord '" + text + "' has an empty part", where,
          "write chords as xdotool does: ctrl+shift+t");
    const std::string canon = canonical_key(part);
    const int index = canon.empty() ? kUnknownKey : key_index(canon);
    const uint8_t mod = key_modifier(index);
    if (mod != 0) {  // modifiers anywhere, or alone ("ctrl"), only set bits
      chord.modifiers |= mod;
      continue;
    }
    check(chord.key < 0, "key chord '" + text + "' names two non-modifier keys", where,
          "one key per chord; separate chords with spaces");
    chord.key = index;
    chord.key_name = canon.empty() ? std::string(part) : canon;
  }
  return chord;
}

std::string chord_text(uint8_t modifiers, const std::string& key_name) {
  std::vector<std::string> parts;
  if (modifiers & kAlt) parts.push_back("alt");
  if (modifiers & kCtrl) parts.push_back("ctrl");
  if (modifiers & kMeta) parts.push_back("meta");
  if (modifiers & kShift) parts.push_back("shift");
  if (!key_name.empty()) parts.push_back(key_name);
  return join(parts, "+");
}

}  // namespace nc::gui
