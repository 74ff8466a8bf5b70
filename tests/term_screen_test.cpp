// term::Screen: text buffers after escape sequences, colours, attributes, cursor, damage;
// term::Theme: shipped and inline themes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "nc/core/error.h"
#include "nc/term/screen.h"
#include "nc/term/theme.h"

namespace nc::term {
namespace {

std::vector<std::string> screen_after(int cols, int rows, const std::string& bytes) {
  Screen s(cols, rows);
  s.feed(bytes);
  return s.text();
}

TEST(Screen, PlainTextAndNewlines) {
  auto t = screen_after(10, 3, "hello\r\nworld");
  EXPECT_EQ(t, (std::vector<std::string>{"hello", "world", ""}));
}

TEST(Screen, ClearAndCursorAddressing) {
  auto t = screen_after(10, 4, "junk\r\nmore junk\x1b[H\x1b[2Jtop\x1b[3;5Hmid\x1b[4;8Hend");
  EXPECT_EQ(t, (std::vector<std::string>{"top", "", "    mid", "       end"}));
}

TEST(Screen, CarriageReturnOverwritesAndBackspaceMovesBack) {
  EXPECT_EQ(screen_after(20, 1, "progress 10%\rprogress 99%")[0], "progress 99%");
  EXPECT_EQ(screen_after(20, 1, "abc\b\bXY")[0], "aXY");
  // Backspace-space-backspace is how shells erase a typed character.
  EXPECT_EQ(screen_after(20, 1, "lsx\b \b")[0], "ls");
  // Erase to end of line.
  EXPECT_EQ(screen_after(20, 1, "abcdef\r\x1b[3C\x1b[K")[0], "abc");
}

TEST(Screen, ScrollsWhenFull) {
  auto t = screen_after(5, 2, "1\r\n2\r\n3");
  EXPECT_EQ(t, (std::vector<std::string>{"2", "3"}));
}

TEST(Screen, ScrollRegion) {
  // Rows 2-3 scroll; rows 1 and 4 stay.
  auto t = screen_after(10, 4, "head\x1b[4;1Hfoot\x1b[2;3r\x1b[2;1Ha\r\nb\r\nc");
  EXPECT_EQ(t, (std::vector<std::string>{"head", "b", "c", "foot"}));
}

TEST(Screen, ColoursAndAttributes) {
  Screen s(40, 2);
  s.feed("\x1b[1;31mR\x1b[0m\x1b[38;5;208mO\x1b[38;2;10;20;30mT\x1b[48;5;17mB\x1b[0m"
         "\x1b[3;4;7mX\x1b[0mN");
  Cell r = s.cell(0, 0);
  EXPECT_TRUE(r.bold);
  EXPECT_EQ(r.fg.kind, Color::kIndexed);
  EXPECT_EQ(r.fg.index, 1);
  Cell o = s.cell(0, 1);
  EXPECT_EQ(o.fg.kind, Color::kIndexed);
  EXPECT_EQ(o.fg.index, 208);
  Cell t = s.cell(0, 2);
  EXPECT_EQ(t.fg.kind, Color::kRgb);
  EXPECT_EQ(t.fg.r, 10);
  EXPECT_EQ(t.fg.g, 20);
  EXPECT_EQ(t.fg.b, 30);
  Cell b = s.cell(0, 3);
  EXPECT_EQ(b.bg.kind, Color::kIndexed);
  EXPECT_EQ(b.bg.index, 17);
  Cell x = s.cell(0, 4);
  EXPECT_TRUE(x.italic);
  EXPECT_TRUE(x.underline);
  EXPECT_TRUE(x.reverse);
  Cell n = s.cell(0, 5);
  EXPECT_FALSE(n.bold || n.italic || n.underline || n.reverse);
  EXPECT_EQ(n.fg.kind, Color::kDefault);
  EXPECT_EQ(s.line(0), "ROTBXN");
}

TEST(Screen, WideCharactersTakeTwoCells) {
  Screen s(10, 1);
  s.feed("a\xe4\xb8\xad\xe6\x96\x87z");  // a中文z
  EXPECT_EQ(s.line(0), "a\xe4\xb8\xad\xe6\x96\x87z");
  EXPECT_EQ(s.cell(0, 1).width, 2);
  EXPECT_EQ(s.cell(0, 1).chars[0], U'\u4e2d');
  EXPECT_EQ(s.cell(0, 2).width, 0);
  EXPECT_EQ(s.cell(0, 5).chars[0], U'z');
  EXPECT_EQ(s.cursor().col, 6);
}

TEST(Screen, CombiningCharacters) {
  Screen s(10, 1);
  s.feed("e\xcc\x81!");  // e + COMBINING ACUTE
  EXPECT_EQ(s.cell(0, 0).chars[0], U'e');
  EXPECT_EQ(s.cell(0, 0).chars[1], U'\u0301');
  EXPECT_EQ(s.line(0), "e\xcc\x81!");
}

TEST(Screen, AlternateScreenRestoresMainScreen) {
  Screen s(20, 3);
  s.feed("$ vim\r\n");
  EXPECT_FALSE(s.alt_screen());
  s.feed("\x1b[?1049h\x1b[H\x1b[2J~ editor");
  EXPECT_TRUE(s.alt_screen());
  EXPECT_EQ(s.line(0), "~ editor");
  s.feed("\x1b[?1049l");
  EXPECT_FALSE(s.alt_screen());
  EXPECT_EQ(s.line(0), "$ vim");
}

TEST(Screen, CursorPositionVisibilityAndShape) {
  Screen s(20, 5);
  s.feed("\x1b[3;7H");
  EXPECT_EQ(s.cursor().row, 2);
  EXPECT_EQ(s.cursor().col, 6);
  EXPECT_TRUE(s.cursor().visible);
  s.feed("\x1b[?25l");
  EXPECT_FALSE(s.cursor().visible);
  s.feed("\x1b[?25h\x1b[4 q");
  EXPECT_TRUE(s.cursor().visible);
  EXPECT_EQ(s.cursor().shape, CursorShape::kUnderline);
  s.feed("\x1b[6 q");
  EXPECT_EQ(s.cursor().shape, CursorShape::kBar);
}

TEST(Screen, ResizeKeepsContentAndClampsCursor) {
  Screen s(20, 5);
  s.feed("hello world\x1b[5;20H");
  s.resize(8, 3);
  EXPECT_EQ(s.cols(), 8);
  EXPECT_EQ(s.rows(), 3);
  EXPECT_LT(s.cursor().row, 3);
  EXPECT_LT(s.cursor().col, 8);
  s.resize(30, 6);
  s.feed("\x1b[6;1Hbottom");
  EXPECT_EQ(s.line(5), "bottom");
  EXPECT_THROW(s.resize(0, 5), Error);
  EXPECT_THROW(Screen(5000, 10), Error);
}

TEST(Screen, DamageTracksChangedCellsOnly) {
  Screen s(10, 3);
  s.clear_damage();
  EXPECT_FALSE(s.any_damage());
  s.feed("\x1b[2;4HX");
  EXPECT_TRUE(s.any_damage());
  EXPECT_TRUE(s.damaged(1, 3));
  EXPECT_FALSE(s.damaged(0, 0));
  EXPECT_FALSE(s.damaged(2, 3));
}

TEST(Screen, RepliesToStatusQueries) {
  Screen s(10, 3);
  s.feed("\x1b[2;3H\x1b[6n");  // "where is the cursor?"
  EXPECT_EQ(s.take_replies(), "\x1b[2;3R");
  EXPECT_EQ(s.take_replies(), "");
}

TEST(Screen, CountsClears) {
  EXPECT_EQ(count_screen_clears("a\x1b[H\x1b[2J\x1b[3Jb\x1b" "c"), 2);
  EXPECT_EQ(count_screen_clears("\x1b[2K no"), 0);
}

TEST(Theme, ShippedThemesLoadAndResolve) {
  for (const char* name : {"catppuccin-mocha", "dracula", "monokai", "xterm"}) {
    Theme t = Theme::load(name);
    EXPECT_FALSE(t.name.empty()) << name;
  }
  Theme t = Theme::load("catppuccin-mocha");
  EXPECT_EQ(t.background, (Rgb{0x1e, 0x1e, 0x2e}));
  EXPECT_EQ(t.cursor, (Rgb{0xf5, 0xc2, 0xe7}));
  Color red{Color::kIndexed, 1};
  EXPECT_EQ(t.resolve(red, true), (Rgb{0xf3, 0x8b, 0xa8}));
  EXPECT_EQ(t.resolve(Color{}, false), t.background);
  EXPECT_EQ(t.resolve(Color{Color::kIndexed, 196}, true), (Rgb{255, 0, 0}));
  EXPECT_EQ(t.resolve(Color{Color::kIndexed, 232}, true), (Rgb{8, 8, 8}));
  EXPECT_EQ(t.resolve(Color{Color::kRgb, 0, 1, 2, 3}, true), (Rgb{1, 2, 3}));
  // Bold base colours draw bright.
  Theme x = Theme::load("xterm");
  EXPECT_EQ(x.resolve(red, true, /*bold=*/true), (Rgb{255, 0, 0}));
}

TEST(Theme, InlineJsonAndErrors) {
  nlohmann::json j = nlohmann::json::parse(
      R"({"background":"#000","foreground":"#fff","black":"#000","red":"#f00","green":"#0f0",
          "yellow":"#ff0","blue":"#00f","magenta":"#f0f","cyan":"#0ff","white":"#fff",
          "brightBlack":"#888","brightRed":"#f00","brightGreen":"#0f0","brightYellow":"#ff0",
          "brightBlue":"#00f","brightMagenta":"#f0f","brightCyan":"#0ff","brightWhite":"#fff"})");
  Theme t = Theme::load(j.dump());
  EXPECT_EQ(t.ansi[5], (Rgb{255, 0, 255}));
  EXPECT_EQ(t.cursor, t.foreground);
  EXPECT_THROW(Theme::load("no-such-theme"), Error);
  EXPECT_THROW(Theme::load("{\"background\": \"#12\"}"), Error);
  EXPECT_THROW(parse_rgb("#gg0000", "x"), Error);
}

}  // namespace
}  // namespace nc::term
