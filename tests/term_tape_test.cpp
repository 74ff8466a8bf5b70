// term: the VHS tape parser (language subset, metadata comments, errors with file:line:column)
// and the key encoding a tape's key presses go through.
#include <gtest/gtest.h>

#include <string>

#include "nc/core/error.h"
#include "nc/data/tape_generators.h"
#include "nc/term/screen.h"
#include "nc/term/tape.h"

namespace nc::term {
namespace {

// The error a tape gives, as "where | what | hint".
std::string error_of(const std::string& text) {
  try {
    parse_tape(text, "t.tape");
  } catch (const Error& e) {
    return e.where() + " | " + e.what_failed() + " | " + e.hint();
  }
  return "no error";
}

TEST(TapeParser, ReferenceLayoutWithMultiLineThemeAndMetadata) {
  // The layout of the reference pipeline's generated tapes (PAPER.md §1.2), theme JSON over
  // several lines as they write it.
  const std::string text = R"TAPE(# ---- VHS documentation start (DO NOT CHANGE) ----
#   Require <string>                Ensure a program is on the $PATH to proceed
#   Ctrl+<key>                      Press the Control key + <key> (e.g. Ctrl+C)
# ---- VHS documentation end (DO NOT CHANGE) ----

# ID: demo_000001
# INSTRUCTION: The demonstration runs `echo Shell PID: $$` to display the \"PID\", keeping the focus.
# CLASS: {"Basic": true, "Files": false, "Text": false}
# LEVEL: 1
# INTERACTIVE: false
# EVENTS: 12
# VISUAL_COMPLEXITY: 28
# ANSWER: 42

Output demo_000001.mp4
Require bash
Set Shell "bash"
Set Theme {
  "name": "Catppuccin Mocha (Pure White, Warm Pink Cursor)",
  "background": "#1e1e2e",
  "foreground": "#ffffff"
}
Set FontSize 40
Set Width 1600
Set Height 900
Set TypingSpeed 70ms
Set PlaybackSpeed 1
Set Margin 28
Set MarginFill "#0091FF"
Set BorderRadius 25
Set Padding 18
Set LineHeight 1.2
Set LetterSpacing 0.8

Sleep 180ms
Type "echo Shell PID: $$"
Sleep 120ms
Enter
Sleep 400ms
Hide
)TAPE";
  Tape t = parse_tape(text, "demo_000001.tape");
  EXPECT_EQ(t.id(), "demo_000001");
  EXPECT_EQ(t.metadata["instruction"],
            "The demonstration runs `echo Shell PID: $$` to display the \"PID\", keeping the focus.");
  EXPECT_EQ(t.metadata["class"]["Basic"], true);
  EXPECT_EQ(t.metadata["level"], 1);
  EXPECT_EQ(t.metadata["interactive"], false);
  EXPECT_EQ(t.metadata["events"], 12);
  EXPECT_EQ(t.metadata["visual_complexity"], 28);
  EXPECT_EQ(t.metadata["answer"], "42");
  EXPECT_EQ(t.outputs, std::vector<std::string>{"demo_000001.mp4"});
  EXPECT_EQ(t.requires, std::vector<std::string>{"bash"});
  const TapeSettings& s = t.settings;
  EXPECT_EQ(s.shell, "bash");
  ASSERT_TRUE(s.theme.has_value());
  EXPECT_EQ(nlohmann::json::parse(*s.theme)["background"], "#1e1e2e");
  EXPECT_EQ(*s.font_size, 40);
  EXPECT_EQ(*s.width, 1600);
  EXPECT_EQ(*s.height, 900);
  EXPECT_DOUBLE_EQ(s.typing_speed, 0.07);
  EXPECT_EQ(*s.margin, 28);
  EXPECT_EQ(*s.margin_fill, "#0091FF");
  EXPECT_EQ(*s.border_radius, 25);
  EXPECT_EQ(*s.padding, 18);
  EXPECT_DOUBLE_EQ(*s.line_height, 1.2);
  EXPECT_DOUBLE_EQ(*s.letter_spacing, 0.8);
  ASSERT_EQ(t.commands.size(), 6u);
  EXPECT_EQ(t.commands[0].kind, TapeCommand::Kind::kSleep);
  EXPECT_DOUBLE_EQ(t.commands[0].seconds, 0.18);
  EXPECT_EQ(t.commands[1].kind, TapeCommand::Kind::kType);
  EXPECT_EQ(t.commands[1].text, "echo Shell PID: $$");
  EXPECT_DOUBLE_EQ(t.commands[1].interval, 0.07);
  EXPECT_EQ(t.commands[3].kind, TapeCommand::Kind::kKey);
  EXPECT_EQ(t.commands[3].key.key, Key::kEnter);
  EXPECT_EQ(t.commands[5].kind, TapeCommand::Kind::kHide);
  // 0.18 + 18 characters x 0.07 + 0.12 + one Enter (0.07) + 0.4
  EXPECT_NEAR(t.duration(), 0.18 + 18 * 0.07 + 0.12 + 0.07 + 0.4, 1e-9);
  EXPECT_EQ(scripted_caption(t), "Type echo Shell PID: $$; Enter.");
}

TEST(TapeParser, KeysSpeedsRepeatsCombosAndStrings) {
  Tape t = parse_tape(
      "Type@10ms 'say \"hi\"' `and` more\n"
      "Enter@1s 3\n"
      "Backspace 2\n"
      "Left@0.5\n"
      "Ctrl+C\n"
      "Ctrl+Alt+x\n"
      "Alt+Enter\n"
      "Shift+Tab\n"
      "Ctrl+[\n"
      "Sleep 2\n"
      "Sleep .5s\n"
      "Sleep 1m\n"
      "Space PageUp PageDown Delete Insert Escape Up Down Right Tab\n"
      "Show\n"
      "Screenshot shot.png\n"
      "Env GREETING \"hello there\"\n"
      "Set TypingSpeed 0.2\n"
      "Type x # a trailing comment\n",
      "k.tape");
  const auto& c = t.commands;
  ASSERT_EQ(c.size(), 25u);
  EXPECT_EQ(c[0].text, "say \"hi\" and more");
  EXPECT_DOUBLE_EQ(c[0].interval, 0.01);
  EXPECT_EQ(c[1].repeat, 3);
  EXPECT_DOUBLE_EQ(c[1].interval, 1.0);
  EXPECT_EQ(c[2].key.key, Key::kBackspace);
  EXPECT_EQ(c[2].repeat, 2);
  EXPECT_DOUBLE_EQ(c[3].interval, 0.5);
  EXPECT_TRUE(c[4].key.ctrl);
  EXPECT_EQ(c[4].key.ch, U'C');
  EXPECT_EQ(c[4].key_name, "Ctrl+C");
  EXPECT_TRUE(c[5].key.ctrl && c[5].key.alt);
  EXPECT_EQ(c[5].key.ch, U'x');
  EXPECT_TRUE(c[6].key.alt);
  EXPECT_EQ(c[6].key.key, Key::kEnter);
  EXPECT_TRUE(c[7].key.shift);
  EXPECT_EQ(c[7].key.key, Key::kTab);
  EXPECT_EQ(c[8].key.ch, U'[');
  EXPECT_DOUBLE_EQ(c[9].seconds, 2);
  EXPECT_DOUBLE_EQ(c[10].seconds, 0.5);
  EXPECT_DOUBLE_EQ(c[11].seconds, 60);
  EXPECT_EQ(c[12].key.key, Key::kSpace);
  EXPECT_EQ(c[21].key.key, Key::kTab);
  EXPECT_EQ(c[22].kind, TapeCommand::Kind::kShow);
  EXPECT_EQ(c[23].kind, TapeCommand::Kind::kScreenshot);
  EXPECT_EQ(c[23].text, "shot.png");
  EXPECT_EQ(t.env.at("GREETING"), "hello there");
  EXPECT_EQ(c[24].text, "x");
  EXPECT_DOUBLE_EQ(c[24].interval, 0.2);  // TypingSpeed applies from where it is set
  EXPECT_EQ(scripted_caption(parse_tape("Type python\nEnter\nType 'values = [n*n for n in range(1, 10)]'\n"
                                        "Enter\nType 'print(values)'\nEnter\nType 'exit()'\nEnter\n",
                                        "p.tape")),
            "Type python; Enter; Type values = [n*n for n in range(1, 10)]; Enter; Type print(values); Enter; "
            "Type exit(); Enter.");
}

TEST(TapeParser, ErrorsNameLineColumnAndWhatWasExpected) {
  EXPECT_EQ(error_of("Sleep 1s\n  Entr 2\n"),
            "t.tape:2:3 | unknown command 'Entr' (did you mean 'Enter'?) | expected one of Output, Require, Set, "
            "Env, Type, Sleep, Hide, Show, Screenshot, Enter, Backspace, Delete, Insert, Tab, Space, Escape, Up, "
            "Down, Left, Right, PageUp, PageDown, Ctrl, Alt, Shift");
  EXPECT_EQ(error_of("Type \"echo hi\nEnter\n"),
            "t.tape:1:6 | unterminated string | expected its closing quote on the same line (strings cannot span "
            "lines)");
  EXPECT_NE(error_of("Sleep\nEnter\n").find("t.tape:2:1 | missing a time after Sleep"), std::string::npos);
  EXPECT_NE(error_of("Sleep fast\n").find("t.tape:1:7 | missing a time after Sleep, found 'fast'"), std::string::npos);
  EXPECT_NE(error_of("Set FontSiz 12\n").find("t.tape:1:5 | unknown setting 'FontSiz' (did you mean 'FontSize'?)"),
            std::string::npos);
  EXPECT_NE(error_of("Set FontSize 1000\n").find("out of range"), std::string::npos);
  EXPECT_NE(error_of("# CLASS: {\"Basic\": tru}\n").find("t.tape:1:1 | # CLASS: is not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("# LEVEL: high\n").find("is not an integer"), std::string::npos);
  EXPECT_NE(error_of("Wait /done/\n").find("'Wait' is a VHS command this runner does not support"), std::string::npos);
  EXPECT_NE(error_of("Ctrl+\n").find("missing key after Ctrl+"), std::string::npos);
  EXPECT_NE(error_of("Ctrl+Foo\n").find("'Foo' is not a key"), std::string::npos);
  EXPECT_NE(error_of("Enter 0\n").find("repeat count 0 out of range"), std::string::npos);
  EXPECT_NE(error_of("Sleep 1s 2s\n").find("t.tape:1:10 | unexpected '2'"), std::string::npos);
  EXPECT_NE(error_of("Set Theme {\"a\": 1\n").find("unterminated theme JSON"), std::string::npos);
  EXPECT_NE(error_of("Type\n").find("Type needs a string"), std::string::npos);
  EXPECT_NE(error_of("\"stray\"\n").find("unexpected the string"), std::string::npos);
  // Settings that change nothing here are accepted with a warning.
  Tape t = parse_tape("Set WindowBar Colorful\nSet CursorBlink false\n", "w.tape");
  ASSERT_EQ(t.warnings.size(), 2u);
  EXPECT_NE(t.warnings[0].find("w.tape:1:5: Set WindowBar changes nothing"), std::string::npos);
}

TEST(TapeParser, GeneratedTapesOfEveryFamilyParse) {
  for (const auto& family : data::tape_families()) {
    data::TapeGenOptions o;
    o.family = family;
    o.count = 5;
    for (const auto& g : data::generate_tapes(o)) {
      Tape t = parse_tape(g.text, g.id + ".tape");
      EXPECT_EQ(t.id(), g.id);
      EXPECT_FALSE(t.metadata.value("instruction", "").empty()) << g.id;
      EXPECT_EQ(t.commands.back().kind, TapeCommand::Kind::kHide) << g.id;  // the body ends with Hide
      EXPECT_GT(t.duration(), 0.5) << g.id;
      EXPECT_LT(t.duration(), 30) << g.id;
      EXPECT_TRUE(t.warnings.empty()) << g.id;
    }
  }
}

TEST(TapeKeys, KeysFollowTheTerminalModes) {
  Screen s(80, 24);
  KeyPress up;
  up.key = Key::kUp;
  EXPECT_EQ(s.key_input(up), "\x1b[A");
  s.feed("\x1b[?1h");  // application cursor keys (vim, less)
  EXPECT_EQ(s.key_input(up), "\x1bOA");
  KeyPress k;
  k.key = Key::kEnter;
  EXPECT_EQ(s.key_input(k), "\r");
  k.key = Key::kBackspace;
  EXPECT_EQ(s.key_input(k), "\x7f");
  k.key = Key::kDelete;
  EXPECT_EQ(s.key_input(k), "\x1b[3~");
  k.key = Key::kPageDown;
  EXPECT_EQ(s.key_input(k), "\x1b[6~");
  k.key = Key::kTab;
  EXPECT_EQ(s.key_input(k), "\t");
  k.key = Key::kEscape;
  EXPECT_EQ(s.key_input(k), "\x1b");
  KeyPress c;
  c.ctrl = true;
  c.ch = U'C';
  EXPECT_EQ(s.key_input(c), "\x03");
  c.ch = U'r';
  EXPECT_EQ(s.key_input(c), "\x12");
  c.ch = U'[';
  EXPECT_EQ(s.key_input(c), "\x1b");
  KeyPress a;
  a.alt = true;
  a.ch = U'b';
  EXPECT_EQ(s.key_input(a), "\x1b" "b");
  KeyPress u;
  u.ch = U'é';
  EXPECT_EQ(s.key_input(u), "é");
  // A pending reply to a status query is not mixed into key bytes.
  s.feed("\x1b[6n");
  EXPECT_EQ(s.key_input(u), "é");
  EXPECT_EQ(s.take_replies(), "\x1b[1;1R");
  EXPECT_EQ(key_press_name(c), "Ctrl+[");
  EXPECT_EQ(vhs_theme_name("Catppuccin Mocha"), "catppuccin-mocha");
}

}  // namespace
}  // namespace nc::term
