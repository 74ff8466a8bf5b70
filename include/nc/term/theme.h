// Terminal colour themes as data: the JSON shape VHS and xterm.js use ("background",
// "foreground", "black" ... "brightWhite", "cursor", "cursorAccent"). Shipped themes live in
// data/themes/<name>.json; a theme can also be given inline as JSON (VHS's `Set Theme {...}`).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "nc/term/screen.h"

namespace nc::term {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

// "#rrggbb" or "#rgb"; throws nc::Error naming `where`.
Rgb parse_rgb(const std::string& text, const std::string& where);

struct Theme {
  std::string name;
  Rgb background, foreground, cursor, cursor_accent, selection;
  std::array<Rgb, 16> ansi{};  // black red green yellow blue purple cyan white, then bright

  // The RGB of a cell colour; `foreground` picks the default for kDefault. Bold text in one of
  // the 8 base colours is drawn in its bright variant, as xterm.js does by default.
  Rgb resolve(const Color& color, bool foreground, bool bold = false) const;

  static Theme from_json(const nlohmann::json& j, const std::string& where);
  // A shipped theme by name ("catppuccin-mocha", "dracula", "monokai", "xterm"), or inline
  // JSON when `spec` starts with '{', or a path to a .json file.
  static Theme load(const std::string& spec);
};

// The xterm 256-colour palette entry for indices 16-255 (6x6x6 cube, then 24 greys).
Rgb xterm_palette(int index);

}  // namespace nc::term
