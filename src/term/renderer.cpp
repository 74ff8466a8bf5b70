#include "nc/term/renderer.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nc/core/error.h"
#include "nc/video/resize.h"

namespace nc::term {
namespace {

CursorShape shape_of(const std::string& option, CursorShape program) {
  if (option == "block") return CursorShape::kBlock;
  if (option == "underline") return CursorShape::kUnderline;
  if (option == "bar") return CursorShape::kBar;
  return program;
}

}  // namespace

Renderer::Renderer(RenderOptions options) : options_(std::move(options)) {
  theme_ = Theme::load(options_.theme);
  margin_fill_ = parse_rgb(options_.margin_fill, "render.margin_fill");
  FontFiles files{options_.font, options_.font_bold, options_.font_italic, options_.font_bold_italic,
                  options_.fallback_fonts};
  glyphs_ = std::make_unique<GlyphCache>(files, options_.font_size);
}

TerminalGeometry Renderer::geometry(int cols, int rows) const {
  TerminalGeometry g;
  g.cell_width = std::max(1, static_cast<int>(std::lround(glyphs_->advance() + options_.letter_spacing)));
  g.cell_height = std::max(1, static_cast<int>(std::lround(options_.font_size * options_.line_height)));
  const double box = glyphs_->ascender() + glyphs_->descender();
  g.baseline = static_cast<int>(std::lround((g.cell_height - box) / 2 + glyphs_->ascender()));
  const int inset = options_.padding + options_.margin;
  g.origin_x = g.origin_y = inset;
  g.canvas_width = std::max(window_w_, cols * g.cell_width + 2 * inset);
  g.canvas_height = std::max(window_h_, rows * g.cell_height + 2 * inset);
  return g;
}

void Renderer::set_output_size(int width, int height) {
  options_.width = width;
  options_.height = height;
}

void Renderer::set_window_size(int width, int height) {
  window_w_ = std::max(0, width);
  window_h_ = std::max(0, height);
  canvas_ = Image();  // redrawn whole at the next render
}

std::pair<int, int> Renderer::output_size(int cols, int rows) const {
  if (options_.width > 0 && options_.height > 0) return {options_.width, options_.height};
  TerminalGeometry g = geometry(cols, rows);
  return {g.canvas_width, g.canvas_height};
}

std::pair<int, int> Renderer::fit_terminal(int width, int height) const {
  TerminalGeometry g = geometry(1, 1);
  const int inset = 2 * (options_.padding + options_.margin);
  return {std::max(1, (width - inset) / g.cell_width), std::max(1, (height - inset) / g.cell_height)};
}

void Renderer::fill(int x, int y, int w, int h, Rgb c) {
  const int x1 = std::min(canvas_.width, x + w), y1 = std::min(canvas_.height, y + h);
  x = std::max(0, x);
  y = std::max(0, y);
  for (int yy = y; yy < y1; ++yy) {
    uint8_t* p = canvas_.pixel(x, yy);
    for (int xx = x; xx < x1; ++xx, p += 3) {
      p[0] = c.r;
      p[1] = c.g;
      p[2] = c.b;
    }
  }
}

void Renderer::reset_canvas(int cols, int rows) {
  cols_ = cols;
  rows_ = rows;
  geo_ = geometry(cols, rows);
  canvas_ = Image(geo_.canvas_width, geo_.canvas_height, margin_fill_.r, margin_fill_.g, margin_fill_.b);
  const int m = options_.margin;
  const int w = canvas_.width - 2 * m, h = canvas_.height - 2 * m;
  fill(m, m, w, h, theme_.background);
  // Rounded window corners: pixels whose centre lies outside the corner circle keep the margin.
  const int r = std::min({options_.border_radius, w / 2, h / 2});
  for (int dy = 0; dy < r; ++dy) {
    for (int dx = 0; dx < r; ++dx) {
      double cx = r - dx - 0.5, cy = r - dy - 0.5;
      if (cx * cx + cy * cy <= double(r) * r) continue;
      const int xs[2] = {m + dx, m + w - 1 - dx}, ys[2] = {m + dy, m + h - 1 - dy};
      for (int x : xs)
        for (int y : ys) fill(x, y, 1, 1, margin_fill_);
    }
  }
  cursor_drawn_ = false;
}

void Renderer::blend_glyph(const Glyph& g, int pen_x, int baseline_y, int clip_x0, int clip_x1,
                           int clip_y0, int clip_y1, Rgb fg) {
  const int gx = pen_x + g.left, gy = baseline_y - g.top;
  const int x0 = std::max(gx, clip_x0), x1 = std::min(gx + g.width, clip_x1);
  const int y0 = std::max(gy, clip_y0), y1 = std::min(gy + g.height, clip_y1);
  for (int y = y0; y < y1; ++y) {
    const uint8_t* a = g.alpha.data() + static_cast<size_t>(y - gy) * g.width + (x0 - gx);
    uint8_t* p = canvas_.pixel(x0, y);
    for (int x = x0; x < x1; ++x, ++a, p += 3) {
      const int al = *a;
      if (al == 0) continue;
      const int inv = 255 - al;
      p[0] = static_cast<uint8_t>((p[0] * inv + fg.r * al + 127) / 255);
      p[1] = static_cast<uint8_t>((p[1] * inv + fg.g * al + 127) / 255);
      p[2] = static_cast<uint8_t>((p[2] * inv + fg.b * al + 127) / 255);
    }
  }
}

void Renderer::draw_cell(const Screen& screen, int row, int col, bool with_cursor) {
  Cell cell = screen.cell(row, col);
  const int span = (cell.width == 2 && col + 1 < cols_) ? 2 : 1;
  Rgb fg = theme_.resolve(cell.fg, true, cell.bold), bg = theme_.resolve(cell.bg, false);
  if (cell.reverse) std::swap(fg, bg);
  const CursorShape shape = shape_of(options_.cursor, screen.cursor().shape);
  if (with_cursor && shape == CursorShape::kBlock) {
    bg = theme_.cursor;
    fg = theme_.cursor_accent;
  }
  const int x = geo_.origin_x + col * geo_.cell_width, y = geo_.origin_y + row * geo_.cell_height;
  const int w = span * geo_.cell_width, h = geo_.cell_height;
  fill(x, y, w, h, bg);
  if (!cell.blank()) {
    for (int i = 0; i < Cell::kMaxChars && cell.chars[i]; ++i)
      blend_glyph(glyphs_->get(cell.chars[i], cell.bold, cell.italic), x, y + geo_.baseline, x, x + w,
                  y, y + h, fg);
  }
  const int thickness = std::max(1, h / 16);
  if (cell.underline) fill(x, std::min(y + h - thickness, y + geo_.baseline + 1), w, thickness, fg);
  if (cell.strike)
    fill(x, y + geo_.baseline - static_cast<int>(glyphs_->ascender() * 0.3), w, thickness, fg);
  if (with_cursor && shape == CursorShape::kUnderline) fill(x, y + h - 2, w, 2, theme_.cursor);
  if (with_cursor && shape == CursorShape::kBar) fill(x, y, 2, h, theme_.cursor);
}

const Image& Renderer::render(Screen& screen) {
  const bool full = screen.cols() != cols_ || screen.rows() != rows_ || canvas_.empty();
  if (full) reset_canvas(screen.cols(), screen.rows());

  const Cursor cur = screen.cursor();
  const bool show = cur.visible && options_.cursor != "none" && cur.row < rows_ && cur.col < cols_;
  // The cursor sits on the left half of a wide character when it points at the right half.
  auto anchor = [&](int row, int col) {
    return (col > 0 && screen.cell(row, col).width == 0) ? col - 1 : col;
  };
  const int cursor_col = show ? anchor(cur.row, cur.col) : -1;

  std::vector<uint8_t> todo(static_cast<size_t>(rows_) * cols_, 0);
  auto want = [&](int row, int col) {
    if (row >= 0 && row < rows_ && col >= 0 && col < cols_) todo[static_cast<size_t>(row) * cols_ + anchor(row, col)] = 1;
  };
  for (int r = 0; r < rows_; ++r)
    for (int c = 0; c < cols_; ++c)
      if (full || screen.damaged(r, c)) want(r, c);
  if (cursor_drawn_) want(drawn_cursor_.row, drawn_cursor_.col);
  if (show) want(cur.row, cursor_col);

  for (int r = 0; r < rows_; ++r)
    for (int c = 0; c < cols_; ++c)
      if (todo[static_cast<size_t>(r) * cols_ + c]) draw_cell(screen, r, c, show && r == cur.row && c == cursor_col);

  cursor_drawn_ = show;
  drawn_cursor_ = cur;
  drawn_cursor_.col = cursor_col;
  screen.clear_damage();

  const auto [out_w, out_h] = output_size(cols_, rows_);
  if (out_w == canvas_.width && out_h == canvas_.height) return canvas_;
  output_ = video::letterbox(canvas_, out_w, out_h, margin_fill_.r, margin_fill_.g, margin_fill_.b);
  return output_;
}

}  // namespace nc::term
