#include "nc/term/screen.h"

#include <vterm.h>

#include <algorithm>

#include "nc/core/error.h"
#include "nc/core/utf8.h"

namespace nc::term {
namespace {

constexpr int kMaxCols = 1000, kMaxRows = 500;

void check_size(int cols, int rows) {
  if (cols < 1 || rows < 1 || cols > kMaxCols || rows > kMaxRows)
    throw Error("terminal size " + std::to_string(cols) + "x" + std::to_string(rows) +
                    " is out of range",
                "term::Screen", "columns in [1, 1000], rows in [1, 500]");
}

Color convert(const VTermColor& c) {
  Color out;
  if (VTERM_COLOR_IS_DEFAULT_FG(&c) || VTERM_COLOR_IS_DEFAULT_BG(&c)) return out;
  if (VTERM_COLOR_IS_INDEXED(&c)) {
    out.kind = Color::kIndexed;
    out.index = c.indexed.idx;
  } else {
    out.kind = Color::kRgb;
    out.r = c.rgb.red;
    out.g = c.rgb.green;
    out.b = c.rgb.blue;
  }
  return out;
}

}  // namespace

struct Screen::Callbacks {
  static int damage(VTermRect r, void* user) {
    static_cast<Screen*>(user)->mark(r.start_row, r.end_row, r.start_col, r.end_col);
    return 1;
  }
  static int movecursor(VTermPos pos, VTermPos, int visible, void* user) {
    auto* s = static_cast<Screen*>(user);
    s->cursor_.row = pos.row;
    s->cursor_.col = pos.col;
    (void)visible;  // visibility comes through settermprop
    return 1;
  }
  static int settermprop(VTermProp prop, VTermValue* val, void* user) {
    auto* s = static_cast<Screen*>(user);
    switch (prop) {
      case VTERM_PROP_CURSORVISIBLE: s->cursor_.visible = val->boolean; break;
      case VTERM_PROP_ALTSCREEN: s->alt_screen_ = val->boolean; break;
      case VTERM_PROP_TITLE: s->title_ = val->string ? val->string : ""; break;
      case VTERM_PROP_CURSORSHAPE:
        s->cursor_.shape = val->number == VTERM_PROP_CURSORSHAPE_UNDERLINE ? CursorShape::kUnderline
                           : val->number == VTERM_PROP_CURSORSHAPE_BAR_LEFT ? CursorShape::kBar
                                                                             : CursorShape::kBlock;
        break;
      default: break;
    }
    return 1;
  }
  static void output(const char* bytes, size_t len, void* user) {
    static_cast<Screen*>(user)->replies_.append(bytes, len);
  }
};

Screen::Screen(int cols, int rows) : cols_(cols), rows_(rows) {
  check_size(cols, rows);
  damage_.assign(static_cast<size_t>(cols_) * rows_, 1);  // before any callback can fire
  vt_ = vterm_new(rows, cols);
  if (!vt_) throw Error("libvterm could not create a terminal", "term::Screen");
  vterm_set_utf8(vt_, 1);
  vterm_output_set_callback(vt_, &Callbacks::output, this);
  screen_ = vterm_obtain_screen(vt_);
  static const VTermScreenCallbacks kCallbacks = {
      &Callbacks::damage, nullptr, &Callbacks::movecursor, &Callbacks::settermprop,
      nullptr,            nullptr, nullptr,                nullptr};
  vterm_screen_set_callbacks(screen_, &kCallbacks, this);
  vterm_screen_enable_altscreen(screen_, 1);
  vterm_screen_reset(screen_, 1);
}

Screen::~Screen() {
  if (vt_) vterm_free(vt_);
}

void Screen::feed(std::string_view bytes) {
  if (!bytes.empty()) vterm_input_write(vt_, bytes.data(), bytes.size());
}

void Screen::resize(int cols, int rows) {
  check_size(cols, rows);
  if (cols == cols_ && rows == rows_) return;
  cols_ = cols;
  rows_ = rows;
  damage_.assign(static_cast<size_t>(cols_) * rows_, 1);  // before libvterm reports damage
  any_damage_ = true;
  vterm_set_size(vt_, rows, cols);
  cursor_.row = std::min(cursor_.row, rows_ - 1);
  cursor_.col = std::min(cursor_.col, cols_ - 1);
}

void Screen::mark(int start_row, int end_row, int start_col, int end_col) {
  start_row = std::max(0, start_row);
  start_col = std::max(0, start_col);
  end_row = std::min(rows_, end_row);
  end_col = std::min(cols_, end_col);
  for (int r = start_row; r < end_row; ++r)
    std::fill_n(damage_.begin() + static_cast<size_t>(r) * cols_ + start_col,
                std::max(0, end_col - start_col), uint8_t{1});
  if (end_row > start_row && end_col > start_col) any_damage_ = true;
}

void Screen::clear_damage() {
  std::fill(damage_.begin(), damage_.end(), uint8_t{0});
  any_damage_ = false;
}

std::string Screen::take_replies() {
  std::string out;
  out.swap(replies_);
  return out;
}

std::string Screen::key_input(const KeyPress& k) {
  std::string pending;
  pending.swap(replies_);
  std::string out;
  if (k.key == Key::kNone || k.key == Key::kSpace) {
    // Characters are encoded here: libvterm would send CSI u for Ctrl+C (upper case), which
    // shells do not read. These are xterm's control characters.
    char32_t c = k.key == Key::kSpace ? U' ' : k.ch;
    if (k.shift && c >= U'a' && c <= U'z') c = c - U'a' + U'A';
    if (k.ctrl) {
      if ((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z')) c &= 0x1f;
      else if (c == U'@' || c == U' ' || c == U'2') c = 0;
      else if (c == U'[' || c == U'3') c = 0x1b;
      else if (c == U'\\' || c == U'4') c = 0x1c;
      else if (c == U']' || c == U'5') c = 0x1d;
      else if (c == U'^' || c == U'6') c = 0x1e;
      else if (c == U'_' || c == U'/' || c == U'7') c = 0x1f;
      else if (c == U'?' || c == U'8') c = 0x7f;
    }
    if (k.alt) out += '\x1b';
    out += encode_utf8(c);
  } else {
    VTermKey key = VTERM_KEY_NONE;
    switch (k.key) {
      case Key::kEnter: key = VTERM_KEY_ENTER; break;
      case Key::kTab: key = VTERM_KEY_TAB; break;
      case Key::kBackspace: key = VTERM_KEY_BACKSPACE; break;
      case Key::kEscape: key = VTERM_KEY_ESCAPE; break;
      case Key::kUp: key = VTERM_KEY_UP; break;
      case Key::kDown: key = VTERM_KEY_DOWN; break;
      case Key::kLeft: key = VTERM_KEY_LEFT; break;
      case Key::kRight: key = VTERM_KEY_RIGHT; break;
      case Key::kInsert: key = VTERM_KEY_INS; break;
      case Key::kDelete: key = VTERM_KEY_DEL; break;
      case Key::kHome: key = VTERM_KEY_HOME; break;
      case Key::kEnd: key = VTERM_KEY_END; break;
      case Key::kPageUp: key = VTERM_KEY_PAGEUP; break;
      case Key::kPageDown: key = VTERM_KEY_PAGEDOWN; break;
      default: break;
    }
    int mod = VTERM_MOD_NONE;
    if (k.shift) mod |= VTERM_MOD_SHIFT;
    if (k.alt) mod |= VTERM_MOD_ALT;
    if (k.ctrl) mod |= VTERM_MOD_CTRL;
    vterm_keyboard_key(vt_, key, static_cast<VTermModifier>(mod));
    out.swap(replies_);
  }
  replies_ = std::move(pending);
  return out;
}

Cell Screen::cell(int row, int col) const {
  VTermScreenCell vc;
  Cell c;
  if (!vterm_screen_get_cell(screen_, VTermPos{row, col}, &vc)) return c;
  if (vc.chars[0] == static_cast<uint32_t>(-1)) {  // right half of a wide character
    c.width = 0;
  } else {
    for (int i = 0; i < Cell::kMaxChars && i < VTERM_MAX_CHARS_PER_CELL && vc.chars[i]; ++i)
      c.chars[i] = vc.chars[i];
    c.width = static_cast<uint8_t>(std::max<int>(1, vc.width));
  }
  c.bold = vc.attrs.bold;
  c.italic = vc.attrs.italic;
  c.underline = vc.attrs.underline != VTERM_UNDERLINE_OFF;
  c.reverse = vc.attrs.reverse;
  c.strike = vc.attrs.strike;
  c.fg = convert(vc.fg);
  c.bg = convert(vc.bg);
  return c;
}

std::string Screen::line(int row) const {
  std::string out;
  size_t keep = 0;  // length up to the last non-blank cell
  for (int col = 0; col < cols_; ++col) {
    Cell c = cell(row, col);
    if (c.width == 0) continue;
    if (c.chars[0] == 0) {
      out += ' ';
      continue;
    }
    for (int i = 0; i < Cell::kMaxChars && c.chars[i]; ++i) out += encode_utf8(c.chars[i]);
    if (!c.blank()) keep = out.size();
  }
  out.resize(keep);
  return out;
}

std::vector<std::string> Screen::text() const {
  std::vector<std::string> lines;
  lines.reserve(rows_);
  for (int r = 0; r < rows_; ++r) lines.push_back(line(r));
  return lines;
}

int count_screen_clears(std::string_view bytes) {
  int n = 0;
  for (size_t i = 0; i + 1 < bytes.size(); ++i) {
    if (bytes[i] != '\x1b') continue;
    if (bytes[i + 1] == 'c') {
      ++n;
    } else if (bytes.substr(i + 1, 3) == "[2J") {
      ++n;
    }
  }
  return n;
}

}  // namespace nc::term
