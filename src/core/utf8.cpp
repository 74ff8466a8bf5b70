#include "nc/core/utf8.h"

namespace nc {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// One step of decoding at `p` (n > 0 bytes left), following Unicode table 3-7.
//   > 0: a well-formed character of that many bytes, stored in *cp;
//   < 0: an ill-formed maximal subpart of -result bytes (to become one U+FFFD);
//   0:   the bytes left are a valid but incomplete start of a character.
int decode_one(const unsigned char* p, size_t n, char32_t* cp) {
  unsigned char b0 = p[0];
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  int len;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  char32_t value;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    value = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    value = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    value = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return -1;  // a continuation byte, C0/C1 or F5..FF: never valid as a lead
  }
  for (int i = 1; i < len; ++i) {
    if (static_cast<size_t>(i) >= n) return 0;
    unsigned char b = p[i];
    unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
    if (b < min || b > max) return -i;
    value = (value << 6) | (b & 0x3F);
  }
  *cp = value;
  return len;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

void append_utf8(std::string& out, char32_t c) {
  if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) c = kReplacement;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  const unsigned char* p = bytes(s);
  size_t i = 0, n = s.size();
  while (i < n) {
    if (p[i] < 0x80) {  // ASCII runs are the common case
      ++i;
      continue;
    }
    char32_t cp;
    int r = decode_one(p + i, n - i, &cp);
    if (r <= 0) return false;
    i += static_cast<size_t>(r);
  }
  return true;
}

std::string sanitize_utf8(std::string_view s, size_t* replaced) {
  std::string out;
  out.reserve(s.size());
  size_t count = 0;
  const unsigned char* p = bytes(s);
  size_t i = 0, n = s.size();
  while (i < n) {
    char32_t cp;
    int r = decode_one(p + i, n - i, &cp);
    if (r > 0) {
      out.append(s.data() + i, static_cast<size_t>(r));
      i += static_cast<size_t>(r);
    } else {
      append_utf8(out, kReplacement);
      ++count;
      i += r < 0 ? static_cast<size_t>(-r) : n - i;  // an incomplete tail is one subpart
    }
  }
  if (replaced) *replaced = count;
  return out;
}

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  const unsigned char* p = bytes(s);
  size_t i = 0, n = s.size();
  while (i < n) {
    char32_t cp;
    int r = decode_one(p + i, n - i, &cp);
    if (r > 0) {
      out += cp;
      i += static_cast<size_t>(r);
    } else {
      out += kReplacement;
      i += r < 0 ? static_cast<size_t>(-r) : n - i;
    }
  }
  return out;
}

std::string encode_utf8(char32_t c) {
  std::string out;
  append_utf8(out, c);
  return out;
}

std::string encode_utf8(const std::u32string& s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

std::string Utf8Splitter::feed(std::string_view chunk) {
  std::string data = std::move(held_);
  held_.clear();
  data.append(chunk.data(), chunk.size());
  // Only the last 3 bytes can start an incomplete character; find a lead byte among them
  // whose sequence runs past the end while every byte so far is valid.
  const unsigned char* p = bytes(data);
  size_t n = data.size();
  size_t first = n > 3 ? n - 3 : 0;
  for (size_t i = n; i-- > first;) {
    if ((p[i] & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    char32_t cp;
    if (decode_one(p + i, n - i, &cp) == 0) {
      held_.assign(data, i, std::string::npos);
      data.resize(i);
    }
    break;
  }
  return data;
}

std::string Utf8Splitter::flush() {
  std::string out = std::move(held_);
  held_.clear();
  return out;
}

}  // namespace nc
