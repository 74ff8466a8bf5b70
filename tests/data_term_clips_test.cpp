// data: recordings to clips (trace, segmentation, fixed length, filters, captions, statistics)
// and `nc data render` / `nc data inspect` end to end on the shipped casts.
#include <gtest/gtest.h>

#include "nc/core/file_util.h"
#include "nc/data/captions.h"
#include "nc/data/clip_plan.h"
#include "nc/data/render_job.h"
#include "nc/data/shard.h"
#include "nc/data/term_clips.h"
#include "test_util.h"

namespace nc::data {
namespace {

// A scripted session on the cast clock: typed commands echo one character at a time.
class CastBuilder {
 public:
  double t = 0;
  term::Cast cast;
  CastBuilder(int cols, int rows) {
    cast.header.width = cols;
    cast.header.height = rows;
  }
  void out(const std::string& s, double dt = 0.05) {
    t += dt;
    cast.events.push_back({t, 'o', s});
  }
  void type(const std::string& cmd, double per_key = 0.12) {
    for (char c : cmd) out(std::string(1, c), per_key);
    out("\r\n", per_key);
  }
  void idle(double s) { t += s; }
};

term::Cast scripted_session() {
  CastBuilder b(40, 8);
  b.out("$ ");
  b.idle(0.5);
  b.type("ls -la");
  b.out("total 8\r\nnotes.txt  data.csv\r\n$ ");
  b.idle(2.0);
  b.out("\x1b[H\x1b[2J$ ");                // the user clears the screen
  b.type("cat notes.txt");
  b.out("\x1b[32mremember the milk\x1b[0m\r\n$ ");
  b.idle(1.5);
  b.type("echo done");
  b.out("done\r\n$ ");
  b.idle(1.0);
  b.out("x", 0.1);  // the end of the recording: one keystroke
  return b.cast;
}

ClipOptions small_clips() {
  ClipOptions o;
  o.frames = 17;
  o.seconds = 4;
  o.min_seconds = 2;
  o.max_seconds = 6;
  return o;
}

term::RenderOptions small_render() {
  term::RenderOptions r;
  r.font_size = 10;
  return r;
}

TEST(ClipPlan, FixedLengthSubsamplesOrRepeats) {
  EXPECT_EQ(fixed_length(10, 15, 3), (std::vector<int>{10, 12, 14}));
  EXPECT_EQ(fixed_length(0, 3, 5), (std::vector<int>{0, 1, 2, 2, 2}));
  EXPECT_EQ(fixed_length(4, 5, 1), (std::vector<int>{4}));
  // clips.stride: from the start, `stride` frames apart; a short clip repeats its last frame.
  EXPECT_EQ(fixed_length(10, 30, 3, 4), (std::vector<int>{10, 14, 18}));
  EXPECT_EQ(fixed_length(0, 5, 4, 2), (std::vector<int>{0, 2, 4, 4}));
}

TEST(ClipPlan, SplitsAtTheClearNotInTheMiddleOfTyping) {
  ClipOptions o = small_clips();
  Trace t = scan_trace(40, 8, playback_events(scripted_session().events, 2, 1), o.fps, o.prompt_regex);
  auto segments = segment(t, o);
  ASSERT_GE(segments.size(), 2u);
  int clear_frame = -1;
  for (size_t k = 0; k < t.frames.size(); ++k)
    if (t.frames[k].clears > 0) clear_frame = static_cast<int>(k);
  ASSERT_GT(clear_frame, 0);
  EXPECT_EQ(segments[1].first, clear_frame);  // the second clip starts on the cleared screen
  for (size_t i = 0; i + 1 < segments.size(); ++i) EXPECT_EQ(segments[i].second, segments[i + 1].first);
  EXPECT_EQ(segments.front().first, 0);
  EXPECT_EQ(segments.back().second, static_cast<int>(t.frames.size()));
}

TEST(TermTrace, FindsCommandsEnteredAtThePrompt) {
  ClipOptions o = small_clips();
  Trace t = scan_trace(40, 8, playback_events(scripted_session().events, 2, 1), o.fps, o.prompt_regex);
  std::vector<std::string> cmds;
  for (const auto& c : t.commands) cmds.push_back(c.text);
  EXPECT_EQ(cmds, (std::vector<std::string>{"ls -la", "cat notes.txt", "echo done"}));
}

TEST(TermTrace, CommandsAreFoundWhenTheScreenScrolls) {
  CastBuilder b(30, 3);
  b.out("a\r\nb\r\n$ ");
  b.type("pwd");
  b.out("/home\r\n$ ");
  b.type("whoami");
  b.out("root\r\n$ ");
  ClipOptions o;
  Trace t = scan_trace(30, 3, playback_events(b.cast.events, 2, 1), o.fps, o.prompt_regex);
  ASSERT_EQ(t.commands.size(), 2u);
  EXPECT_EQ(t.commands[0].text, "pwd");
  EXPECT_EQ(t.commands[1].text, "whoami");
}

TEST(TermClips, ClipsHaveFixedLengthTextEventsStatsAndCaptions) {
  TermSource src;
  src.id = "demo";
  src.cast = scripted_session();
  std::vector<Clip> clips;
  PlanReport rep = render_term_clips(src, small_clips(), small_render(), [&](Clip&& c) { clips.push_back(std::move(c)); });
  ASSERT_GE(clips.size(), 2u);
  EXPECT_EQ(rep.clips, static_cast<int>(clips.size()));
  for (const auto& c : clips) {
    EXPECT_EQ(c.frames.size(), 17u);
    EXPECT_EQ(c.text.size(), 17u);
    EXPECT_EQ(c.text[0].size(), 8u);
    const auto& vg = c.info["meta"]["videogen"];
    for (const char* key : {"visual_complexity", "interaction_density", "color_usage", "screen_clears",
                            "event_rate", "typing_rhythm", "visual_change_events"})
      EXPECT_TRUE(vg.contains(key)) << key;
    EXPECT_EQ(c.info["source"], "asciinema");
    EXPECT_EQ(c.info["data_info"]["size"]["width"], 40);
    EXPECT_FALSE(c.captions.semantic.empty());
    EXPECT_FALSE(c.captions.detailed.empty());
  }
  EXPECT_EQ(clips[0].id, "demo_0001");
  EXPECT_NE(clips[0].captions.regular.find("`ls -la`"), std::string::npos) << clips[0].captions.regular;
  EXPECT_NE(clips[0].captions.semantic.find("lists files"), std::string::npos) << clips[0].captions.semantic;
  const Clip& second = clips[1];
  EXPECT_NE(second.captions.regular.find("`cat notes.txt`"), std::string::npos) << second.captions.regular;
  EXPECT_NE(second.captions.detailed.find("\"remember the milk\" in green"), std::string::npos)
      << second.captions.detailed;
  EXPECT_EQ(second.captions.regular.find("\"$\""), std::string::npos) << second.captions.regular;
  EXPECT_EQ(second.info["meta"]["videogen"]["screen_clears"], 1);
  EXPECT_GE(second.info["meta"]["videogen"]["color_usage"].get<int>(), 1);
  // The last frame's text is the screen at the clip's end.
  EXPECT_EQ(second.text.back()[1], "remember the milk");
  // Events are on the clip's clock and include the typed keystrokes.
  EXPECT_GE(second.events.front().time, 0.0);
  EXPECT_GT(second.info["meta"]["videogen"]["typing_rhythm"]["keystrokes"].get<int>(), 5);
}

TEST(TermClips, FrozenAndSensitiveClipsAreDropped) {
  CastBuilder b(40, 4);
  b.out("$ ");
  b.type("export API_TOKEN=abcdefghijklmnop1234");
  b.out("$ ");
  b.idle(8);
  b.out("$ ", 0.01);
  ClipOptions o = small_clips();
  o.idle_time_limit = 0;  // keep the long pause: it becomes a frozen clip
  TermSource src;
  src.id = "s";
  src.cast = b.cast;
  std::vector<Clip> clips;
  PlanReport rep = render_term_clips(src, o, small_render(), [&](Clip&& c) { clips.push_back(std::move(c)); });
  EXPECT_EQ(rep.dropped_sensitive, 1);
  EXPECT_GE(rep.dropped_frozen, 1);
  EXPECT_TRUE(clips.empty());
}

TEST(TermClips, SidecarCaptionsReplaceGeneratedOnes) {
  TermSource src;
  src.id = "demo";
  src.cast = scripted_session();
  src.sidecar = {{"demo_0002", {{"caption", "from an LLM"}}}, {"*", {{"caption_semantic", "default semantic"}}}};
  std::vector<Clip> clips;
  render_term_clips(src, small_clips(), small_render(), [&](Clip&& c) { clips.push_back(std::move(c)); });
  ASSERT_GE(clips.size(), 2u);
  EXPECT_EQ(clips[1].captions.regular, "from an LLM");
  EXPECT_EQ(clips[0].captions.semantic, "default semantic");
  EXPECT_NE(clips[0].captions.regular.find("ls -la"), std::string::npos);
}

TEST(TermClips, ResizeKeepsOneFrameSize) {
  CastBuilder b(20, 4);
  b.out("$ ");
  b.type("ls");
  b.cast.events.push_back({b.t + 0.1, 'r', "40x8"});
  b.t += 0.1;
  b.out("wider now\r\n$ ");
  b.idle(2);
  b.out("!", 0.1);
  TermSource src;
  src.id = "r";
  src.cast = b.cast;
  ClipOptions o = small_clips();
  std::vector<Clip> clips;
  render_term_clips(src, o, small_render(), [&](Clip&& c) { clips.push_back(std::move(c)); });
  ASSERT_FALSE(clips.empty());
  for (const auto& c : clips)
    for (const auto& f : c.frames) {
      EXPECT_EQ(f.width, c.frames[0].width);
      EXPECT_EQ(f.height, c.frames[0].height);
    }
  EXPECT_EQ(clips.back().text.back().size(), 8u);  // the text buffer follows the new size
}

TEST(Captions, ActivitiesAndColourNames) {
  EXPECT_EQ(command_activity("sudo git status"), "works with git");
  EXPECT_EQ(command_activity("FOO=1 /usr/bin/ls -la"), "lists files");
  EXPECT_EQ(command_activity("frobnicate"), "");
  EXPECT_EQ(color_name({250, 10, 10}), "red");
  EXPECT_EQ(color_name({30, 30, 46}), "black");
  EXPECT_EQ(color_name({0xa6, 0xe3, 0xa1}), "green");     // Catppuccin's green
  EXPECT_EQ(color_name({0xf3, 0x8b, 0xa8}), "pink");      // Catppuccin's red is pinkish
  EXPECT_EQ(color_name({0x89, 0xb4, 0xfa}), "blue");
  EXPECT_EQ(color_name({200, 200, 200}), "light gray");
}

TEST(RenderJob, ShippedCastsRenderToShardsThatReadBack) {
  test::TempDir dir;
  ClipOptions o = small_clips();
  auto report = render_casts({test::source_path("data/casts")}, dir.file("out"), o, small_render(), {{"k", 1}});
  EXPECT_EQ(report.failed, 0) << (report.errors.empty() ? "" : report.errors[0]);
  EXPECT_GE(report.inputs, 3);
  EXPECT_GE(report.clips, report.inputs);
  size_t clips = 0;
  for (const auto& f : shard_files(dir.file("out"))) {
    ShardReader r(f);
    for (size_t i = 0; i < r.size(); ++i) {
      auto rec = r.record(i);
      EXPECT_EQ(r.shape(i).frames, 17);
      EXPECT_EQ(rec["text"].size(), 17u);
      ++clips;
    }
  }
  EXPECT_EQ(clips, static_cast<size_t>(report.clips));
  EXPECT_TRUE(file_exists(dir.file("out/summary.json")));
}

TEST(RenderJob, ABadCastIsReportedAndTheOthersAreKept) {
  test::TempDir dir;
  test::write_text(dir.file("bad.cast"), "{\"version\": 9}\n");
  test::write_text(dir.file("good.cast"),
                   "{\"version\": 2, \"width\": 20, \"height\": 4}\n[0.1, \"o\", \"$ \"]\n[0.5, \"o\", \"ls\"]\n"
                   "[1.0, \"o\", \"\\r\\nfile\\r\\n$ \"]\n[3.0, \"o\", \"x\"]\n");
  auto report = render_casts({dir.path()}, dir.file("out"), small_clips(), small_render(), {});
  EXPECT_EQ(report.inputs, 2);
  EXPECT_EQ(report.failed, 1);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].find("bad.cast"), std::string::npos) << report.errors[0];
  EXPECT_GE(report.clips, 1);
}

}  // namespace
}  // namespace nc::data
