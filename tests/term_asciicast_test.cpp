// term: asciicast reading (v1, v2, v3), every repair and error, writing, round trips.
#include <gtest/gtest.h>

#include <string>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/term/asciicast.h"
#include "test_util.h"

namespace nc::term {
namespace {

const std::string kHeader = R"({"version": 2, "width": 80, "height": 24})";

// The message of the nc::Error that parsing `text` throws ("" when it does not throw).
std::string error_of(const std::string& text, const CastLimits& limits = {}) {
  try {
    parse_cast(text, "t.cast", limits);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Whether some warning contains `what`.
bool warned(const Cast& c, const std::string& what) {
  for (const auto& w : c.warnings)
    if (w.find(what) != std::string::npos) return true;
  return false;
}

std::string all_warnings(const Cast& c) {
  std::string s;
  for (const auto& w : c.warnings) s += w + "\n";
  return s;
}

TEST(Asciicast, ReadsV2) {
  Cast c = parse_cast(
      R"({"version": 2, "width": 100, "height": 30, "timestamp": 1747177906, "idle_time_limit": 2.5, "title": "demo", "command": "bash", "env": {"SHELL": "/bin/bash", "TERM": "xterm-256color"}})"
      "\n"
      R"([0.082492, "o", "\u001b[H\u001b[2Jh\u00e9llo \ud83d\ude00"])"
      "\n"
      R"([0.5, "i", "ls\r"])"
      "\n"
      R"([1, "r", "120x40"])"
      "\n"
      R"([1.25, "m", "chapter"])"
      "\n",
      "t.cast");
  EXPECT_EQ(c.header.version, 2);
  EXPECT_EQ(c.header.width, 100);
  EXPECT_EQ(c.header.height, 30);
  EXPECT_EQ(c.header.timestamp, 1747177906);
  EXPECT_EQ(c.header.idle_time_limit, 2.5);
  EXPECT_EQ(c.header.title, "demo");
  EXPECT_EQ(c.header.command, "bash");
  EXPECT_EQ(c.header.term_type, "xterm-256color");
  EXPECT_EQ(c.header.env.at("SHELL"), "/bin/bash");
  ASSERT_EQ(c.events.size(), 4u);
  EXPECT_EQ(c.events[0], (CastEvent{0.082492, 'o', "\x1b[H\x1b[2Jh\xC3\xA9llo \xF0\x9F\x98\x80"}));
  EXPECT_EQ(c.events[1], (CastEvent{0.5, 'i', "ls\r"}));
  EXPECT_EQ(c.events[2], (CastEvent{1, 'r', "120x40"}));
  EXPECT_EQ(c.events[3], (CastEvent{1.25, 'm', "chapter"}));
  EXPECT_EQ(c.duration(), 1.25);
  EXPECT_TRUE(c.warnings.empty()) << all_warnings(c);
}

TEST(Asciicast, ReadsV3WithIntervals) {
  Cast c = parse_cast(
      R"({"version": 3, "term": {"cols": 90, "rows": 20, "type": "xterm-256color"}, "timestamp": 1700000000, "env": {"SHELL": "/bin/zsh"}})"
      "\n"
      "# a comment line\n"
      R"([0.25, "o", "a"])"
      "\n"
      R"([0.5, "o", "b"])"
      "\n"
      R"([0, "r", "100x30"])"
      "\n"
      R"([1.0, "x", "0"])"
      "\n",
      "t.cast");
  EXPECT_EQ(c.header.version, 3);
  EXPECT_EQ(c.header.width, 90);
  EXPECT_EQ(c.header.height, 20);
  EXPECT_EQ(c.header.term_type, "xterm-256color");
  EXPECT_EQ(c.header.env.at("SHELL"), "/bin/zsh");
  ASSERT_EQ(c.events.size(), 4u);
  EXPECT_EQ(c.events[0], (CastEvent{0.25, 'o', "a"}));
  EXPECT_EQ(c.events[1], (CastEvent{0.75, 'o', "b"}));
  EXPECT_EQ(c.events[2], (CastEvent{0.75, 'r', "100x30"}));
  EXPECT_EQ(c.events[3], (CastEvent{1.75, 'x', "0"}));
  EXPECT_TRUE(c.warnings.empty()) << all_warnings(c);
}

TEST(Asciicast, ReadsV1AccumulatingDelays) {
  // Pretty-printed across lines, as asciinema 1.x wrote it.
  Cast c = parse_cast(R"({
  "version": 1,
  "width": 80,
  "height": 24,
  "duration": 1.5,
  "command": "/bin/bash",
  "title": "old",
  "env": {"TERM": "xterm", "SHELL": "/bin/bash"},
  "stdout": [
    [0.5, "$ "],
    [0.25, "ls\r\n"],
    [0.75, "\u001b[0m"]
  ]
}
)",
                      "t.cast");
  EXPECT_EQ(c.header.version, 1);
  EXPECT_EQ(c.header.width, 80);
  EXPECT_EQ(c.header.title, "old");
  EXPECT_EQ(c.header.term_type, "xterm");
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_EQ(c.events[0], (CastEvent{0.5, 'o', "$ "}));
  EXPECT_EQ(c.events[1], (CastEvent{0.75, 'o', "ls\r\n"}));
  EXPECT_EQ(c.events[2], (CastEvent{1.5, 'o', "\x1b[0m"}));
  EXPECT_TRUE(warned(c, "t.cast:1: asciicast v1 read with v2 semantics")) << all_warnings(c);

  // One line, and written by tools that left out the version.
  c = parse_cast(R"({"width": 80, "height": 24, "stdout": [[1, "a"], [1, "b"]]})", "t.cast");
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[1], (CastEvent{2, 'o', "b"}));
  EXPECT_TRUE(warned(c, "has no 'version' but has 'stdout'")) << all_warnings(c);

  // Bad bytes anywhere in the document are replaced and reported.
  c = parse_cast("{\"version\": 1, \"width\": 80, \"height\": 24,\n\"stdout\": [[1, \"a\xFF\"]]}", "t.cast");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].data, "a\xEF\xBF\xBD");
  EXPECT_TRUE(warned(c, "invalid UTF-8 replaced")) << all_warnings(c);
}

TEST(Asciicast, RepairsMissingVersion) {
  Cast c = parse_cast(R"({"width": 80, "height": 24})" "\n" R"([0.1, "o", "x"])" "\n", "t.cast");
  EXPECT_EQ(c.header.version, 2);
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_TRUE(warned(c, "t.cast:1: header has no 'version'; read as version 2")) << all_warnings(c);
}

TEST(Asciicast, RepairsTwoElementEvents) {
  Cast c = parse_cast(kHeader + "\n[0.1, \"x\"]\n[0.2, \"o\", \"y\"]\n", "t.cast");
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0], (CastEvent{0.1, 'o', "x"}));
  EXPECT_TRUE(warned(c, "t.cast:2: 2-element event read as [time, \"o\", data]")) << all_warnings(c);
}

TEST(Asciicast, RepairsNonStringType) {
  Cast c = parse_cast(kHeader + "\n[0.1, 1, \"a\"]\n[0.2, null, \"b\"]\n", "t.cast");
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0], (CastEvent{0.1, 'o', "a"}));
  EXPECT_EQ(c.events[1], (CastEvent{0.2, 'o', "b"}));
  EXPECT_TRUE(warned(c, "t.cast:2: event type 1 is not a string; read as \"o\"")) << all_warnings(c);
  EXPECT_TRUE(warned(c, "t.cast:3: event type null")) << all_warnings(c);
}

TEST(Asciicast, RepairsInvalidUtf8) {
  Cast c = parse_cast(kHeader + "\n[0.1, \"o\", \"a\xFF" "b\"]\n", "t.cast");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].data, "a\xEF\xBF\xBD" "b");
  EXPECT_TRUE(warned(c, "t.cast:2: invalid UTF-8 replaced with U+FFFD (1x)")) << all_warnings(c);

  // Unpaired surrogate escapes (a proper pair is left alone).
  c = parse_cast(kHeader + "\n[0.1, \"o\", \"a\\ud800b\\\\ud800\\ud83d\\ude00\"]\n", "t.cast");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].data, "a\xEF\xBF\xBD" "b\\ud800\xF0\x9F\x98\x80");
  EXPECT_TRUE(warned(c, "t.cast:2: unpaired UTF-16 surrogate escapes")) << all_warnings(c);
}

TEST(Asciicast, DropsTruncatedLastLine) {
  Cast c = parse_cast(kHeader + "\n[0.1, \"o\", \"a\"]\n[0.2, \"o\", \"b", "t.cast");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_TRUE(warned(c, "t.cast:3: truncated last line dropped")) << all_warnings(c);
  // The same line ended by a newline is not a truncation but an error.
  EXPECT_NE(error_of(kHeader + "\n[0.1, \"o\", \"a\"]\n[0.2, \"o\", \"b\n").find("t.cast:3: invalid JSON"),
            std::string::npos);
}

TEST(Asciicast, SkipsBlankLinesAndBom) {
  Cast c = parse_cast("\xEF\xBB\xBF\n" + kHeader + "\n\n[0.1, \"o\", \"a\"]\n  \r\n[0.2, \"o\", \"b\"]\r\n",
                      "t.cast");
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[1], (CastEvent{0.2, 'o', "b"}));
  EXPECT_TRUE(warned(c, "t.cast:1: UTF-8 byte order mark removed")) << all_warnings(c);
  EXPECT_TRUE(warned(c, "t.cast:1: blank line skipped")) << all_warnings(c);
  EXPECT_TRUE(warned(c, "t.cast:3: blank line skipped")) << all_warnings(c);
  EXPECT_TRUE(warned(c, "t.cast:5: blank line skipped")) << all_warnings(c);
}

TEST(Asciicast, ClampsSmallBackwardSteps) {
  Cast c = parse_cast(kHeader + "\n[1.0, \"o\", \"a\"]\n[0.9995, \"o\", \"b\"]\n[1.5, \"o\", \"c\"]\n", "t.cast");
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_EQ(c.events[1].time, 1.0);
  EXPECT_EQ(c.events[2].time, 1.5);
  EXPECT_TRUE(warned(c, "t.cast:3: time goes back by")) << all_warnings(c);
  EXPECT_NE(error_of(kHeader + "\n[10, \"o\", \"a\"]\n[2, \"o\", \"b\"]\n").find("t.cast:3: time goes backwards"),
            std::string::npos);
}

TEST(Asciicast, SkipsUnknownEventTypes) {
  Cast c = parse_cast(kHeader + "\n[0.1, \"z\", \"a\"]\n[0.2, \"out\", \"b\"]\n[0.3, \"o\", \"c\"]\n", "t.cast");
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].data, "c");
  EXPECT_TRUE(warned(c, "t.cast:2: unknown event type 'z'; event skipped")) << all_warnings(c);
}

TEST(Asciicast, WarningsAreCapped) {
  std::string text = kHeader + "\n" + std::string(1000, '\n') + "[1, \"o\", \"a\"]\n";
  Cast c = parse_cast(text, "t.cast");
  EXPECT_EQ(c.events.size(), 1u);
  EXPECT_LE(c.warnings.size(), 101u);
  EXPECT_TRUE(warned(c, "more warnings not shown")) << all_warnings(c);
}

TEST(Asciicast, ErrorsNameFileAndLine) {
  struct Case {
    std::string text, expected;
  };
  const std::string ev = "[0.1, \"o\", \"a\"]\n";
  const std::vector<Case> cases = {
      {"", "t.cast: empty file"},
      {"\n \n", "t.cast: empty file"},
      {"{\"version\": 2, \"width\": 80,\n", "t.cast:1: invalid JSON in header"},
      {"not json\n" + ev, "t.cast:1: invalid JSON in header"},
      {"[0.1, \"o\", \"a\"]\n", "t.cast:1: header is not a JSON object"},
      {"{\"title\": \"x\"}\n", "t.cast:1: header has no 'version'"},
      {"{\"version\": 4, \"width\": 80, \"height\": 24}\n", "t.cast:1: unknown asciicast version 4"},
      {"{\"version\": \"2\", \"width\": 80, \"height\": 24}\n", "t.cast:1: unknown asciicast version \"2\""},
      {"{\"version\": 2, \"height\": 24}\n", "t.cast:1: header has no 'width'"},
      {"{\"version\": 2, \"width\": 80.5, \"height\": 24}\n", "t.cast:1: 'width' is not an integer"},
      {"{\"version\": 2, \"width\": \"80\", \"height\": 24}\n", "t.cast:1: 'width' is not an integer"},
      {"{\"version\": 2, \"width\": 5000, \"height\": 24}\n", "t.cast:1: absurd size: width 5000"},
      {"{\"version\": 2, \"width\": 80, \"height\": 0}\n", "t.cast:1: absurd size: height 0"},
      {"{\"version\": 2, \"width\": 80, \"height\": 501}\n", "t.cast:1: absurd size: height 501"},
      {"{\"version\": 3, \"width\": 80, \"height\": 24}\n", "t.cast:1: v3 header has no 'term' object"},
      {"{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": -1}}\n", "t.cast:1: absurd size: term.rows -1"},
      {kHeader + "\n" + ev + "[0.2, \"o\" \"b\"]\n" + ev, "t.cast:3: invalid JSON"},
      {kHeader + "\n" + ev + "{\"t\": 1}\n", "t.cast:3: event is not an array"},
      {kHeader + "\n" + ev + "[0.2]\n", "t.cast:3: event has 1 elements"},
      {kHeader + "\n" + ev + "[0.2, \"o\", \"a\", 4]\n", "t.cast:3: event has 4 elements"},
      {kHeader + "\n" + ev + "[-0.5, \"o\", \"a\"]\n", "t.cast:3: negative time"},
      {kHeader + "\n" + ev + "[\"0.5\", \"o\", \"a\"]\n", "t.cast:3: event time is not a number"},
      {kHeader + "\n" + ev + "[1e999, \"o\", \"a\"]\n", "t.cast:3: invalid JSON: number overflow"},
      {kHeader + "\n" + ev + "[0.5, \"o\", 42]\n", "t.cast:3: event data is not a string"},
      {kHeader + "\n" + ev + "[0.5, \"o\", null]\n", "t.cast:3: event data is not a string"},
      {kHeader + "\n" + ev + "[0.5, \"r\", \"80-24\"]\n", "t.cast:3: bad resize data '80-24'"},
      {kHeader + "\n" + ev + "[0.5, \"r\", \"80x\"]\n", "t.cast:3: bad resize data"},
      {kHeader + "\n" + ev + "[0.5, \"r\", \"x24\"]\n", "t.cast:3: bad resize data"},
      {kHeader + "\n" + ev + "[0.5, \"r\", \"99999x24\"]\n", "t.cast:3: absurd size in resize event"},
      {kHeader + "\n" + ev + "[0.5, \"r\", \"0x24\"]\n", "t.cast:3: absurd size in resize event"},
      {"{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 24}}\n" + ev + "[-0.1, \"o\", \"a\"]\n",
       "t.cast:3: negative interval"},
      {kHeader + "\n" + std::string(100, '[') + std::string(100, ']') + "\n", "t.cast:2: invalid JSON: nested deeper"},
      {"{\"version\": 1, \"width\": 80, \"height\": 24}", "t.cast:1: v1 file has no 'stdout' array"},
      {"{\"version\": 1, \"width\": 80, \"height\": 24, \"stdout\": [\n[0.1, \"a\"],\n[0.1, 5]\n]}",
       "t.cast:3: stdout[1]: event data is not a string"},
      {"{\"version\": 1, \"width\": 80, \"height\": 24, \"stdout\": [\n[-0.1, \"a\"]]}",
       "t.cast:2: stdout[0]: negative delay"},
      {"{\"version\": 1, \"width\": 80, \"height\": 24, \"stdout\": [\n[0.1, \"a\", 3]]}",
       "t.cast:2: stdout[0]: event has 3 elements"},
      {"{\"version\": 1, \"width\": 80, \"height\": 24, \"stdout\": [7]}", "t.cast:1: stdout[0]: event is not an array"},
      {"{\"version\": 1, \"width\": 80, \"height\": 24, \"stdout\": []}\ntrailing", "t.cast:1: invalid JSON in v1 file"},
  };
  for (const auto& c : cases) {
    std::string msg = error_of(c.text);
    EXPECT_NE(msg.find(c.expected), std::string::npos) << "input: " << c.text << "\nerror: " << msg;
  }
}

TEST(Asciicast, MemoryGuards) {
  CastLimits limits;
  limits.max_events = 2;
  std::string three = kHeader + "\n[0.1, \"o\", \"a\"]\n[0.2, \"o\", \"b\"]\n[0.3, \"o\", \"c\"]\n";
  EXPECT_NE(error_of(three, limits).find("t.cast:4: more than 2 events"), std::string::npos)
      << error_of(three, limits);
  EXPECT_NE(error_of("{\"version\": 1, \"width\": 80, \"height\": 24, \"stdout\": [[1, \"a\"], [1, \"b\"], [1, \"c\"]]}",
                     limits)
                .find("more than 2 events"),
            std::string::npos);
  limits = {};
  limits.max_event_bytes = 100;
  std::string big = kHeader + "\n[0.1, \"o\", \"" + std::string(200, 'x') + "\"]\n";
  EXPECT_NE(error_of(big, limits).find("t.cast:2: line of"), std::string::npos) << error_of(big, limits);
  // The default is 64 MiB per event.
  EXPECT_EQ(CastLimits{}.max_event_bytes, size_t(64) << 20);
}

TEST(Asciicast, RoundTripIsExact) {
  Cast c;
  c.header.width = 120;
  c.header.height = 40;
  c.header.timestamp = 1747177906;
  c.header.idle_time_limit = 1.5;
  c.header.title = "t \"quoted\" é";
  c.header.command = "bash -l";
  c.header.env = {{"SHELL", "/bin/bash"}, {"TERM", "xterm-256color"}};
  c.header.term_type = "xterm-256color";
  c.events = {{0, 'o', "\x1b[1;32mgreen\x1b[0m\r\n"},
              {0.1 + 0.2, 'o', "\xE2\x94\x80 \xF0\x9F\x98\x80 \t \\ \" \x7f \x01"},
              {1.0 / 3.0, 'i', "q"},
              {2, 'r', "100x30"},
              {12345.678901, 'm', ""},
              {1e7, 'o', std::string("nul\0byte", 8)}};
  std::string text = format_cast_v2(c);
  Cast back = parse_cast(text, "rt.cast");
  EXPECT_TRUE(back.warnings.empty()) << all_warnings(back);
  EXPECT_EQ(back.header.version, 2);
  EXPECT_EQ(back.header.width, 120);
  EXPECT_EQ(back.header.height, 40);
  EXPECT_EQ(back.header.timestamp, c.header.timestamp);
  EXPECT_EQ(back.header.idle_time_limit, 1.5);
  EXPECT_EQ(back.header.title, c.header.title);
  EXPECT_EQ(back.header.command, c.header.command);
  EXPECT_EQ(back.header.env, c.header.env);
  EXPECT_EQ(back.header.term_type, c.header.term_type);
  EXPECT_EQ(back.events, c.events);
  EXPECT_EQ(format_cast_v2(back), text);
  // The header line is the one asciinema writes (integer timestamp).
  EXPECT_NE(text.find("\"timestamp\":1747177906,"), std::string::npos) << text;

  test::TempDir dir;
  write_cast_v2(dir.file("a.cast"), c);
  EXPECT_EQ(read_cast(dir.file("a.cast")).events, c.events);

  // Writing refuses what it could not read back.
  Cast bad = c;
  bad.events[1].time = -1;
  EXPECT_THROW(format_cast_v2(bad), Error);
  bad = c;
  bad.events[1].type = 'q';
  EXPECT_THROW(format_cast_v2(bad), Error);
  bad = c;
  bad.header.width = 0;
  EXPECT_THROW(format_cast_v2(bad), Error);
}

TEST(Asciicast, WriterStreamsValidV2) {
  test::TempDir dir;
  const std::string path = dir.file("rec.cast");
  CastHeader h;
  h.width = 90;
  h.height = 25;
  h.timestamp = 1700000000;
  h.env = {{"SHELL", "/bin/sh"}, {"TERM", "xterm-256color"}};
  {
    CastWriter w(path, h);
    w.add(0.25, 'o', "hello\r\n");
    w.add(0.5, 'i', "x");
    w.add(0.4, 'o', "bad \xFF utf8");  // earlier than the previous: raised to it
    EXPECT_FALSE(file_exists(path));   // nothing under the real name until close()
    EXPECT_EQ(w.events(), 3u);
    w.close();
    EXPECT_THROW(w.add(1, 'o', "late"), Error);
  }
  Cast c = read_cast(path);
  EXPECT_TRUE(c.warnings.empty()) << all_warnings(c);
  EXPECT_EQ(c.header.width, 90);
  EXPECT_EQ(c.header.height, 25);
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_EQ(c.events[0], (CastEvent{0.25, 'o', "hello\r\n"}));
  EXPECT_EQ(c.events[2], (CastEvent{0.5, 'o', "bad \xEF\xBF\xBD utf8"}));

  // Abandoned without close(): nothing appears.
  {
    CastWriter w(dir.file("gone.cast"), h);
    w.add(0.1, 'o', "x");
  }
  EXPECT_FALSE(file_exists(dir.file("gone.cast")));
}

TEST(Asciicast, ReadCastNamesMissingFile) {
  try {
    read_cast("/no/such/file.cast");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/file.cast"), std::string::npos);
  }
}

}  // namespace
}  // namespace nc::term
