// term::Renderer: geometry, colours, cursor, letterboxing, incremental = full redraw; and
// Tesseract reading a rendered frame back (the path the OCR metrics use).
#include <gtest/gtest.h>

#include <random>

#include "nc/eval/ocr.h"
#include "nc/eval/ocr_metrics.h"
#include "nc/term/renderer.h"

namespace nc::term {
namespace {

RenderOptions defaults() { return RenderOptions{}; }

int count_pixels(const Image& img, Rgb c, int x0 = 0, int y0 = 0, int x1 = -1, int y1 = -1) {
  if (x1 < 0) x1 = img.width;
  if (y1 < 0) y1 = img.height;
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      const uint8_t* p = img.pixel(x, y);
      n += p[0] == c.r && p[1] == c.g && p[2] == c.b;
    }
  return n;
}

TEST(Renderer, DefaultGeometryIs8x16CellsAnd640x384) {
  Renderer r(defaults());
  TerminalGeometry g = r.geometry(80, 24);
  EXPECT_EQ(g.cell_width, 8);
  EXPECT_EQ(g.cell_height, 16);
  EXPECT_EQ(r.output_size(80, 24), (std::pair<int, int>{640, 384}));
  EXPECT_EQ(r.fit_terminal(640, 384), (std::pair<int, int>{80, 24}));
}

TEST(Renderer, BlankScreenIsBackgroundPlusBlockCursor) {
  Renderer r(defaults());
  Screen s(10, 3);
  const Image& img = r.render(s);
  ASSERT_EQ(img.width, 80);
  ASSERT_EQ(img.height, 48);
  const Theme& t = r.theme();
  EXPECT_EQ(count_pixels(img, t.cursor), 8 * 16);  // the block cursor fills cell (0, 0)
  EXPECT_EQ(count_pixels(img, t.background), 80 * 48 - 8 * 16);
}

TEST(Renderer, ColoursAttributesAndCursorModes) {
  RenderOptions o = defaults();
  o.cursor = "none";
  Renderer r(o);
  Screen s(10, 2);
  s.feed("\x1b[41m \x1b[0m\x1b[31m\xe2\x96\x88\x1b[0m\x1b[7m \x1b[0m");  // red bg, red full block, reverse
  const Image& img = r.render(s);
  const Theme& t = r.theme();
  EXPECT_EQ(count_pixels(img, t.ansi[1], 0, 0, 8, 16), 8 * 16);       // red background cell
  EXPECT_GT(count_pixels(img, t.ansi[1], 8, 0, 16, 16), 8 * 10);       // red glyph pixels
  EXPECT_EQ(count_pixels(img, t.foreground, 16, 0, 24, 16), 8 * 16);   // reverse: fg-coloured cell
  EXPECT_EQ(count_pixels(img, t.cursor), 0);

  o.cursor = "underline";
  Renderer u(o);
  Screen s2(4, 1);
  const Image& img2 = u.render(s2);
  EXPECT_EQ(count_pixels(img2, t.cursor), 8 * 2);
}

TEST(Renderer, IncrementalRenderingEqualsFullRedraw) {
  const std::vector<std::string> steps = {
      "$ ls -la\r\n", "total 4\r\n\x1b[1;34mdir\x1b[0m  file.txt\r\n$ ", "ec", "ho \xe4\xb8\xad\xe6\x96\x87",
      "\r\n\xe4\xb8\xad\xe6\x96\x87\r\n$ ", "\x1b[2J\x1b[H", "\x1b[38;5;208mtop\x1b[0m\x1b[5;3Hmid",
      "\x1b[?25l", "\x1b[3;1H\x1b[K\x1b[?25h", "\x1b[?1049h\x1b[Hfull screen", "\x1b[?1049l",
  };
  Renderer inc(defaults());
  Screen s(20, 6);
  std::string all;
  for (const auto& step : steps) {
    s.feed(step);
    all += step;
    const Image& a = inc.render(s);
    Renderer fresh(defaults());
    Screen s2(20, 6);
    s2.feed(all);
    const Image& b = fresh.render(s2);
    ASSERT_TRUE(a == b) << "after feeding: " << step;
  }
}

TEST(Renderer, LetterboxesIntoTheOutputSize) {
  RenderOptions o = defaults();
  o.width = 200;
  o.height = 200;
  o.margin_fill = "#ff0000";
  Renderer r(o);
  Screen s(10, 3);  // natural 80x48: scaled 2.5x to 200x120, 40 px bars above and below
  const Image& img = r.render(s);
  ASSERT_EQ(img.width, 200);
  ASSERT_EQ(img.height, 200);
  EXPECT_EQ(count_pixels(img, Rgb{255, 0, 0}, 0, 0, 200, 39), 200 * 39);
  EXPECT_EQ(count_pixels(img, Rgb{255, 0, 0}, 0, 161, 200, 200), 200 * 39);
}

TEST(Renderer, MarginPaddingAndRoundedCorners) {
  RenderOptions o = defaults();
  o.margin = 10;
  o.padding = 5;
  o.border_radius = 6;
  o.margin_fill = "#0091ff";
  Renderer r(o);
  Screen s(4, 2);
  const Image& img = r.render(s);
  EXPECT_EQ(img.width, 4 * 8 + 30);
  EXPECT_EQ(img.height, 2 * 16 + 30);
  const uint8_t* corner = img.pixel(10, 10);  // rounded away: margin colour
  EXPECT_EQ(corner[2], 0xff);
  const uint8_t* inside = img.pixel(12, 20);  // padding: terminal background
  EXPECT_EQ(inside[0], r.theme().background.r);
}

TEST(Renderer, TesseractReadsBackTheTextBuffer) {
  Renderer r(defaults());
  Screen s(80, 24);
  s.feed("$ ls -la /var/log\r\n"
         "total 128\r\n"
         "drwxr-xr-x  8 root root 4096 Nov 29 02:15 apt\r\n"
         "-rw-r--r--  1 root root 2048 Nov 29 02:16 dpkg.log\r\n"
         "$ echo \"Hello, Neural Computer\"\r\n"
         "Hello, Neural Computer\r\n"
         "$ python3 -c 'print(6*7)'\r\n"
         "42\r\n"
         "$ ");
  const Image& frame = r.render(s);
  eval::Ocr ocr;
  auto predicted = eval::normalize_lines(ocr.read_lines(frame));
  auto reference = eval::normalize_lines(s.text());
  const double acc = eval::char_accuracy(reference, predicted);
  // Floor stated in docs/DATA.md: Tesseract reads 13 px DejaVu Sans Mono at >= 0.95 chars.
  EXPECT_GE(acc, 0.95) << "OCR read:\n" << [&] {
    std::string all;
    for (const auto& l : predicted) all += l + "\n";
    return all;
  }();
}

}  // namespace
}  // namespace nc::term
