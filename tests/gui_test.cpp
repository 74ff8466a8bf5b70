// gui: the paper's log formats, frame alignment (every rule), action tensors (exact entries),
// the letterbox mapping, the SVG cursor and reference stream, malformed logs, the synthetic
// agent, and import to clip shards.
#include <gtest/gtest.h>

#include <cmath>

#include <ATen/ops/ones.h>
#include <ATen/ops/zeros.h>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/data/shard.h"
#include "nc/gui/action_json.h"
#include "nc/gui/actions.h"
#include "nc/gui/alignment.h"
#include "nc/gui/csv_log.h"
#include "nc/gui/cursor.h"
#include "nc/gui/import.h"
#include "nc/gui/keys.h"
#include "nc/gui/synthetic_agent.h"
#include "nc/video/mp4_writer.h"
#include "test_util.h"

namespace nc::gui {
namespace {

// A hand-written log in the synthetic recorder's spelling: 10 frames at 15 fps, row k at
// about (k+1)/15 s, with known clicks, keys and scrolls.
const char* kHandLog =
    "Timestamp,Timestamp_formated,X,Y,Left Click,Right Click,Key Events\n"
    "0.0667,0:66,100,200,False,False,set()\n"                                           // 0
    "0.1334,0:133,110,200,True,False,\"{('keydown', 'a')}\"\n"                          // 1 click, a
    "0.2001,0:200,110,200,True,False,\"[('keyup', 'a')]\"\n"                            // 2 second click -> double
    "0.2668,0:266,300,400,False,True,[]\n"                                              // 3 right click, move
    "0.3335,0:333,300,400,False,False,\"[('keydown', 'Control_L'), ('keydown', 'c')]\"\n"  // 4 ctrl+c
    "0.4002,0:400,300,400,False,False,\"[('keyup', 'c'), ('keyup', 'Control_L'), ('scroll', 'down:3')]\"\n"  // 5
    "0.4669,0:466,,,False,False,[]\n"                                                   // 6 no cursor
    "0.5336,0:533,1030,-3,False,False,\"[('keydown', 'Return')]\"\n"                    // 7 clamped, Return
    "0.6003,0:600,500,500,False,False,\"[('keydown', 'A'), ('keydown', '\\t')]\"\n"     // 8 'A', Tab
    "0.6670,0:666,500,500,False,False,[]\n";                                            // 9

int key(const char* name) { return key_index(canonical_key(name)); }
int mouse(int i) { return i; }
int keyboard(int k) { return kMouseEvents + k; }

GuiTrace hand_trace(AlignReport* report = nullptr, AlignmentOptions opt = {}) {
  const CsvLog log = parse_frame_csv(kHandLog, "hand.csv");
  return align_trace(&log, nullptr, 10, 15, 1024, 768, opt, report);
}

// ---- readers --------------------------------------------------------------------------------

TEST(GuiLogs, KeyVocabularyIsTheDocumentedTable) {
  ASSERT_EQ(key_names().size(), 169u);
  EXPECT_EQ(key_names()[0], "space");
  EXPECT_EQ(key_names()[33], "A");
  EXPECT_EQ(key_names()[65], "a");
  EXPECT_EQ(key_names()[94], "asciitilde");
  EXPECT_EQ(key_names()[95], "Return");
  EXPECT_EQ(key_names()[109], "F1");
  EXPECT_EQ(key_names()[121], "Shift_L");
  EXPECT_EQ(key_names()[123], "Control_L");
  EXPECT_EQ(key_names()[143], "KP_0");
  EXPECT_EQ(key_names()[159], "XF86AudioLowerVolume");
  EXPECT_EQ(key_names()[168], "<unk>");
  EXPECT_EQ(mouse_event_names().size(), 13u);
  EXPECT_EQ(mouse_event_names()[kMouseDoubleClick], "double_click");
  EXPECT_EQ(mouse_event_names()[kMouseMove], "move");
  // Aliases and literal characters.
  EXPECT_EQ(canonical_key("enter"), "Return");
  EXPECT_EQ(canonical_key("ctrl"), "Control_L");
  EXPECT_EQ(canonical_key("cmd"), "Super_L");
  EXPECT_EQ(canonical_key("PageUp"), "Prior");
  EXPECT_EQ(canonical_key(" "), "space");
  EXPECT_EQ(canonical_key("\t"), "Tab");
  EXPECT_EQ(canonical_key("!"), "exclam");
  EXPECT_EQ(canonical_key("f5"), "F5");
  EXPECT_EQ(canonical_key("A"), "A");
  EXPECT_EQ(canonical_key("Hyper_L"), "");
  EXPECT_EQ(key_index("Hyper_L"), kUnknownKey);
  // Every agent key is in the vocabulary.
  for (const auto& k : agent_special_keys()) EXPECT_NE(key_index(k), kUnknownKey) << k;
  for (char c : agent_typed_chars()) EXPECT_NE(key_index(canonical_key(std::string(1, c))), kUnknownKey) << c;
}

TEST(GuiLogs, ReadsTheSyntheticRecorderCsv) {
  const CsvLog log = parse_frame_csv(kHandLog, "hand.csv");
  ASSERT_EQ(log.rows.size(), 10u);
  EXPECT_EQ(log.key_column, "Key Events");
  EXPECT_DOUBLE_EQ(log.rows[0].timestamp, 0.0667);
  EXPECT_EQ(log.rows[0].time_text, "0:66");
  EXPECT_EQ(log.rows[1].line, 3);
  EXPECT_TRUE(log.rows[1].left_click);
  EXPECT_TRUE(log.rows[3].right_click);
  EXPECT_TRUE(std::isnan(log.rows[6].x));
  ASSERT_EQ(log.rows[5].events.size(), 3u);
  EXPECT_EQ(log.rows[5].events[2], GuiEvent::scroll(Scroll::kDown, 3));
  EXPECT_EQ(log.rows[8].events[1], GuiEvent::key_down("Tab"));
  EXPECT_NEAR(csv_fps(log), 15, 0.05);
}

TEST(GuiLogs, ReadsTheNormalisedCsvAndPandasQuirks) {
  // Time/Keys spelling, a pandas index column, CRLF, a BOM, JSON-style pairs and scroll entries.
  const std::string text =
      "\xEF\xBB\xBF,Timestamp,Time,X,Y,Left Click,Right Click,Keys\r\n"
      "0,0.0,0:0,5,6,false,0,\"[[\"\"keydown\"\", \"\"x\"\"]]\"\r\n"
      "1,0.0667,0:66,5.0,6.0,1,False,\"[('scroll', 'up:2'), ('wait', '0.5'), ('keyup', \"\"'\"\")]\"\r\n";
  const CsvLog log = parse_frame_csv(text, "norm.csv");
  ASSERT_EQ(log.rows.size(), 2u);
  EXPECT_EQ(log.key_column, "Keys");
  EXPECT_EQ(log.rows[0].events, std::vector<GuiEvent>{GuiEvent::key_down("x")});
  EXPECT_TRUE(log.rows[1].left_click);
  ASSERT_EQ(log.rows[1].events.size(), 2u);  // wait is no input
  EXPECT_EQ(log.rows[1].events[0], GuiEvent::scroll(Scroll::kUp, 2));
  EXPECT_EQ(log.rows[1].events[1], GuiEvent::key_up("apostrophe"));
}

TEST(GuiLogs, PythonLiteralKeyCells) {
  EXPECT_TRUE(parse_key_cell("set()", "c").empty());
  EXPECT_TRUE(parse_key_cell("", "c").empty());
  EXPECT_TRUE(parse_key_cell("[]", "c").empty());
  auto e = parse_key_cell(R"({('keydown', '\\'), ("keyup", "'"), (u'keydown', '\x41')})", "c");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0], GuiEvent::key_down("backslash"));
  EXPECT_EQ(e[1], GuiEvent::key_up("apostrophe"));
  EXPECT_EQ(e[2], GuiEvent::key_down("A"));
  // The computer-use recorder's CSV logs chords as one key.
  EXPECT_EQ(parse_key_cell("[('keydown', 'ctrl+s'), ('keyup', 'ctrl+s')]", "c"),
            (std::vector<GuiEvent>{GuiEvent::key_down("Control_L"), GuiEvent::key_down("s"), GuiEvent::key_up("s"),
                                   GuiEvent::key_up("Control_L")}));
  // Unknown keys are kept as logged (and counted by the CSV reader).
  EXPECT_EQ(parse_key_cell("[('keydown', 'Hyper_L')]", "c")[0].key, "Hyper_L");
  EXPECT_EQ(python_repr("a'b"), "\"a'b\"");
  EXPECT_EQ(python_repr("\t"), "'\\t'");
  EXPECT_EQ(format_time(1.0667), "1:66");
}

TEST(GuiLogs, MalformedCsvGivesClearErrors) {
  auto error_of = [](const std::string& text) {
    try {
      parse_frame_csv(text, "bad.csv");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string head = "Timestamp,X,Y,Left Click,Right Click,Key Events\n";
  EXPECT_NE(error_of("Timestamp,X,Left Click\n0,1,False\n").find("missing required columns: Y, Right Click"),
            std::string::npos);
  const std::string unparseable = error_of(head + "0,1,2,False,False,\"[('keydown', 'a'\"\n");
  EXPECT_NE(unparseable.find("unparseable key events"), std::string::npos) << unparseable;
  EXPECT_NE(unparseable.find("bad.csv:2: Key Events"), std::string::npos) << unparseable;
  EXPECT_NE(error_of(head + "0,1,2,False,False,\"[('press', 'a')]\"\n").find("unknown key event type 'press'"),
            std::string::npos);
  EXPECT_NE(error_of(head + "0,1,2,False,False,\"[('scroll', 'sideways:2')]\"\n").find("scroll direction"),
            std::string::npos);
  EXPECT_NE(error_of(head + "0,1,2,maybe,False,[]\n").find("bad.csv:2: Left Click"), std::string::npos);
  EXPECT_NE(error_of(head + "x,1,2,False,False,[]\n").find("Timestamp 'x' is not a number"), std::string::npos);
  EXPECT_NE(error_of(head + "0,1,,False,False,[]\n").find("only one of X and Y"), std::string::npos);
  EXPECT_NE(error_of(head + "0,1,2,False\n").find("row has 4 cells"), std::string::npos);
  EXPECT_NE(error_of(head).find("no rows"), std::string::npos);
  EXPECT_NE(error_of(head + "0,1,2,False,False,\"[oops\n").find("unterminated quoted cell"), std::string::npos);
}

TEST(GuiLogs, ReadsToolCallJsonWithSuccessRecords) {
  const std::string text = R"({"metadata": {"session_id": "s", "recording_type": "tool_execution", "video_sync": true},
    "actions": [
      {"timestamp": 0.2, "tool_name": "computer", "action": "left_click", "x": 10, "y": 20},
      {"timestamp": 0.2, "tool_name": "computer", "action": "left_click_success", "success": true},
      {"timestamp": 0.4, "tool_name": "computer", "action": "type", "text": "hi"},
      {"timestamp": 0.4, "tool_name": "computer", "action": "type_failed", "success": false, "error": "boom"},
      {"timestamp": 0.6, "tool_name": "computer", "action": "scroll", "x": 30, "y": 40,
       "scroll_direction": "down", "scroll_amount": 5},
      {"timestamp": 0.6, "tool_name": "computer", "action": "scroll_success"},
      {"timestamp": 0.8, "tool_name": "computer", "action": "key", "text": "ctrl+s"},
      {"timestamp": 1.0, "tool_name": "computer", "action": "screenshot"}]})";
  const ActionLog log = parse_action_json(text, "s.json");
  EXPECT_EQ(log.kind, ActionLogKind::kToolCalls);
  ASSERT_EQ(log.actions.size(), 5u);
  EXPECT_TRUE(log.actions[0].confirmed);
  EXPECT_FALSE(log.actions[1].success);
  EXPECT_EQ(log.actions[1].error, "boom");
  EXPECT_EQ(log.actions[2].scroll_direction, Scroll::kDown);
  EXPECT_EQ(log.actions[2].scroll_amount, 5);
  EXPECT_EQ(log.failed, 1);
  EXPECT_EQ(log.unconfirmed, 2);  // key and screenshot have no result record
  // Frame-start timestamps (the screen recorder's frame_count / fps): 0.2 s -> frame 3.
  AlignReport r;
  const GuiTrace t = align_trace(nullptr, &log, 20, 15, 1024, 768, {}, &r);
  EXPECT_EQ(r.timestamps, "frame_start");
  EXPECT_EQ(r.failed_actions, 1);
  EXPECT_EQ(t.frames[3].events, std::vector<GuiEvent>{GuiEvent::click(kLeftButton)});
  EXPECT_TRUE(t.frames[6].events.empty());  // the failed type
  EXPECT_EQ(t.frames[9].events, std::vector<GuiEvent>{GuiEvent::scroll(Scroll::kDown, 5)});
  EXPECT_EQ(t.frames[12].events, std::vector<GuiEvent>{GuiEvent::chord("ctrl+s")});
  // Positions forward-filled from the coordinates; none before the first.
  EXPECT_FALSE(t.frames[2].has_cursor());
  EXPECT_EQ(t.frames[5].x, 10);
  EXPECT_EQ(t.frames[9].x, 30);
  EXPECT_EQ(t.frames[19].y, 40);
}

TEST(GuiLogs, ReadsSyntheticAndMetaJson) {
  const ActionLog syn = parse_action_json(
      R"({"metadata": {"trajectory_id": 0, "source": "synthetic_trajectory", "fps": 15, "total_actions": 3},
          "actions": [{"action": "mouse_move", "coordinate": [5, 6], "timestamp": 0.0},
                      {"action": "lclick", "coordinate": [7, 8], "timestamp": 0.2},
                      {"action": "dblclick", "coordinate": [7, 8], "timestamp": 0.3333333333333333},
                      {"action": "type", "text": "a", "timestamp": 0.4},
                      {"action": "key", "text": "Return", "timestamp": 0.4666666666666667}]})",
      "actions_0.json");
  EXPECT_EQ(syn.kind, ActionLogKind::kSynthetic);
  EXPECT_EQ(syn.fps, 15);
  EXPECT_EQ(syn.actions[1].action, "left_click");
  EXPECT_EQ(syn.actions[2].action, "double_click");
  const GuiTrace t = align_trace(nullptr, &syn, 10, 15, 1024, 768, {});
  EXPECT_EQ(t.frames[3].events[0], GuiEvent::click(kLeftButton));
  EXPECT_EQ(t.frames[5].events[0], GuiEvent::click(kLeftButton, 2));
  EXPECT_EQ(t.frames[6].events[0], GuiEvent::typed("a"));
  EXPECT_EQ(t.frames[7].events[0], GuiEvent::chord("Return"));
  EXPECT_EQ(t.frames[0].x, 5);

  const ActionLog meta = parse_action_json(
      R"({"metadata": {"source": "csv_record", "fps": 15.0, "frame_count": 3, "action_frame_applies_to_next_frame": true},
          "frames": [{"index": 0, "timestamp": 0.0667, "time_formatted": "0:66", "x": 1, "y": 2, "left_click": false,
                      "right_click": false, "double_click": false, "triple_click": false, "middle_click": true,
                      "keys": []},
                     {"index": 1, "timestamp": 0.1333, "x": 3, "y": 4, "left_click": true, "right_click": false,
                      "keys": [["keydown", "b"], ["scroll", "left:1"]]},
                     {"index": 2, "timestamp": 0.2, "x": null, "y": null, "left_click": false, "right_click": false,
                      "keys": []}],
          "actions": [{"action": "left_click", "coordinate": [3, 4], "timestamp": 0.1333, "frame_index": 1}]})",
      "meta_actions_0.json");
  EXPECT_EQ(meta.kind, ActionLogKind::kMeta);
  ASSERT_EQ(meta.frames.size(), 3u);
  AlignReport r;
  const GuiTrace m = align_trace(nullptr, &meta, 3, 15, 1024, 768, {}, &r);
  EXPECT_EQ(r.positions_from, "meta frames");
  EXPECT_EQ(m.frames[0].events, std::vector<GuiEvent>{GuiEvent::click(kMiddleButton)});
  EXPECT_EQ(m.frames[1].events,
            (std::vector<GuiEvent>{GuiEvent::click(kLeftButton), GuiEvent::key_down("b"),
                                   GuiEvent::scroll(Scroll::kLeft, 1)}));
  EXPECT_FALSE(m.frames[2].has_cursor());
}

TEST(GuiLogs, MalformedJsonGivesClearErrors) {
  auto error_of = [](const std::string& text) {
    try {
      parse_action_json(text, "bad.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("{").find("invalid JSON"), std::string::npos);
  EXPECT_NE(error_of("{\"metadata\": {}}").find("missing 'actions'"), std::string::npos);
  EXPECT_NE(error_of(R"({"actions": [{"action": "teleport", "timestamp": 0}]})").find("unknown action 'teleport'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"actions": [{"action": "left_click"}]})").find("bad.json: actions[0]"), std::string::npos);
  EXPECT_NE(error_of(R"({"actions": [{"action": "scroll", "timestamp": 0, "scroll_direction": "in"}]})")
                .find("scroll direction 'in'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"actions": [{"action": "key", "text": "a+b", "timestamp": 0}]})").find("two non-modifier"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"actions": [{"action": "key", "text": "ctrl++s", "timestamp": 0}]})").find("empty part"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"frames": [{"index": 1, "timestamp": 0}]})").find("is not its position 0"),
            std::string::npos);
}

// ---- alignment ------------------------------------------------------------------------------

TEST(GuiAlign, HandLogEventsLandOnTheirFrames) {
  AlignReport r;
  const GuiTrace t = hand_trace(&r);
  ASSERT_EQ(t.frames.size(), 10u);
  EXPECT_EQ(r.events_from, "csv");
  EXPECT_EQ(r.timestamps, "row");
  EXPECT_NEAR(r.csv_offset, 1.0, 0.01);  // (k+1)/fps rows
  EXPECT_TRUE(t.frames[0].events.empty());
  EXPECT_EQ(t.frames[1].events, (std::vector<GuiEvent>{GuiEvent::click(kLeftButton), GuiEvent::key_down("a")}));
  EXPECT_EQ(t.frames[2].events[0], GuiEvent::click(kLeftButton, 2));  // 1/15 s after the first
  EXPECT_EQ(t.frames[3].events, std::vector<GuiEvent>{GuiEvent::click(kRightButton)});
  EXPECT_EQ(t.frames[5].events.back(), GuiEvent::scroll(Scroll::kDown, 3));
  EXPECT_FALSE(t.frames[6].has_cursor());
  EXPECT_EQ(t.frames[7].x, 1023);  // 1030 clamped (within 64 px)
  EXPECT_EQ(t.frames[7].y, 0);
  EXPECT_EQ(r.offscreen_clamped, 2);
  EXPECT_EQ(r.missing_cursor, 1);
  // action_frame_offset = 1 (the meta JSON's applies_to_next_frame reading): one frame later.
  AlignmentOptions next;
  next.action_frame_offset = 1;
  const GuiTrace n = hand_trace(nullptr, next);
  EXPECT_TRUE(n.frames[1].events.empty());
  EXPECT_EQ(n.frames[2].events[0], GuiEvent::click(kLeftButton));
  EXPECT_EQ(n.frames[2].x, 110);
  EXPECT_FALSE(n.frames[0].has_cursor());
}

TEST(GuiAlign, TimestampRulesAndTheirRounding) {
  // frame_end: round(t*fps - 1); frame_start: round(t*fps); ties to even as Python's round.
  EXPECT_EQ(frame_of_time(3 / 15.0, 15, 1), 2);
  EXPECT_EQ(frame_of_time(3 / 15.0, 15, 0), 3);
  EXPECT_EQ(frame_of_time(0.1333, 15, 1), 1);  // the paper's docstring example
  EXPECT_EQ(frame_of_time(2.5 / 15, 15, 0), 2);
  EXPECT_EQ(frame_of_time(3.5 / 15, 15, 0), 4);
  EXPECT_EQ(frame_of_time(3.5 / 15, 15, 1), 2);
  const ActionLog log = parse_action_json(
      R"({"actions": [{"action": "left_click", "timestamp": 0.2}, {"action": "right_click", "timestamp": 0.0}]})",
      "a.json");
  auto frame_of_click = [&](const char* rule, int offset) {
    AlignmentOptions o;
    o.timestamps = rule;
    o.action_frame_offset = offset;
    const GuiTrace t = align_trace(nullptr, &log, 10, 15, 1024, 768, o);
    for (size_t k = 0; k < t.frames.size(); ++k)
      for (const auto& e : t.frames[k].events)
        if (e.button == kLeftButton) return static_cast<int>(k);
    return -1;
  };
  EXPECT_EQ(frame_of_click("auto", 0), 3);       // synthetic actions: i / fps
  EXPECT_EQ(frame_of_click("frame_start", 0), 3);
  EXPECT_EQ(frame_of_click("frame_end", 0), 2);  // the paper's dataloader
  EXPECT_EQ(frame_of_click("frame_end", 1), 3);
  // The right click at t = 0 under frame_end lands on frame -1: clamped (1 frame) and counted.
  AlignmentOptions end;
  end.timestamps = "frame_end";
  AlignReport r;
  const GuiTrace t = align_trace(nullptr, &log, 10, 15, 1024, 768, end, &r);
  EXPECT_EQ(t.frames[0].events, std::vector<GuiEvent>{GuiEvent::click(kRightButton)});
  EXPECT_EQ(r.clamped_events, 1);
  end.max_clamp_frames = 0;
  EXPECT_THROW(align_trace(nullptr, &log, 10, 15, 1024, 768, end), Error);
}

TEST(GuiAlign, MismatchesAreErrorsOrDocumentedClamps) {
  const CsvLog log = parse_frame_csv(kHandLog, "hand.csv");
  AlignReport r;
  // One frame more or fewer: the longer is cut, with a warning.
  EXPECT_EQ(align_trace(&log, nullptr, 11, 15, 1024, 768, {}, &r).frames.size(), 10u);
  EXPECT_EQ(align_trace(&log, nullptr, 9, 15, 1024, 768, {}, &r).frames.size(), 9u);
  EXPECT_FALSE(r.warnings.empty());
  try {
    align_trace(&log, nullptr, 20, 15, 1024, 768, {});
    FAIL() << "a 10-row log against a 20-frame video must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the video has 20 frames, the log 10 rows"), std::string::npos) << e.what();
  }
  // Coordinates far off the screen (a wrong screen size) fail, naming the row.
  try {
    align_trace(&log, nullptr, 10, 15, 640, 480, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("hand.csv:9"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("off the 640x480 screen"), std::string::npos) << e.what();
  }
  // An action 2 s after a 10-frame video ends.
  const ActionLog late = parse_action_json(R"({"actions": [{"action": "left_click", "timestamp": 2.0}]})", "late.json");
  try {
    align_trace(nullptr, &late, 10, 15, 1024, 768, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("late.json: actions[0]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("frame 30"), std::string::npos) << e.what();
  }
  // A log whose fps contradicts the video.
  const ActionLog fast = parse_action_json(R"({"metadata": {"fps": 30}, "actions": []})", "fast.json");
  EXPECT_THROW(align_trace(nullptr, &fast, 10, 15, 1024, 768, {}), Error);
}

TEST(GuiAlign, ComputerUseSessionsTakePositionsFromTheScreenCsv) {
  // The screen recorder: rows at k/fps, positions only; the tool calls give the events.
  std::string screen = "Timestamp,Time,X,Y,Left Click,Right Click,Keys\n";
  for (int k = 0; k < 8; ++k)
    screen += std::to_string(k / 15.0) + ",0:0," + std::to_string(10 * k) + ",5,False,False,[]\n";
  const CsvLog csv = parse_frame_csv(screen, "screen_s.csv");
  const ActionLog tools = parse_action_json(
      R"({"metadata": {"recording_type": "tool_execution"},
          "actions": [{"timestamp": 0.2, "tool_name": "computer", "action": "double_click", "x": 500, "y": 500}]})",
      "s.json");
  AlignReport r;
  const GuiTrace t = align_trace(&csv, &tools, 8, 15, 1024, 768, {}, &r);
  EXPECT_EQ(r.positions_from, "csv");
  EXPECT_EQ(r.events_from, "tool calls");
  EXPECT_NEAR(r.csv_offset, 0, 1e-6);
  EXPECT_EQ(t.frames[3].events, std::vector<GuiEvent>{GuiEvent::click(kLeftButton, 2)});
  EXPECT_EQ(t.frames[3].x, 30);  // the screen CSV's position, not the tool call's
}

TEST(GuiAlign, MultiClickWindow) {
  GuiTrace t;
  t.fps = 15;
  t.frames.resize(20);
  for (int k : {0, 3, 6, 15, 19}) t.frames[static_cast<size_t>(k)].events.push_back(GuiEvent::click(kLeftButton));
  derive_multi_clicks(t, 0.3);
  EXPECT_EQ(t.frames[0].events[0].count, 1);
  EXPECT_EQ(t.frames[3].events[0].count, 2);  // 0.2 s after
  EXPECT_EQ(t.frames[6].events[0].count, 2);  // 0.4 s after frame 0: only frame 3 is in the window
  EXPECT_EQ(t.frames[15].events[0].count, 1);
  EXPECT_EQ(t.frames[19].events[0].count, 2);  // 0.267 s
}

// ---- tensors --------------------------------------------------------------------------------

TEST(GuiActions, RawV1EntriesOfTheHandLog) {
  const at::Tensor raw = encode_raw_actions(hand_trace(), 5);
  ASSERT_EQ(raw.sizes(), (std::vector<int64_t>{10, 182}));
  ASSERT_EQ(raw.scalar_type(), at::kByte);
  auto at = [&](int t, int i) { return raw[t][i].item<int>(); };
  // The exact set entries, frame by frame.
  const std::vector<std::vector<int>> expected = {
      {},
      {mouse(kMouseLeftClick), mouse(kMouseMove), keyboard(key("a"))},
      {mouse(kMouseLeftClick), mouse(kMouseDoubleClick)},
      {mouse(kMouseRightClick), mouse(kMouseMove)},
      {keyboard(key("Control_L")), keyboard(key("c"))},
      {mouse(kMouseScrollDown)},
      {},
      {keyboard(key("Return"))},  // no move: frame 6 has no cursor
      {mouse(kMouseMove), keyboard(key("A")), keyboard(key("Tab"))},
      {},
  };
  for (int t = 0; t < 10; ++t) {
    std::vector<int> set;
    for (int i = 0; i < 182; ++i)
      if (at(t, i)) set.push_back(i);
    std::vector<int> want = expected[static_cast<size_t>(t)];
    std::sort(want.begin(), want.end());
    EXPECT_EQ(set, want) << "frame " << t;
  }
  EXPECT_EQ(keyboard(key("a")), 13 + 65);
  EXPECT_EQ(keyboard(key("Control_L")), 13 + 123);
}

TEST(GuiActions, MetaV2SlotsOfTheHandLog) {
  const MetaActions m = encode_meta_actions(hand_trace(), 2, 5);
  ASSERT_EQ(m.types.sizes(), (std::vector<int64_t>{10, 2}));
  auto v = [](const at::Tensor& x, int t, int s) { return x[t][s].item<int64_t>(); };
  // frame 1: click (left, 1) then typed "a"
  EXPECT_EQ(v(m.types, 1, 0), kMetaClick);
  EXPECT_EQ(v(m.button, 1, 0), 1);
  EXPECT_EQ(v(m.click_count, 1, 0), 1);
  EXPECT_EQ(v(m.types, 1, 1), kMetaType);
  EXPECT_EQ(m.text[1][1], "a");
  // frame 2: the double click
  EXPECT_EQ(v(m.click_count, 2, 0), 2);
  EXPECT_EQ(v(m.types, 2, 1), kMetaNone);
  // frame 3: right click
  EXPECT_EQ(v(m.button, 3, 0), 3);
  // frame 4: ctrl+c as a shortcut = 1 + 169 * ctrl(1) + key(c)
  EXPECT_EQ(v(m.types, 4, 0), kMetaShortcut);
  EXPECT_EQ(v(m.shortcut, 4, 0), 1 + 169 * 1 + key("c"));
  EXPECT_EQ(shortcut_name(static_cast<int>(v(m.shortcut, 4, 0))), "ctrl+c");
  EXPECT_EQ(shortcut_from_combo("ctrl+c"), 1 + 169 + key("c"));
  // frame 5: scroll down 3
  EXPECT_EQ(v(m.types, 5, 0), kMetaScroll);
  EXPECT_EQ(v(m.scroll_direction, 5, 0), 2);
  EXPECT_EQ(v(m.scroll_amount, 5, 0), 3);
  // frame 7: Return, a shortcut of its own
  EXPECT_EQ(v(m.shortcut, 7, 0), 1 + key("Return"));
  // frame 8: typed "A", then Tab
  EXPECT_EQ(m.text[8][0], "A");
  EXPECT_EQ(v(m.shortcut, 8, 1), 1 + key("Tab"));
  EXPECT_EQ(m.overflow, 0);
  // One slot: the second action of frames 1 and 8 overflows.
  EXPECT_EQ(encode_meta_actions(hand_trace(), 1, 5).overflow, 2);
}

TEST(GuiActions, TypingShiftDragsAndChords) {
  GuiTrace t;
  t.frames.resize(4);
  for (auto& f : t.frames) f.x = f.y = 10;
  t.frames[0].events = {GuiEvent::key_down("Shift_L"), GuiEvent::key_down("a"), GuiEvent::key_down("1"),
                        GuiEvent::key_up("Shift_L"), GuiEvent::key_down("b")};
  t.frames[1].events = {GuiEvent::press(kLeftButton), GuiEvent::typed("ls -l\n")};
  t.frames[2].x = 60;
  t.frames[3].x = 60;
  t.frames[3].events = {GuiEvent::release(kLeftButton), GuiEvent::chord("ctrl+shift+t"), GuiEvent::chord("super")};
  const MetaActions m = encode_meta_actions(t, 3, 5);
  EXPECT_EQ(m.text[0][0], "A!b");  // shifted, then not
  EXPECT_EQ(m.types[1][0].item<int64_t>(), kMetaClick);
  EXPECT_EQ(m.click_count[1][0].item<int64_t>(), 0);
  EXPECT_EQ(m.drag[1][0].item<int64_t>(), 1);  // moved 50 px before the release
  EXPECT_EQ(m.text[1][1], "ls -l\n");
  EXPECT_EQ(shortcut_name(static_cast<int>(m.shortcut[3][0].item<int64_t>())), "ctrl+shift+t");
  EXPECT_EQ(shortcut_name(static_cast<int>(m.shortcut[3][1].item<int64_t>())), "Super_L");
  const at::Tensor raw = encode_raw_actions(t, 5);
  EXPECT_EQ(raw[1][kMouseLeftDown].item<int>(), 1);
  EXPECT_EQ(raw[2][kMouseDrag].item<int>(), 1);  // held while moving
  EXPECT_EQ(raw[3][kMouseDrag].item<int>(), 0);  // no movement in frame 3
  EXPECT_EQ(raw[3][kMouseLeftUp].item<int>(), 1);
  EXPECT_EQ(raw[1][13 + key("Return")].item<int>(), 1);  // "\n" typed
  EXPECT_EQ(raw[3][13 + key("Shift_L")].item<int>(), 1);
  EXPECT_EQ(raw[3][13 + key("t")].item<int>(), 1);
  const at::Tensor d = scroll_deltas(hand_trace());
  EXPECT_EQ(d[5][1].item<float>(), 3);
}

TEST(GuiActions, LetterboxMappingOfCursorCoordinates) {
  // 1024x768 into 832x480: s = 0.625, content 640x480, pad_x = 96 (PAPER.md §1.3).
  double x = 0, y = 0;
  ASSERT_TRUE(letterbox_point(100, 200, 1024, 768, 832, 480, &x, &y));
  EXPECT_NEAR(x, (0.625 * 100 + 96) / 831, 1e-12);
  EXPECT_NEAR(y, (0.625 * 200 + 0) / 479, 1e-12);
  ASSERT_TRUE(letterbox_point(0, 0, 1024, 768, 832, 480, &x, &y));
  EXPECT_NEAR(x, 96.0 / 831, 1e-12);
  ASSERT_TRUE(letterbox_point(1023, 767, 1024, 768, 1024, 768, &x, &y));
  EXPECT_NEAR(x, 1.0, 1e-12);
  EXPECT_NEAR(y, 1.0, 1e-12);
  EXPECT_FALSE(letterbox_point(NAN, 1, 1024, 768, 832, 480, &x, &y));
  const Trajectory tr = mouse_trajectories(hand_trace(), 832, 480);
  EXPECT_EQ(tr.xy.sizes(), (std::vector<int64_t>{10, 2}));
  EXPECT_NEAR(tr.xy[0][0].item<float>(), (0.625 * 100 + 96) / 831, 1e-6);
  EXPECT_EQ(tr.valid[6].item<int>(), 0);
  EXPECT_EQ(tr.xy[6][0].item<float>(), 0);
  EXPECT_NEAR(tr.xy[7][0].item<float>(), (0.625 * 1023 + 96) / 831, 1e-6);
}

TEST(GuiActions, CsvAndMetaJsonWritersRoundTrip) {
  const GuiTrace t = hand_trace();
  std::vector<double> times;
  for (int k = 0; k < 10; ++k) times.push_back((k + 1) / 15.0);
  const CsvLog back = parse_frame_csv(frame_csv_text(t, times), "w.csv");
  const GuiTrace t2 = align_trace(&back, nullptr, 10, 15, 1024, 768, {});
  for (size_t k = 0; k < 10; ++k) EXPECT_EQ(t2.frames[k].events, t.frames[k].events) << k;
  const auto meta = meta_action_json(t, times, "w.csv", 0.3, false);
  EXPECT_EQ(meta["frames"][2]["double_click"], true);
  EXPECT_EQ(meta["frames"][4]["keys"][1][1], "c");
  bool chord = false;
  for (const auto& a : meta["actions"]) chord |= a["action"] == "key_chord" && a["combo"] == "ctrl+c";
  EXPECT_TRUE(chord);
  const ActionLog m = parse_action_json(meta.dump(), "m.json");
  const GuiTrace t3 = align_trace(nullptr, &m, 10, 15, 1024, 768, {});
  for (size_t k = 0; k < 10; ++k) {
    EXPECT_EQ(t3.frames[k].events, t.frames[k].events) << k;
    EXPECT_EQ(t3.frames[k].has_cursor(), t.frames[k].has_cursor());
  }
}

// ---- cursor ---------------------------------------------------------------------------------

TEST(GuiCursor, ArrowSpriteAndHotspot) {
  const CursorSprite s = arrow_cursor(24);
  EXPECT_EQ(s.height, 26);  // + the 1-px outline on each side
  EXPECT_EQ(s.width, 16);   // round(24 * 12 / 20) + 2
  EXPECT_EQ(s.hot_x, 1);    // the tip, viewBox (8.2, 4.9), at 1.2 px per unit
  EXPECT_EQ(s.hot_y, 2);
  auto alpha = [&](int x, int y) { return s.rgba[static_cast<size_t>((y * s.width + x) * 4 + 3)]; };
  auto value = [&](int x, int y) { return s.rgba[static_cast<size_t>((y * s.width + x) * 4)]; };
  EXPECT_GT(alpha(s.hot_x, s.hot_y), 0);
  // Nothing above or left of the tip but the outline.
  for (int y = 0; y < s.hot_y - 1; ++y)
    for (int x = 0; x < s.width; ++x) EXPECT_EQ(alpha(x, y), 0) << x << "," << y;
  for (int y = 0; y < s.height; ++y)
    for (int x = 0; x < s.hot_x - 1; ++x) EXPECT_EQ(alpha(x, y), 0);
  // White body, black inner arrow: both present, opaque.
  int white = 0, black = 0;
  for (int y = 0; y < s.height; ++y)
    for (int x = 0; x < s.width; ++x)
      if (alpha(x, y) == 255) (value(x, y) > 200 ? white : value(x, y) < 50 ? black : white) += 1;
  EXPECT_GT(white, 10);
  EXPECT_GT(black, 30);
  // Size scales; the paper's 96x160 raster fits.
  const CursorSprite big = arrow_cursor(160, false);
  EXPECT_EQ(big.width, 96);
  EXPECT_EQ(big.hot_x, 1);
  EXPECT_EQ(big.hot_y, 7);
  EXPECT_THROW(arrow_cursor(2), Error);
}

TEST(GuiCursor, ReferenceStreamAndMasks) {
  const CursorSprite s = arrow_cursor(12);
  const std::array<uint8_t, 3> bg{128, 128, 128};
  const int W = 40, H = 30;
  at::Tensor first = at::zeros({H, W, 3}, at::kByte);
  first.select(2, 0).fill_(200);
  at::Tensor xy = at::zeros({4, 2}, at::kFloat), valid = at::ones({4}, at::kByte);
  xy[1][0] = 0.5f;
  xy[1][1] = 0.5f;  // hotspot pixel (round(19.5), round(14.5)) = (20, 15)
  xy[2][0] = 1.0f;
  xy[2][1] = 1.0f;  // bottom-right corner: the sprite is clipped
  valid[3] = 0;     // missing: empty mask
  const ReferenceStream r = reference_stream(first, xy, valid, s, bg);
  ASSERT_EQ(r.images.sizes(), (std::vector<int64_t>{4, 3, H, W}));
  ASSERT_EQ(r.masks.sizes(), (std::vector<int64_t>{4, 1, H, W}));
  // t = 0: the full frame with mask 1.
  EXPECT_NEAR(r.images[0][0][3][3].item<float>(), 200 / 127.5 - 1, 1e-6);
  EXPECT_NEAR(r.images[0][1][3][3].item<float>(), -1, 1e-6);
  EXPECT_EQ(r.masks[0].min().item<float>(), 1);
  // t = 1: the hotspot pixel is covered, the sprite lies right and below it, elsewhere background.
  EXPECT_GT(r.masks[1][0][15][20].item<float>(), 0);
  EXPECT_EQ(r.masks[1][0][5][5].item<float>(), 0);
  EXPECT_NEAR(r.images[1][0][5][5].item<float>(), 128 / 127.5 - 1, 1e-6);
  EXPECT_EQ(r.masks[1][0][12][18].item<float>(), 0);  // up-left of the tip
  EXPECT_GT(r.masks[1][0][15 + 8][20 + 2].item<float>(), 0.5);
  const float covered = r.masks[1].sum().item<float>();
  // t = 2: clipped at the corner, still some mask at the hotspot.
  EXPECT_GT(r.masks[2][0][H - 1][W - 1].item<float>(), 0);
  EXPECT_LT(r.masks[2].sum().item<float>(), covered);
  // t = 3: no cursor: zero mask, background image.
  EXPECT_EQ(r.masks[3].max().item<float>(), 0);
  EXPECT_NEAR(r.images[3].max().item<float>(), 128 / 127.5 - 1, 1e-6);
  // Patches expand to the same stream; draw_cursor agrees with the image.
  const CursorPatches p = cursor_patches(xy, valid, W, H, s, bg);
  EXPECT_EQ(p.mask.sizes(), (std::vector<int64_t>{4, s.height, s.width}));
  EXPECT_EQ(p.mask[3].max().item<int>(), 0);
  const ReferenceStream e = expand_reference_stream(first, p, bg);
  EXPECT_TRUE(e.images.equal(r.images));
  EXPECT_TRUE(e.masks.equal(r.masks));
  Image canvas(W, H, 128, 128, 128);
  draw_cursor(canvas, s, 20, 15);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      EXPECT_NEAR(canvas.pixel(x, y)[0] / 127.5 - 1, r.images[1][0][y][x].item<float>(), 1e-5) << x << "," << y;
}

// ---- agent ----------------------------------------------------------------------------------

TEST(GuiAgent, RandomPlansFollowThePaper) {
  const AgentOptions o;
  const GuiTrace slow = random_plan(AgentKind::kSlow, 450, 1024, 768, 15, o, 7);
  const GuiTrace again = random_plan(AgentKind::kSlow, 450, 1024, 768, 15, o, 7);
  const GuiTrace fast = random_plan(AgentKind::kFast, 450, 1024, 768, 15, o, 7);
  ASSERT_EQ(slow.frames.size(), 450u);
  auto speed = [](const GuiTrace& t) {
    double d = 0;
    for (size_t k = 1; k < t.frames.size(); ++k)
      d += std::hypot(t.frames[k].x - t.frames[k - 1].x, t.frames[k].y - t.frames[k - 1].y);
    return d / (t.frames.size() - 1);
  };
  EXPECT_LT(speed(slow), 40);   // a smooth curve
  EXPECT_GT(speed(fast), 250);  // uniform jumps: ~ 0.52 of the diagonal
  int clicks = 0;
  for (size_t k = 0; k < slow.frames.size(); ++k) {
    const auto& f = slow.frames[k];
    EXPECT_TRUE(f.x >= 0 && f.x <= 1023 && f.y >= 0 && f.y <= 767);
    EXPECT_EQ(f.events, again.frames[k].events);
    for (const auto& e : f.events) clicks += e.kind == EventKind::kClick && e.button == kLeftButton;
  }
  EXPECT_LT(clicks, 0.4 * 450 * 2);
  const auto curve = bezier_curve({{0, 0}, {10, 20}}, 3);
  EXPECT_EQ(curve[1], (std::pair<double, double>{5, 10}));
  EXPECT_EQ(parse_agent("script:x.json").script, "x.json");
  EXPECT_THROW(parse_agent("medium"), Error);
}

TEST(GuiAgent, ScriptedPlans) {
  const std::string script = R"({"actions": [
      {"frame": 0, "action": "mouse_move", "x": 0, "y": 0},
      {"frame": 10, "action": "left_click", "x": 100, "y": 50},
      {"frame": 12, "action": "mouse_move", "x": 300, "y": 300, "jump": true},
      {"time": 1.0, "action": "type", "text": "hi"},
      {"frame": 18, "action": "key", "text": "ctrl+s"},
      {"frame": 19, "action": "scroll", "direction": "down", "amount": 2}]})";
  const GuiTrace p = script_plan(script, "s.json", 20, 1024, 768, 15);
  EXPECT_EQ(p.frames[5].x, 50);  // halfway to the click
  EXPECT_EQ(p.frames[10].events, std::vector<GuiEvent>{GuiEvent::click(kLeftButton)});
  EXPECT_EQ(p.frames[11].x, 100);  // the jump holds until frame 12
  EXPECT_EQ(p.frames[12].x, 300);
  EXPECT_EQ(p.frames[15].events, std::vector<GuiEvent>{GuiEvent::typed("h")});
  EXPECT_EQ(p.frames[16].events, std::vector<GuiEvent>{GuiEvent::typed("i")});
  EXPECT_EQ(p.frames[19].events[0], GuiEvent::scroll(Scroll::kDown, 2));
  EXPECT_THROW(script_plan(R"([{"frame": 25, "action": "left_click"}])", "s", 20, 1024, 768, 15), Error);
  EXPECT_THROW(script_plan(R"([{"frame": 1, "action": "fly"}])", "s", 20, 1024, 768, 15), Error);
  EXPECT_THROW(script_plan(R"([{"frame": 1, "action": "mouse_move", "x": 2000, "y": 1}])", "s", 20, 1024, 768, 15),
               Error);
}

// ---- import ---------------------------------------------------------------------------------

// A 64x48 recording of 12 frames (frame k filled with grey 20 k) in the paper's layout.
void write_recording(const std::string& dir) {
  make_dirs(dir + "/videos");
  make_dirs(dir + "/actions");
  video::Mp4Writer w(dir + "/videos/record_0.mp4", 64, 48);
  for (int k = 0; k < 12; ++k) {
    const auto v = static_cast<uint8_t>(20 * k);
    w.write(Image(64, 48, v, v, v));
  }
  w.close();
  std::string csv = "Timestamp,Timestamp_formated,X,Y,Left Click,Right Click,Key Events\n";
  for (int k = 0; k < 12; ++k) {
    const bool click = k == 6;
    const std::string keys = k == 7 ? "\"[('keydown', 'h'), ('keydown', 'i')]\"" : "[]";
    csv += std::to_string((k + 1) / 15.0) + ",0:0," + std::to_string(4 * k) + ",24," + (click ? "True" : "False") +
           ",False," + keys + "\n";
  }
  test::write_text(dir + "/actions/record_0.csv", csv);
}

TEST(GuiImport, FindsTheLogsOfEachLayout) {
  test::TempDir dir;
  for (const char* d : {"/videos", "/actions", "/flat"}) make_dirs(dir.path() + d);
  for (const char* f : {"/videos/record_3.mp4", "/actions/record_3.csv", "/actions/meta_actions_3.json",
                        "/actions/actions_3.json", "/videos/sess.mp4", "/actions/screen_sess.csv",
                        "/actions/sess.json", "/flat/clip.mp4", "/flat/clip.json"})
    test::write_text(dir.path() + f, "");
  const auto found = find_recordings({dir.path()});
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].id, "clip");
  EXPECT_EQ(found[0].csv, "");
  EXPECT_NE(found[0].json.find("flat/clip.json"), std::string::npos);
  EXPECT_EQ(found[1].id, "record_3");
  EXPECT_NE(found[1].csv.find("actions/record_3.csv"), std::string::npos);
  EXPECT_NE(found[1].json.find("actions/meta_actions_3.json"), std::string::npos);  // before actions_3.json
  EXPECT_NE(found[2].csv.find("actions/screen_sess.csv"), std::string::npos);
  EXPECT_NE(found[2].json.find("actions/sess.json"), std::string::npos);
  EXPECT_THROW(find_recordings({dir.file("missing")}), Error);
}

TEST(GuiImport, RecordingToClipsWithTensors) {
  test::TempDir dir;
  write_recording(dir.path());
  const auto found = find_recordings({dir.path()});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, "record_0");
  EXPECT_NE(found[0].csv.find("actions/record_0.csv"), std::string::npos);
  GuiOptions gui;
  gui.width = 32;
  gui.height = 32;  // 64x48 -> 32x24 content, pad_y = 4
  gui.cursor.size = 8;
  data::ClipOptions clips;
  clips.frames = 5;
  std::vector<data::Clip> out;
  const RecordingImport r = import_recording(found[0], gui, clips, [&](data::Clip&& c) { out.push_back(std::move(c)); });
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(r.tail_frames, 2);
  const data::Clip& c = out[1];
  EXPECT_EQ(c.id, "record_0_0001");
  EXPECT_EQ(c.frames.size(), 5u);
  EXPECT_EQ(c.frames[0].width, 32);
  EXPECT_EQ(c.frames[0].pixel(0, 0)[0], 0);      // letterbox bar
  EXPECT_NEAR(c.frames[0].pixel(16, 16)[0], 100, 4);  // source frame 5 (grey 100), after H.264
  EXPECT_EQ(c.info["source_frames"][0], 5);
  // Frame 6 of the recording = frame 1 of the clip: the click; frame 7: typed "hi".
  EXPECT_EQ(c.tensors.at("raw_actions")[1][kMouseLeftClick].item<int>(), 1);
  EXPECT_EQ(c.tensors.at("raw_actions")[2][13 + key("h")].item<int>(), 1);
  EXPECT_EQ(c.tensors.at("action_types")[1][0].item<int64_t>(), kMetaClick);
  EXPECT_EQ(c.info["gui"]["typed_text"][0]["frame"], 2);
  EXPECT_EQ(c.info["gui"]["typed_text"][0]["text"], "hi");
  // The same text as a tensor for the encoder: "hi" as byte + 1 in its slot, padding after.
  const at::Tensor text = c.tensors.at("action_text_bytes");
  ASSERT_EQ(text.sizes(), (std::vector<int64_t>{5, 2, 32}));
  const int64_t slot = c.info["gui"]["typed_text"][0]["slot"].get<int64_t>();
  EXPECT_EQ(text[2][slot][0].item<int>(), 'h' + 1);
  EXPECT_EQ(text[2][slot][1].item<int>(), 'i' + 1);
  EXPECT_EQ(text[2][slot].slice(0, 2).abs().sum().item<int>(), 0);
  EXPECT_EQ(text.abs().sum().item<int>(), 'h' + 'i' + 2) << "no other slot has text";
  // Cursor (4k, 24) in 64x48 -> (2k, 12 + 4) in 32x32; normalised by 31.
  EXPECT_NEAR(c.tensors.at("mouse_trajectories")[0][0].item<float>(), 0.5 * 20 / 31, 1e-6);
  EXPECT_NEAR(c.tensors.at("mouse_trajectories")[0][1].item<float>(), (0.5 * 24 + 4) / 31, 1e-6);
  EXPECT_EQ(c.tensors.at("cursor_screen")[0][0].item<float>(), 20);
  EXPECT_EQ(c.tensors.at("ref_mask_patch").sizes(), (std::vector<int64_t>{5, 10, 7}));
  EXPECT_EQ(c.tensors.at("ref_patch_xy")[0][0].item<int>(), 10 - 1);  // hotspot x 10, hot_x 1
}

TEST(GuiImport, CommandLineImportAndConvert) {
  test::TempDir dir;
  write_recording(dir.path());
  const std::string out = dir.file("shards");
  auto r = test::run_nc({"data", "gui", "import", dir.path(), "--out", out, "--set", "clips.frames=4", "--set",
                         "gui.width=32", "--set", "gui.height=24"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("imported 3 clips (12 frames) from 1/1 recordings"), std::string::npos) << r.out;
  const auto files = data::shard_files(out);
  ASSERT_EQ(files.size(), 1u);
  data::ShardReader shard(files[0]);
  ASSERT_EQ(shard.size(), 3u);
  const auto tensors = shard.tensors(1);
  EXPECT_EQ(tensors.at("raw_actions").sizes(), (std::vector<int64_t>{4, 182}));
  EXPECT_EQ(tensors.at("raw_actions")[2][kMouseLeftClick].item<int>(), 1);  // frame 6
  EXPECT_EQ(tensors.at("action_types").sizes(), (std::vector<int64_t>{4, 2}));
  EXPECT_EQ(shard.record(1)["source"], "gui");
  EXPECT_TRUE(file_exists(out + "/summary.json"));
  // A log that does not fit the video fails clearly and the exit code says so.
  test::write_text(dir.path() + "/actions/record_0.csv",
                   "Timestamp,X,Y,Left Click,Right Click\n0.1,1,1,False,False\n");
  r = test::run_nc({"data", "gui", "import", dir.path(), "--out", dir.file("bad")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("1 of 1 recordings failed"), std::string::npos) << r.err;
  EXPECT_NE(read_file(dir.file("bad") + "/summary.json").find("the video has 12 frames, the log 1 rows"),
            std::string::npos);
  // convert: the hand log to the meta JSON and back.
  test::write_text(dir.file("hand.csv"), kHandLog);
  r = test::run_nc({"data", "gui", "convert", dir.file("hand.csv"), "--out", dir.file("meta.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = test::run_nc({"data", "gui", "convert", dir.file("meta.json"), "--out", dir.file("back.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CsvLog back = read_frame_csv(dir.file("back.csv"));
  EXPECT_EQ(back.rows.size(), 10u);
  EXPECT_TRUE(back.rows[2].left_click);
  EXPECT_EQ(back.rows[5].events.back(), GuiEvent::scroll(Scroll::kDown, 3));
}

}  // namespace
}  // namespace nc::gui
