#include "nc/term/theme.h"

#include <nlohmann/json.hpp>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/paths.h"
#include "nc/core/strings.h"

namespace nc::term {
namespace {

// VHS spells the fifth colour "purple", xterm.js "magenta"; both are accepted.
const char* const kAnsiKeys[16] = {
    "black",       "red",          "green",      "yellow",       "blue",       "purple",
    "cyan",        "white",        "brightBlack", "brightRed",   "brightGreen", "brightYellow",
    "brightBlue",  "brightPurple", "brightCyan", "brightWhite"};
const char* const kAnsiAltKeys[16] = {
    nullptr, nullptr, nullptr, nullptr, nullptr, "magenta", nullptr, nullptr,
    nullptr, nullptr, nullptr, nullptr, nullptr, "brightMagenta", nullptr, nullptr};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Rgb parse_rgb(const std::string& text, const std::string& where) {
  std::string s = trim(text);
  auto bad = [&] { return Error("invalid colour '" + text + "'", where, "use #rrggbb"); };
  if (s.empty() || s[0] != '#') throw bad();
  std::string hex = s.substr(1);
  if (hex.size() == 3) hex = {hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]};
  if (hex.size() != 6) throw bad();
  uint8_t v[3];
  for (int i = 0; i < 3; ++i) {
    int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) throw bad();
    v[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return Rgb{v[0], v[1], v[2]};
}

Rgb xterm_palette(int index) {
  if (index < 232) {
    static const uint8_t kLevels[6] = {0, 95, 135, 175, 215, 255};
    int i = index - 16;
    return Rgb{kLevels[i / 36], kLevels[(i / 6) % 6], kLevels[i % 6]};
  }
  uint8_t v = static_cast<uint8_t>(8 + 10 * (index - 232));
  return Rgb{v, v, v};
}

Rgb Theme::resolve(const Color& color, bool foreground, bool bold) const {
  switch (color.kind) {
    case Color::kDefault: return foreground ? this->foreground : background;
    case Color::kRgb: return Rgb{color.r, color.g, color.b};
    case Color::kIndexed:
      if (color.index < 8 && bold && foreground) return ansi[color.index + 8];
      if (color.index < 16) return ansi[color.index];
      return xterm_palette(color.index);
  }
  return foreground ? this->foreground : background;
}

Theme Theme::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error("a theme must be a JSON object", where);
  auto get = [&](const char* key, const char* fallback_key) -> Rgb {
    const char* k = j.contains(key) ? key : fallback_key;
    if (!k || !j.contains(k)) throw Error(std::string("theme lacks '") + key + "'", where);
    if (!j[k].is_string()) throw Error(std::string("theme key '") + k + "' must be a string", where);
    return parse_rgb(j[k].get<std::string>(), where + ": " + k);
  };
  Theme t;
  t.name = j.value("name", std::string("custom"));
  t.background = get("background", nullptr);
  t.foreground = get("foreground", nullptr);
  for (int i = 0; i < 16; ++i) t.ansi[i] = get(kAnsiKeys[i], kAnsiAltKeys[i]);
  t.cursor = j.contains("cursor") ? get("cursor", nullptr) : t.foreground;
  t.cursor_accent = j.contains("cursorAccent") ? get("cursorAccent", nullptr) : t.background;
  t.selection = j.contains("selectionBackground") ? get("selectionBackground", nullptr) : t.ansi[8];
  return t;
}

Theme Theme::load(const std::string& spec) {
  std::string s = trim(spec);
  if (!s.empty() && s[0] == '{') {
    try {
      return from_json(nlohmann::json::parse(s), "inline theme");
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("inline theme is not valid JSON: ") + e.what(), "theme");
    }
  }
  std::string path = ends_with(s, ".json") ? s : data_dir() + "/themes/" + s + ".json";
  if (!file_exists(path))
    throw Error("unknown theme '" + s + "'", "theme",
                "use catppuccin-mocha, dracula, monokai, xterm, a .json file or inline JSON");
  try {
    return from_json(nlohmann::json::parse(read_file(path)), path);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("theme file is not valid JSON: ") + e.what(), path);
  }
}

}  // namespace nc::term
