#include "nc/gui/gui_options.h"

#include <cctype>

#include "nc/core/error.h"

namespace nc::gui {

std::array<uint8_t, 3> parse_hex_colour(const std::string& text, const std::string& where) {
  auto bad = [&] { return Error("invalid colour '" + text + "'", where, "use #rrggbb or #rgb"); };
  if (text.empty() || text[0] != '#' || (text.size() != 7 && text.size() != 4)) throw bad();
  auto hex = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw bad();
  };
  std::array<uint8_t, 3> rgb{};
  for (int i = 0; i < 3; ++i) {
    if (text.size() == 7) rgb[i] = static_cast<uint8_t>(hex(text[1 + 2 * i]) * 16 + hex(text[2 + 2 * i]));
    else rgb[i] = static_cast<uint8_t>(hex(text[1 + i]) * 17);
  }
  return rgb;
}

}  // namespace nc::gui
