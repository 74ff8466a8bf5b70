// Renders a term::Screen to RGB frames with FreeType glyphs. Keeps the last frame and redraws
// only the cells the screen reports as changed, plus the old and new cursor cells.
#pragma once

#include <memory>

#include "nc/core/image.h"
#include "nc/term/font.h"
#include "nc/term/render_options.h"
#include "nc/term/screen.h"
#include "nc/term/theme.h"

namespace nc::term {

// Cell and canvas sizes that follow from the options for a cols x rows terminal.
struct TerminalGeometry {
  int cell_width = 0, cell_height = 0, baseline = 0;  // baseline: px from a cell's top
  int canvas_width = 0, canvas_height = 0;            // natural frame size
  int origin_x = 0, origin_y = 0;                     // top-left of cell (0, 0)
};

class Renderer {
 public:
  explicit Renderer(RenderOptions options);

  // Draws what changed on `screen` since the last call and clears its damage. The returned
  // frame is valid until the next call.
  const Image& render(Screen& screen);

  // Fixes the frame size (letterboxing whatever the terminal becomes, e.g. after a resize).
  void set_output_size(int width, int height);
  // VHS's Set Width/Height: the canvas is exactly width x height (or the cells' natural size
  // when that is larger), the window fills it inside the margin, and the cells start at
  // margin + padding from its top-left corner, so what the cells leave over on the right and at
  // the bottom is window background, not letterbox. 0 x 0: the natural size.
  void set_window_size(int width, int height);

  // The frame size for a cols x rows terminal (render.width/height when set).
  std::pair<int, int> output_size(int cols, int rows) const;
  TerminalGeometry geometry(int cols, int rows) const;
  // The largest cols x rows whose natural canvas fits in width x height (VHS's Set Width/Height).
  std::pair<int, int> fit_terminal(int width, int height) const;

  const Theme& theme() const { return theme_; }
  const RenderOptions& options() const { return options_; }

 private:
  void reset_canvas(int cols, int rows);
  void draw_cell(const Screen& screen, int row, int col, bool with_cursor);
  void fill(int x, int y, int w, int h, Rgb c);
  void blend_glyph(const Glyph& g, int pen_x, int baseline_y, int clip_x0, int clip_x1, int clip_y0,
                   int clip_y1, Rgb fg);

  RenderOptions options_;
  Theme theme_;
  Rgb margin_fill_;
  std::unique_ptr<GlyphCache> glyphs_;
  TerminalGeometry geo_;
  int cols_ = 0, rows_ = 0;
  int window_w_ = 0, window_h_ = 0;
  Image canvas_, output_;
  Cursor drawn_cursor_;
  bool cursor_drawn_ = false;
};

}  // namespace nc::term
