// How a terminal screen becomes pixels: font, spacing, padding, margin, theme, cursor, output
// size. The `render` config section; no library dependency, so every build can read it.
#pragma once

#include <string>
#include <vector>

#include "nc/core/config.h"

namespace nc::term {

struct RenderOptions {
  std::string font = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
  std::string font_bold = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf";
  std::string font_italic = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Oblique.ttf";
  std::string font_bold_italic = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-BoldOblique.ttf";
  std::vector<std::string> fallback_fonts;
  double font_size = 13;  // px; PAPER.md §3.1 Exp 1: "the 13 px terminal font used in CLIGen"
  double line_height = 1.2;
  double letter_spacing = 0;
  int padding = 0;
  int margin = 0;
  std::string margin_fill = "#000000";
  int border_radius = 0;
  std::string theme = "catppuccin-mocha";
  std::string cursor = "auto";
  int width = 0, height = 0;

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("font", font, "TTF/OTF monospace font file (regular style)");
    v("font_bold", font_bold, "bold style file; empty or missing: synthesised from the regular font");
    v("font_italic", font_italic, "italic style file; empty or missing: synthesised (oblique)");
    v("font_bold_italic", font_bold_italic, "bold italic style file; empty or missing: synthesised");
    v("fallback_fonts", fallback_fonts, "fonts tried, in order, for characters the main font lacks (CJK...)");
    v("font_size", font_size, "font size in px", between(4, 512));
    v("line_height", line_height, "row height as a multiple of the font size", between(0.5, 4));
    v("letter_spacing", letter_spacing, "px added to every cell's width", between(-4, 64));
    v("padding", padding, "px of terminal background around the cells", at_least(0));
    v("margin", margin, "px around the terminal window, filled with margin_fill", at_least(0));
    v("margin_fill", margin_fill, "margin and letterbox colour, #rrggbb");
    v("border_radius", border_radius, "rounded corners of the terminal window, px", at_least(0));
    v("theme", theme, "catppuccin-mocha, dracula, monokai, xterm, a .json file or inline JSON");
    v("cursor", cursor, "auto follows the program; block, underline, bar or none force a shape",
      one_of({"auto", "block", "underline", "bar", "none"}));
    v("width", width, "output width in px; 0 = the terminal's natural width", at_least(0));
    v("height", height, "output height in px; 0 = natural; other sizes are letterboxed", at_least(0));
  }
  void check(config::Checker& c) const {
    c.require((width == 0) == (height == 0), "width", "set both render.width and render.height, or neither");
  }
};

}  // namespace nc::term
