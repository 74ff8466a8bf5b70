// A terminal screen: libvterm fed with the program's output bytes, answering "what is in each
// cell now" (characters, colours, attributes), where the cursor is, and which cells changed
// since the renderer last looked.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct VTerm;
struct VTermScreen;

namespace nc::term {

// A cell colour as the program set it; the theme turns it into RGB at render time.
struct Color {
  enum Kind : uint8_t { kDefault, kIndexed, kRgb };
  Kind kind = kDefault;
  uint8_t index = 0;  // kIndexed: 0-15 theme colours, 16-255 the xterm palette
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Color& o) const {
    return kind == o.kind && (kind == kDefault || (kind == kIndexed ? index == o.index
                                                                    : r == o.r && g == o.g && b == o.b));
  }
  bool operator!=(const Color& o) const { return !(*this == o); }
};

struct Cell {
  static constexpr int kMaxChars = 6;
  char32_t chars[kMaxChars] = {0};  // base character then combining marks; chars[0] == 0: blank
  uint8_t width = 1;                // 2: left half of a wide character; 0: its right half
  bool bold = false, italic = false, underline = false, reverse = false, strike = false;
  Color fg, bg;

  bool blank() const { return chars[0] == 0 || chars[0] == U' '; }
};

enum class CursorShape : uint8_t { kBlock, kUnderline, kBar };

// A key press to send to a program: a named key, or a character (`ch`), with modifiers.
enum class Key : uint8_t {
  kNone, kEnter, kTab, kBackspace, kEscape, kSpace, kUp, kDown, kLeft, kRight,
  kInsert, kDelete, kHome, kEnd, kPageUp, kPageDown
};
struct KeyPress {
  Key key = Key::kNone;  // kNone: the character `ch`
  char32_t ch = 0;
  bool ctrl = false, alt = false, shift = false;
};

struct Cursor {
  int row = 0, col = 0;
  bool visible = true;
  CursorShape shape = CursorShape::kBlock;
};

class Screen {
 public:
  Screen(int cols, int rows);
  ~Screen();
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;

  // Feeds program output (UTF-8 with escape sequences).
  void feed(std::string_view bytes);
  void resize(int cols, int rows);

  int cols() const { return cols_; }
  int rows() const { return rows_; }
  Cell cell(int row, int col) const;
  Cursor cursor() const { return cursor_; }
  bool alt_screen() const { return alt_screen_; }
  const std::string& title() const { return title_; }

  // One UTF-8 string per row, trailing blanks removed (the text buffer kept with every frame).
  std::vector<std::string> text() const;
  std::string line(int row) const;

  // Cells whose content may have changed since the last clear_damage(), row-major.
  bool damaged(int row, int col) const { return damage_[static_cast<size_t>(row) * cols_ + col] != 0; }
  bool any_damage() const { return any_damage_; }
  void clear_damage();

  // Bytes the terminal sends back to the program (answers to status queries); a PTY runner
  // writes them to the program, a cast replay drops them.
  std::string take_replies();

  // The bytes a terminal sends for a key press in the program's current modes (application
  // cursor keys switch Up to ESC O A, as xterm.js does). Ctrl+letter is the control character,
  // Alt+ prefixes ESC. Pending replies are left alone.
  std::string key_input(const KeyPress& key);

 private:
  struct Callbacks;
  void mark(int start_row, int end_row, int start_col, int end_col);

  VTerm* vt_ = nullptr;
  VTermScreen* screen_ = nullptr;
  int cols_, rows_;
  Cursor cursor_;
  bool alt_screen_ = false;
  std::string title_, replies_;
  std::vector<uint8_t> damage_;
  bool any_damage_ = true;
};

// Occurrences of "clear the screen" in program output (ESC[2J, and RIS ESC c), for the
// screen-clear statistic and content-aware clip splits.
int count_screen_clears(std::string_view bytes);

}  // namespace nc::term
