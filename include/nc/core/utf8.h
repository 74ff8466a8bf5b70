// UTF-8 checks and repairs. Terminal output is bytes; everything we store (asciicast events,
// JSON) must be valid UTF-8, so invalid sequences become U+FFFD, one per maximal ill-formed
// subpart (the Unicode / WHATWG rule), and PTY reads are split only between whole characters.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace nc {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);

// `s` with every ill-formed sequence replaced by U+FFFD; `replaced` (if given) receives how
// many replacements were made.
std::string sanitize_utf8(std::string_view s, size_t* replaced = nullptr);

// Code points of `s`; ill-formed sequences decode to U+FFFD.
std::u32string decode_utf8(std::string_view s);

// UTF-8 of one code point, or of a string of them; surrogates and values above U+10FFFF
// encode as U+FFFD.
std::string encode_utf8(char32_t c);
std::string encode_utf8(const std::u32string& s);

// Splits a byte stream that arrives in arbitrary chunks (PTY reads) at character boundaries:
// feed() returns everything up to the last complete character and keeps a trailing incomplete
// (but so far valid) sequence, at most 3 bytes, for the next chunk. It does not repair:
// ill-formed bytes pass through, for sanitize_utf8 to replace.
class Utf8Splitter {
 public:
  std::string feed(std::string_view chunk);
  // The bytes still held (an incomplete sequence at the end of the stream); clears them.
  std::string flush();
  size_t pending() const { return held_.size(); }

 private:
  std::string held_;
};

}  // namespace nc
