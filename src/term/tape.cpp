#include "nc/term/tape.h"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <regex>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/strings.h"
#include "nc/core/utf8.h"

namespace nc::term {
namespace {

// ---- Lexer -------------------------------------------------------------------------------

struct Token {
  enum Kind : uint8_t { kEnd, kWord, kNumber, kString, kJson, kComment, kSymbol };
  Kind kind = kEnd;
  std::string text;
  TapeLocation at;
  bool unterminated = false;  // kString / kJson without its closing character
};

bool word_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '/'; }
bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '/' || c == '%';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  Token next() {
    skip_space();
    Token t;
    t.at = {line_, col_};
    if (i_ >= s_.size()) return t;
    const char c = s_[i_];
    if (c == '#') {
      t.kind = Token::kComment;
      size_t e = s_.find_first_of("\r\n", i_);
      if (e == std::string_view::npos) e = s_.size();
      t.text = std::string(s_.substr(i_ + 1, e - i_ - 1));
      advance(e - i_);
    } else if (c == '"' || c == '\'' || c == '`') {
      t.kind = Token::kString;
      size_t e = i_ + 1;
      while (e < s_.size() && s_[e] != c && s_[e] != '\n' && s_[e] != '\r') ++e;
      t.text = std::string(s_.substr(i_ + 1, e - i_ - 1));
      t.unterminated = e >= s_.size() || s_[e] != c;
      advance(std::min(s_.size(), t.unterminated ? e : e + 1) - i_);
    } else if (c == '{') {
      t.kind = Token::kJson;
      // Up to the matching brace, skipping braces inside JSON strings.
      int depth = 0;
      bool in_string = false;
      size_t e = i_;
      for (; e < s_.size(); ++e) {
        const char d = s_[e];
        if (in_string) {
          if (d == '\\') ++e;
          else if (d == '"') in_string = false;
        } else if (d == '"') {
          in_string = true;
        } else if (d == '{') {
          ++depth;
        } else if (d == '}' && --depth == 0) {
          break;
        }
      }
      t.unterminated = e >= s_.size();
      const size_t end = t.unterminated ? s_.size() : e + 1;
      t.text = std::string(s_.substr(i_, end - i_));
      advance(end - i_);
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))) {
      t.kind = Token::kNumber;
      size_t e = i_;
      while (e < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[e])) || s_[e] == '.')) ++e;
      t.text = std::string(s_.substr(i_, e - i_));
      advance(e - i_);
    } else if (word_start(c)) {
      t.kind = Token::kWord;
      size_t e = i_;
      while (e < s_.size() && word_char(s_[e])) ++e;
      t.text = std::string(s_.substr(i_, e - i_));
      advance(e - i_);
    } else {
      t.kind = Token::kSymbol;
      // One character (a whole UTF-8 sequence).
      size_t n = 1;
      while (i_ + n < s_.size() && (static_cast<unsigned char>(s_[i_ + n]) & 0xC0) == 0x80) ++n;
      t.text = std::string(s_.substr(i_, n));
      advance(n);
    }
    return t;
  }

  // True when the next character is not whitespace (for `Type@...`, `Ctrl+C`).
  bool adjacent() const { return i_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[i_])); }

 private:
  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) advance(1);
  }
  void advance(size_t n) {
    for (size_t k = 0; k < n && i_ < s_.size(); ++k, ++i_) {
      if (s_[i_] == '\n') {
        ++line_;
        col_ = 1;
      } else if ((static_cast<unsigned char>(s_[i_]) & 0xC0) != 0x80) {
        ++col_;  // columns count characters, not bytes
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  int line_ = 1, col_ = 1;
};

// ---- Parser ------------------------------------------------------------------------------

struct NamedKey {
  const char* name;
  Key key;
};
constexpr NamedKey kKeys[] = {
    {"Enter", Key::kEnter},   {"Backspace", Key::kBackspace}, {"Delete", Key::kDelete},
    {"Insert", Key::kInsert}, {"Tab", Key::kTab},             {"Space", Key::kSpace},
    {"Escape", Key::kEscape}, {"Up", Key::kUp},               {"Down", Key::kDown},
    {"Left", Key::kLeft},     {"Right", Key::kRight},         {"PageUp", Key::kPageUp},
    {"PageDown", Key::kPageDown},
};

std::optional<Key> named_key(const std::string& word) {
  for (const auto& k : kKeys)
    if (word == k.name) return k.key;
  return std::nullopt;
}

const char* key_name(Key key) {
  for (const auto& k : kKeys)
    if (k.key == key) return k.name;
  switch (key) {
    case Key::kHome: return "Home";
    case Key::kEnd: return "End";
    default: return "";
  }
}

const std::vector<std::string>& command_names() {
  static const std::vector<std::string> names = {
      "Output", "Require", "Set",   "Env",  "Type",   "Sleep", "Hide",   "Show",      "Screenshot",
      "Enter",  "Backspace", "Delete", "Insert", "Tab", "Space", "Escape", "Up",       "Down",
      "Left",   "Right",   "PageUp", "PageDown", "Ctrl", "Alt",  "Shift"};
  return names;
}

const std::vector<std::string>& setting_names() {
  static const std::vector<std::string> names = {
      "Shell",   "FontSize",   "FontFamily",   "Width",         "Height",  "TypingSpeed",
      "Theme",   "Padding",    "Margin",       "MarginFill",    "BorderRadius", "LineHeight",
      "LetterSpacing", "PlaybackSpeed", "Framerate",
      // VHS settings that change nothing in this runner (accepted with a warning):
      "WindowBar", "WindowBarSize", "CursorBlink", "LoopOffset", "WaitTimeout", "WaitPattern"};
  return names;
}

class Parser {
 public:
  Parser(std::string_view text, std::string name) : lex_(text), name_(std::move(name)) {
    tape_.name = name_;
    advance();
  }

  Tape run() {
    while (cur_.kind != Token::kEnd) {
      if (cur_.kind == Token::kComment) {
        comment(cur_);
        advance();
        continue;
      }
      statement();
    }
    return std::move(tape_);
  }

 private:
  [[noreturn]] void fail(const Token& t, const std::string& what, const std::string& expected = {}) {
    throw Error(what, where(t.at), expected.empty() ? std::string() : "expected " + expected);
  }
  std::string where(const TapeLocation& at) const {
    return name_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
  }
  std::string describe(const Token& t) const {
    switch (t.kind) {
      case Token::kEnd: return "the end of the file";
      case Token::kComment: return "a comment";
      case Token::kJson: return "JSON";
      case Token::kString: return "the string \"" + t.text + "\"";
      default: return "'" + t.text + "'";
    }
  }

  // The next token that is not a comment (comments between arguments still count as metadata).
  void advance() {
    adjacent_ = lex_.adjacent();
    cur_ = lex_.next();
    while (cur_.kind == Token::kComment && in_statement_) {
      comment(cur_);
      cur_ = lex_.next();
    }
  }

  void check_string(const Token& t) {
    if (t.kind == Token::kString && t.unterminated)
      fail(t, "unterminated string", "its closing quote on the same line (strings cannot span lines)");
  }

  bool is_string(const Token& t) const { return t.kind == Token::kString || t.kind == Token::kWord; }

  std::string take_string(const std::string& what) {
    check_string(cur_);
    if (!is_string(cur_) || cur_.at.line != stmt_line_) fail(cur_, "missing " + what + ", found " + describe(cur_), what);
    std::string s = cur_.text;
    advance();
    return s;
  }

  // A time: NUMBER [ms|s|m]; no unit means seconds (VHS).
  double take_time(const std::string& what) {
    if (cur_.kind != Token::kNumber || cur_.at.line != stmt_line_)
      fail(cur_, "missing " + what + ", found " + describe(cur_), "a time such as 500ms, 1s or 0.5");
    const Token num = cur_;
    double v = number_value(num);
    advance();
    if (cur_.kind == Token::kWord && cur_.at.line == stmt_line_) {
      if (cur_.text == "ms") {
        v /= 1000;
        advance();
      } else if (cur_.text == "s") {
        advance();
      } else if (cur_.text == "m") {
        v *= 60;
        advance();
      }
    }
    if (v > 24 * 3600) fail(num, "time " + num.text + " is too long", "at most a day");
    return v;
  }

  double number_value(const Token& t) {
    char* end = nullptr;
    double v = std::strtod(t.text.c_str(), &end);
    if (t.text.empty() || *end != '\0' || !std::isfinite(v)) fail(t, "'" + t.text + "' is not a number", "a number");
    return v;
  }

  double take_number(const std::string& what) {
    if (cur_.kind != Token::kNumber || cur_.at.line != stmt_line_)
      fail(cur_, "missing " + what + ", found " + describe(cur_), "a number");
    double v = number_value(cur_);
    advance();
    return v;
  }

  int take_int(const std::string& what, int lo, int hi) {
    const Token t = cur_;
    double v = take_number(what);
    if (v != std::floor(v) || v < lo || v > hi)
      fail(t, what + " " + t.text + " out of range", "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return static_cast<int>(v);
  }

  // `@<time>` right after a command name.
  std::optional<double> speed() {
    if (cur_.kind == Token::kSymbol && cur_.text == "@" && adjacent_stmt()) {
      advance();
      return take_time("a speed after '@'");
    }
    return std::nullopt;
  }
  bool adjacent_stmt() const { return cur_.at.line == stmt_line_; }

  void statement() {
    const Token head = cur_;
    check_string(head);
    if (head.kind != Token::kWord) {
      if (head.kind == Token::kJson && head.unterminated) fail(head, "unterminated JSON object", "a closing '}'");
      fail(head, "unexpected " + describe(head), "a command (" + join(command_names(), ", ") + ")");
    }
    stmt_line_ = head.at.line;
    in_statement_ = true;
    advance();
    const std::string& w = head.text;
    if (w == "Output") {
      tape_.outputs.push_back(take_string("an output path"));
    } else if (w == "Require") {
      tape_.requires.push_back(take_string("a program name"));
    } else if (w == "Set") {
      set();
    } else if (w == "Env") {
      std::string key = take_string("a variable name");
      tape_.env[key] = take_string("a value");
    } else if (w == "Type") {
      TapeCommand c;
      c.kind = TapeCommand::Kind::kType;
      c.at = head.at;
      c.interval = speed().value_or(typing_speed_);
      // VHS joins several strings on one line with spaces.
      check_string(cur_);
      if (!is_string(cur_) || !adjacent_stmt()) fail(cur_, "Type needs a string, found " + describe(cur_), "a quoted string");
      while (is_string(cur_) && adjacent_stmt()) {
        check_string(cur_);
        if (!c.text.empty()) c.text += ' ';
        c.text += cur_.text;
        advance();
      }
      check_text(head, c.text);
      add(std::move(c));
    } else if (w == "Sleep") {
      TapeCommand c;
      c.kind = TapeCommand::Kind::kSleep;
      c.at = head.at;
      c.seconds = take_time("a time after Sleep");
      add(std::move(c));
    } else if (w == "Hide" || w == "Show") {
      TapeCommand c;
      c.kind = w == "Hide" ? TapeCommand::Kind::kHide : TapeCommand::Kind::kShow;
      c.at = head.at;
      add(std::move(c));
    } else if (w == "Screenshot") {
      TapeCommand c;
      c.kind = TapeCommand::Kind::kScreenshot;
      c.at = head.at;
      c.text = take_string("a .png path");
      add(std::move(c));
    } else if (auto key = named_key(w)) {
      TapeCommand c;
      c.kind = TapeCommand::Kind::kKey;
      c.at = head.at;
      c.key.key = *key;
      c.key_name = w;
      c.interval = speed().value_or(typing_speed_);
      if (cur_.kind == Token::kNumber && adjacent_stmt()) c.repeat = take_int("a repeat count", 1, 10000);
      add(std::move(c));
    } else if (w == "Ctrl" || w == "Alt" || w == "Shift") {
      combo(head);
    } else if (w == "Wait" || w == "Source" || w == "Copy" || w == "Paste" || w == "ScrollUp" ||
               w == "ScrollDown") {
      fail(head, "'" + w + "' is a VHS command this runner does not support", "one of " + join(command_names(), ", "));
    } else {
      std::string near = closest_match(w, command_names());
      fail(head, "unknown command '" + w + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"),
           "one of " + join(command_names(), ", "));
    }
    in_statement_ = false;
    // Anything left on the line is a mistake (`Sleep 1s 2s`, `Enter Enter` is fine: a new command).
    if (cur_.kind != Token::kEnd && cur_.kind != Token::kComment && cur_.at.line == stmt_line_ &&
        !(cur_.kind == Token::kWord && (named_key(cur_.text) || is_command(cur_.text))))
      fail(cur_, "unexpected " + describe(cur_) + " after " + w, "the end of the line or another command");
  }

  static bool is_command(const std::string& w) {
    for (const auto& n : command_names())
      if (n == w) return true;
    return false;
  }

  void check_text(const Token& at, const std::string& text) {
    if (!is_valid_utf8(text)) fail(at, "the typed text is not valid UTF-8", "UTF-8 text");
  }

  // Ctrl+[Alt+][Shift+]<key>, Alt+[Shift+]<key>, Shift+<key>.
  void combo(const Token& head) {
    TapeCommand c;
    c.kind = TapeCommand::Kind::kKey;
    c.at = head.at;
    c.interval = 0;  // VHS presses a combination without a pause after it
    std::string name = head.text;
    auto set_mod = [&](const std::string& m) {
      if (m == "Ctrl") c.key.ctrl = true;
      else if (m == "Alt") c.key.alt = true;
      else c.key.shift = true;
    };
    set_mod(head.text);
    for (;;) {
      if (!(cur_.kind == Token::kSymbol && cur_.text == "+" && adjacent_)) fail(cur_, "missing '+' after " + name, "for example Ctrl+C");
      const bool glued = lex_adjacent_after_plus();
      advance();
      if (!glued || cur_.kind == Token::kEnd) fail(cur_, "missing key after " + name + "+", "a key such as C, Enter or [");
      name += "+";
      const Token k = cur_;
      if (k.kind == Token::kWord && (k.text == "Alt" || k.text == "Shift") && !(k.text == "Alt" && c.key.alt) &&
          !(k.text == "Shift" && c.key.shift)) {
        set_mod(k.text);
        name += k.text;
        advance();
        continue;
      }
      if (k.kind == Token::kWord && named_key(k.text)) {
        c.key.key = *named_key(k.text);
      } else if ((k.kind == Token::kWord || k.kind == Token::kNumber || k.kind == Token::kSymbol) &&
                 utf8_length(k.text) == 1) {
        c.key.ch = decode_first(k.text);
      } else if (k.kind == Token::kString && utf8_length(k.text) == 1) {
        c.key.ch = decode_first(k.text);
      } else {
        fail(k, "'" + k.text + "' is not a key", "one character or a key name (Enter, Tab, Up, ...)");
      }
      name += k.text;
      advance();
      break;
    }
    c.key_name = name;
    add(std::move(c));
  }
  // `Ctrl+ C` is not a combination: the key must follow the '+' directly.
  bool lex_adjacent_after_plus() const { return lex_.adjacent(); }

  static size_t utf8_length(const std::string& s) {
    size_t n = 0;
    for (unsigned char ch : s)
      if ((ch & 0xC0) != 0x80) ++n;
    return n;
  }
  static char32_t decode_first(const std::string& s) {
    std::u32string u = decode_utf8(s);
    return u.empty() ? 0 : u[0];
  }

  void set() {
    const Token key = cur_;
    if (key.kind != Token::kWord || key.at.line != stmt_line_)
      fail(key, "missing setting after Set, found " + describe(key), "one of " + join(setting_names(), ", "));
    advance();
    const std::string& k = key.text;
    TapeSettings& s = tape_.settings;
    if (k == "Shell") {
      s.shell = take_string("a shell name");
    } else if (k == "FontFamily") {
      s.font_family = take_string("a font family");
    } else if (k == "FontSize") {
      s.font_size = bounded(take_number("a font size"), 4, 512, key, "FontSize");
    } else if (k == "Width") {
      s.width = take_int("Width", 16, 8192);
    } else if (k == "Height") {
      s.height = take_int("Height", 16, 8192);
    } else if (k == "TypingSpeed") {
      typing_speed_ = take_time("a typing speed");
      s.typing_speed = typing_speed_;
    } else if (k == "Theme") {
      if (cur_.kind == Token::kJson) {
        if (cur_.unterminated) fail(cur_, "unterminated theme JSON", "a closing '}'");
        try {
          auto j = nlohmann::json::parse(cur_.text);
          if (!j.is_object()) fail(cur_, "the theme is not a JSON object", "{\"background\": ..., ...}");
        } catch (const nlohmann::json::exception& e) {
          fail(cur_, std::string("invalid theme JSON: ") + e.what(), "a JSON object");
        }
        s.theme = cur_.text;
        advance();
      } else {
        s.theme = take_string("a theme name or JSON");
      }
    } else if (k == "Padding") {
      s.padding = take_int("Padding", 0, 1000);
    } else if (k == "Margin") {
      s.margin = take_int("Margin", 0, 1000);
    } else if (k == "MarginFill") {
      s.margin_fill = take_string("a colour such as \"#0091FF\"");
    } else if (k == "BorderRadius") {
      s.border_radius = take_int("BorderRadius", 0, 1000);
    } else if (k == "LineHeight") {
      s.line_height = bounded(take_number("a line height"), 0.5, 4, key, "LineHeight");
    } else if (k == "LetterSpacing") {
      s.letter_spacing = bounded(take_number("a letter spacing"), -4, 64, key, "LetterSpacing");
    } else if (k == "PlaybackSpeed") {
      s.playback_speed = bounded(take_number("a playback speed"), 0.01, 100, key, "PlaybackSpeed");
    } else if (k == "Framerate") {
      s.framerate = bounded(take_number("a frame rate"), 1, 120, key, "Framerate");
    } else if (k == "WindowBar" || k == "WindowBarSize" || k == "CursorBlink" || k == "LoopOffset" ||
               k == "WaitTimeout" || k == "WaitPattern") {
      // Consume the value, whatever its form, up to the end of the line.
      while (cur_.kind != Token::kEnd && cur_.at.line == stmt_line_) advance();
      tape_.warnings.push_back(where(key.at) + ": Set " + k + " changes nothing in this runner (ignored)");
    } else {
      std::string near = closest_match(k, setting_names());
      fail(key, "unknown setting '" + k + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"),
           "one of " + join(setting_names(), ", "));
    }
  }

  double bounded(double v, double lo, double hi, const Token& at, const std::string& what) {
    if (v < lo || v > hi)
      fail(at, what + " " + std::to_string(v) + " out of range",
           "a value in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
  }

  void add(TapeCommand c) { tape_.commands.push_back(std::move(c)); }

  // `# KEY: value` metadata (PAPER.md §1.2).
  void comment(const Token& t) {
    static const std::regex re(R"(^\s*([A-Z][A-Z0-9_]*):\s?(.*?)\s*$)");
    std::smatch m;
    if (!std::regex_match(t.text, m, re)) return;
    std::string key = m[1].str();
    const std::string value = m[2].str();
    for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    nlohmann::json v;
    if (key == "class") {
      try {
        v = nlohmann::json::parse(value);
      } catch (const nlohmann::json::exception& e) {
        fail(t, std::string("# CLASS: is not valid JSON: ") + e.what(), "a JSON object of class flags");
      }
      if (!v.is_object()) fail(t, "# CLASS: is not a JSON object", "{\"Basic\": true, ...}");
    } else if (key == "level" || key == "events" || key == "visual_complexity") {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0') fail(t, "# " + m[1].str() + ": '" + value + "' is not an integer", "an integer");
      v = n;
    } else if (key == "interactive") {
      if (value != "true" && value != "false") fail(t, "# INTERACTIVE: '" + value + "'", "true or false");
      v = value == "true";
    } else if (key == "instruction") {
      // The reference generators escape backslashes and double quotes in the instruction.
      std::string out;
      for (size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size() && (value[i + 1] == '\\' || value[i + 1] == '"')) ++i;
        out += value[i];
      }
      v = out;
    } else {
      v = value;
    }
    if (tape_.metadata.contains(key))
      tape_.warnings.push_back(where(t.at) + ": # " + m[1].str() + ": given twice (the last one is kept)");
    tape_.metadata[key] = std::move(v);
  }

  Lexer lex_;
  std::string name_;
  Tape tape_;
  Token cur_;
  bool adjacent_ = false;  // no whitespace before cur_
  bool in_statement_ = false;
  int stmt_line_ = 0;
  double typing_speed_ = 0.05;  // VHS default
};

}  // namespace

std::string Tape::id() const {
  auto it = metadata.find("id");
  if (it != metadata.end() && it->is_string() && !it->get<std::string>().empty()) return it->get<std::string>();
  return std::filesystem::path(name).stem().string();
}

double Tape::duration() const {
  double t = 0;
  for (const auto& c : commands) {
    switch (c.kind) {
      case TapeCommand::Kind::kType: t += c.interval * static_cast<double>(decode_utf8(c.text).size()); break;
      case TapeCommand::Kind::kKey: t += c.interval * c.repeat; break;
      case TapeCommand::Kind::kSleep: t += c.seconds; break;
      default: break;
    }
  }
  return t;
}

Tape parse_tape(std::string_view text, const std::string& name) {
  // A UTF-8 byte order mark is not part of the first command.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (!is_valid_utf8(text)) throw Error("the tape is not valid UTF-8", name, "save it as UTF-8");
  return Parser(text, name).run();
}

Tape read_tape(const std::string& path) { return parse_tape(read_file(path), path); }

std::string key_press_name(const KeyPress& k) {
  std::string name;
  if (k.ctrl) name += "Ctrl+";
  if (k.alt) name += "Alt+";
  if (k.shift) name += "Shift+";
  if (k.key != Key::kNone) return name + key_name(k.key);
  return name + encode_utf8(k.ch);
}

std::string scripted_caption(const Tape& tape) {
  std::vector<std::string> parts;
  for (const auto& c : tape.commands) {
    if (c.kind == TapeCommand::Kind::kType) {
      parts.push_back("Type " + c.text);
    } else if (c.kind == TapeCommand::Kind::kKey) {
      parts.push_back(c.repeat > 1 ? c.key_name + " " + std::to_string(c.repeat) : c.key_name);
    }
  }
  if (parts.empty()) return {};
  return join(parts, "; ") + ".";
}

std::string vhs_theme_name(const std::string& name) {
  std::string out;
  for (char c : trim(name)) {
    if (c == ' ' || c == '_') out += '-';
    else out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace nc::term
