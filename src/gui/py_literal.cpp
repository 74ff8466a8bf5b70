#include "py_literal.h"

#include <cctype>
#include <cstdint>

#include "nc/core/error.h"

namespace nc::gui::py {
namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  Value document() {
    Value v = value(0);
    skip_space();
    if (i_ != s_.size()) fail("unexpected '" + std::string(1, s_[i_]) + "' after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(what + " at character " + std::to_string(i_ + 1));
  }
  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool word(const char* w) {
    const std::string ws(w);
    if (s_.compare(i_, ws.size(), ws) != 0) return false;
    const size_t end = i_ + ws.size();
    if (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_')) return false;
    i_ = end;
    return true;
  }

  Value value(int depth) {
    if (depth > 16) fail("nesting too deep");
    skip_space();
    if (i_ >= s_.size()) fail("unexpected end");
    const char c = s_[i_];
    if (c == '[') return sequence(']', depth);
    if (c == '(') return sequence(')', depth);
    if (c == '{') return sequence('}', depth);
    if (c == '\'' || c == '"') return string(false);
    if ((c == 'r' || c == 'R' || c == 'u' || c == 'U') && i_ + 1 < s_.size() &&
        (s_[i_ + 1] == '\'' || s_[i_ + 1] == '"')) {
      ++i_;
      return string(c == 'r' || c == 'R');
    }
    if (word("set")) {
      skip_space();
      if (i_ < s_.size() && s_[i_] == '(') {
        ++i_;
        skip_space();
        if (i_ < s_.size() && s_[i_] == ')') {
          ++i_;
          Value v;
          v.kind = Value::kSeq;
          return v;
        }
      }
      fail("only set() is understood");
    }
    Value v;
    if (word("None")) return v;
    for (const char* b : {"True", "False"}) {
      if (word(b)) {
        v.kind = Value::kBool;
        v.text = b;
        return v;
      }
    }
    if (c == '-' || c == '+' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) {
      const size_t start = i_++;
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' ||
                                ((s_[i_] == '-' || s_[i_] == '+') && (s_[i_ - 1] == 'e' || s_[i_ - 1] == 'E'))))
        ++i_;
      v.kind = Value::kNum;
      v.text = s_.substr(start, i_ - start);
      return v;
    }
    fail("unexpected '" + std::string(1, c) + "'");
  }

  Value sequence(char close, int depth) {
    ++i_;
    Value v;
    v.kind = Value::kSeq;
    skip_space();
    if (i_ < s_.size() && s_[i_] == close) {
      ++i_;
      return v;
    }
    for (;;) {
      v.items.push_back(value(depth + 1));
      skip_space();
      if (i_ >= s_.size()) fail("missing '" + std::string(1, close) + "'");
      if (s_[i_] == ',') {
        ++i_;
        skip_space();
        if (i_ < s_.size() && s_[i_] == close) {
          ++i_;
          return v;
        }
        continue;
      }
      if (s_[i_] == close) {
        ++i_;
        return v;
      }
      fail("expected ',' or '" + std::string(1, close) + "'");
    }
  }

  uint32_t hex(size_t digits) {
    if (i_ + digits > s_.size()) fail("truncated escape");
    uint32_t cp = 0;
    for (size_t k = 0; k < digits; ++k) {
      const char h = s_[i_++];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= static_cast<uint32_t>(h - 'A' + 10);
      else fail("bad hex digit in escape");
    }
    return cp;
  }

  Value string(bool raw) {
    const char quote = s_[i_++];
    Value v;
    v.kind = Value::kStr;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_++];
      if (c == quote) return v;
      if (c == '\n') fail("newline in a string");
      if (c != '\\') {
        v.text += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated string");
      const char e = s_[i_++];
      if (raw) {
        v.text += '\\';
        v.text += e;
        continue;
      }
      switch (e) {
        case '\\': v.text += '\\'; break;
        case '\'': v.text += '\''; break;
        case '"': v.text += '"'; break;
        case 'n': v.text += '\n'; break;
        case 't': v.text += '\t'; break;
        case 'r': v.text += '\r'; break;
        case 'a': v.text += '\a'; break;
        case 'b': v.text += '\b'; break;
        case 'f': v.text += '\f'; break;
        case 'v': v.text += '\v'; break;
        case '0': v.text += '\0'; break;
        case 'x': append_utf8(v.text, hex(2)); break;
        case 'u': append_utf8(v.text, hex(4)); break;
        case 'U': {
          const uint32_t cp = hex(8);
          if (cp > 0x10FFFF) fail("escape beyond U+10FFFF");
          append_utf8(v.text, cp);
          break;
        }
        default:
          v.text += '\\';
          v.text += e;
      }
    }
  }

  const std::string& s_;
  size_t i_ = 0;
};

}  // namespace

Value parse(const std::string& text) { return Parser(text).document(); }

std::string Value::text_repr() const {
  switch (kind) {
    case kStr: return repr_string(text);
    case kNum:
    case kBool: return text;
    case kNone: return "None";
    case kSeq: {
      std::string out = "(";
      for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i].text_repr();
      return out + ")";
    }
  }
  return {};
}

std::string repr_string(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos, has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == static_cast<unsigned char>(quote)) out += std::string("\\") + quote;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7f) {
      static const char* digits = "0123456789abcdef";
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
    } else {
      out += static_cast<char>(c);  // UTF-8 passes through, as repr() keeps printable text
    }
  }
  return out + quote;
}

}  // namespace nc::gui::py
