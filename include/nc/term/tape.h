// VHS tapes (charmbracelet/vhs, the language the paper's CLIGen Clean scripts are written in,
// PAPER.md §1.2): the parser and the parsed tape. The subset is the one the paper lists:
// Output, Require, Set, Env, Type[@t], Sleep, the keys Enter Backspace Delete Insert Tab Space
// Escape Up Down Left Right PageUp PageDown with [@t] [n], Ctrl+/Alt+/Shift+ combinations, Hide,
// Show, Screenshot, and the metadata comments (# ID:, # INSTRUCTION:, # CLASS:, ...).
// Lexing follows VHS 0.10: strings in "…", '…' or `…` end at their quote or at the end of the
// line (no escapes), a bare word is a string, `Set Theme {…}` takes JSON across lines, a time
// is a number with an optional unit (ms, s, m; none = seconds). Errors name file:line:column and
// what was expected.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nc/term/screen.h"

namespace nc::term {

struct TapeLocation {
  int line = 0, column = 0;  // 1-based
};

struct TapeCommand {
  enum class Kind : uint8_t { kType, kKey, kSleep, kHide, kShow, kScreenshot };
  Kind kind = Kind::kType;
  TapeLocation at;
  std::string text;        // kType: the characters; kScreenshot: the path
  KeyPress key;            // kKey: the key and its modifiers
  std::string key_name;    // kKey: as written ("Enter", "Ctrl+C")
  double seconds = 0;      // kSleep: the pause
  double interval = 0.05;  // kType / kKey: seconds after each character or key press
  int repeat = 1;          // kKey: how many presses
};

// `Set` values. Unset ones take VHS 0.10's defaults when the tape is run (docs/DATA.md).
struct TapeSettings {
  std::string shell = "bash";
  std::optional<std::string> font_family, theme, margin_fill;
  std::optional<double> font_size, line_height, letter_spacing, playback_speed, framerate;
  std::optional<int> width, height, padding, margin, border_radius;
  double typing_speed = 0.05;  // the TypingSpeed in force at the end of the settings
};

struct Tape {
  std::string name;  // the file, for messages
  std::vector<std::string> outputs;
  std::vector<std::string> requires;
  std::map<std::string, std::string> env;  // Env KEY "value"
  TapeSettings settings;
  // The metadata comments: id, instruction, class (JSON object), level, interactive, events,
  // visual_complexity as typed values; any other `# UPPER_CASE: value` as a string under its
  // lower-cased key (e.g. answer, category, caption_type).
  nlohmann::json metadata = nlohmann::json::object();
  std::vector<TapeCommand> commands;  // the body, in order
  std::vector<std::string> warnings;  // "file:line:column: ..." for settings that change nothing here

  // The tape's id: metadata "id", else the file's stem.
  std::string id() const;
  // Seconds the body takes at its own pace (typing, key intervals, sleeps).
  double duration() const;
};

// Throws nc::Error(what, "file:line:column", expected) on the first mistake.
Tape parse_tape(std::string_view text, const std::string& name);
Tape read_tape(const std::string& path);

// The caption the paper derives from a script (PAPER.md §1.2): the typed strings and key
// presses in order, sleeps and display commands left out:
// "Type python; Enter; Type 1+1; Enter; Ctrl+D."
std::string scripted_caption(const Tape& tape);

// "Enter", "Ctrl+C", "a": how a key press is named in captions and key events.
std::string key_press_name(const KeyPress& key);

// The VHS theme name as a shipped theme name: "Catppuccin Mocha" -> "catppuccin-mocha".
std::string vhs_theme_name(const std::string& name);

}  // namespace nc::term
