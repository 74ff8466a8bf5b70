// core: UTF-8 validation, repair, decoding, encoding and the chunk splitter.
#include <gtest/gtest.h>

#include <string>

#include "nc/core/utf8.h"

namespace nc {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, ValidAndInvalid) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii \x1b[1m"));
  EXPECT_TRUE(is_valid_utf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));                            // U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, SanitizeReplacesMaximalSubparts) {
  size_t n = 99;
  EXPECT_EQ(sanitize_utf8("ok \xC3\xA9", &n), "ok \xC3\xA9");
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(sanitize_utf8("a\x80z", &n), "a" + kFffd + "z");
  EXPECT_EQ(n, 1u);
  // E2 82 is a valid start cut short by 'z': one replacement for both bytes.
  EXPECT_EQ(sanitize_utf8("\xE2\x82z", &n), kFffd + "z");
  EXPECT_EQ(n, 1u);
  // Each byte of an overlong or surrogate form is its own subpart (the Unicode rule).
  EXPECT_EQ(sanitize_utf8("\xC0\xAF", &n), kFffd + kFffd);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80", &n), kFffd + kFffd + kFffd);
  EXPECT_EQ(n, 3u);
  // A truncated character at the end is one replacement.
  EXPECT_EQ(sanitize_utf8("x\xF0\x9F\x98", &n), "x" + kFffd);
  EXPECT_EQ(n, 1u);
  EXPECT_TRUE(is_valid_utf8(sanitize_utf8("\xFF\xFE\xC3\x28\xA0\xA1\xE2\x28\xA1")));
}

TEST(Utf8, DecodeAndEncode) {
  EXPECT_EQ(decode_utf8("h\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), U"h\u00E9\u20AC\U0001F600");
  EXPECT_EQ(decode_utf8("a\xFF" "b"), U"a\uFFFDb");
  EXPECT_EQ(decode_utf8("\xE2\x82"), U"\uFFFD");
  EXPECT_EQ(encode_utf8(U'A'), "A");
  EXPECT_EQ(encode_utf8(char32_t(0xE9)), "\xC3\xA9");
  EXPECT_EQ(encode_utf8(char32_t(0x20AC)), "\xE2\x82\xAC");
  EXPECT_EQ(encode_utf8(char32_t(0x1F600)), "\xF0\x9F\x98\x80");
  EXPECT_EQ(encode_utf8(char32_t(0xD800)), kFffd);
  EXPECT_EQ(encode_utf8(char32_t(0x110000)), kFffd);
  std::u32string all;
  for (char32_t c : {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xFFFFu, 0x10000u, 0x10FFFFu}) all += c;
  EXPECT_EQ(decode_utf8(encode_utf8(all)), all);
  EXPECT_TRUE(is_valid_utf8(encode_utf8(all)));
}

TEST(Utf8, SplitterKeepsIncompleteTail) {
  const std::string text = "a\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80!";
  // Every way of cutting the text into two chunks gives back the text, each piece valid.
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    Utf8Splitter s;
    std::string a = s.feed(text.substr(0, cut));
    std::string b = s.feed(text.substr(cut));
    EXPECT_TRUE(is_valid_utf8(a)) << cut;
    EXPECT_TRUE(is_valid_utf8(b)) << cut;
    EXPECT_EQ(a + b, text) << cut;
    EXPECT_EQ(s.pending(), 0u);
  }
  // Byte by byte.
  Utf8Splitter s;
  std::string all;
  for (char c : text) {
    std::string piece = s.feed(std::string_view(&c, 1));
    EXPECT_TRUE(is_valid_utf8(piece));
    all += piece;
  }
  EXPECT_EQ(all, text);

  // An incomplete character at the end of the stream comes back from flush().
  Utf8Splitter t;
  EXPECT_EQ(t.feed("x\xF0\x9F"), "x");
  EXPECT_EQ(t.pending(), 2u);
  EXPECT_EQ(t.flush(), "\xF0\x9F");
  EXPECT_EQ(t.pending(), 0u);
  // Ill-formed bytes are not held back (they can never complete).
  EXPECT_EQ(t.feed("a\xFF"), "a\xFF");
  EXPECT_EQ(t.feed("\xE0\x80"), "\xE0\x80");
  // A held start that the next chunk breaks is passed on as it is.
  EXPECT_EQ(t.feed("\xE2\x82"), "");
  EXPECT_EQ(t.feed("z"), "\xE2\x82z");
}

}  // namespace
}  // namespace nc
