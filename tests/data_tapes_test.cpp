// data: VHS tapes run natively. Real tapes (shell commands, the Python REPL, Ctrl+C of a running
// command, a full-screen program, Hide/Show) run in parallel through the batch runner, and their
// text buffers are checked; bad tapes fail with clear reasons; a second run gives the same text
// and frames; nothing is left running. Also the sandbox fixtures, the generators, the held-out
// arithmetic pool and the CLI.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/strings.h"
#include "nc/data/shard.h"
#include "nc/data/tape_batch.h"
#include "nc/data/tape_clip.h"
#include "nc/data/tape_generators.h"
#include "nc/term/sandbox.h"
#include "nc/term/tape.h"
#include "nc/term/tape_runner.h"
#include "test_util.h"

namespace nc::data {
namespace {

// A small, quick tape: 20 ms typing, a 640x384 window.
std::string quick_tape(const std::string& id, const std::string& body, const std::string& head = "") {
  return "# ID: " + id + "\n# INSTRUCTION: Test tape " + id + ".\n# LEVEL: 1\n" + head +
         "Output " + id + ".mp4\nRequire bash\nSet Shell \"bash\"\nSet FontSize 16\nSet Width 640\n"
         "Set Height 384\nSet Padding 8\nSet TypingSpeed 20ms\n" +
         body + "Hide\n";
}

TapeBatchOptions test_options(const std::string& sandbox_root) {
  TapeBatchOptions o;
  o.tapes.jobs = 16;
  o.tapes.scale = 0.5;
  o.tapes.sandbox_root = sandbox_root;
  o.tapes.timeout = 20;
  // Output this soon after a key press is pinned to it. The default (0.25 s) covers an idle
  // machine; this shared 2-core machine may take longer to start Python, and the repeat-run
  // check below needs every response pinned.
  o.tapes.response_window = 1.0;
  o.clips.frames = 33;
  o.progress = false;
  return o;
}

// Every clip record in a folder of shards, by id.
std::map<std::string, nlohmann::json> records(const std::string& dir, std::map<std::string, at::Tensor>* frames = nullptr) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& f : shard_files(dir)) {
    ShardReader r(f);
    for (size_t i = 0; i < r.size(); ++i) {
      out[r.id(i)] = r.record(i);
      if (frames) (*frames)[r.id(i)] = r.frames(i);
    }
  }
  return out;
}

std::string last_text(const nlohmann::json& rec) {
  std::string s;
  for (const auto& line : rec["text"].back()) s += line.get<std::string>() + "\n";
  return s;
}

bool any_frame_has(const nlohmann::json& rec, const std::string& needle) {
  for (const auto& frame : rec["text"])
    for (const auto& line : frame)
      if (line.get<std::string>().find(needle) != std::string::npos) return true;
  return false;
}

// The tapes the batch test runs: what each checks is in the test.
void write_tapes(const std::string& dir) {
  test::write_text(dir + "/shell.tape",
                   quick_tape("shell", "Sleep 100ms\nType \"echo $((6*7)) && head -n 1 notes.txt\"\nEnter\nSleep 400ms\n"
                                       "Type pwd\nEnter\nSleep 400ms\n"));
  test::write_text(dir + "/python.tape",
                   quick_tape("python", "Type python\nEnter\nSleep 1.5s\nType \"123*4+5\"\nEnter\nSleep 500ms\n"
                                        "Type \"exit()\"\nEnter\nSleep 300ms\n",
                              "Require python\n"));
  test::write_text(dir + "/ctrlc.tape",
                   quick_tape("ctrlc", "Type \"sleep 30\"\nEnter\nSleep 500ms\nCtrl+C\nSleep 300ms\n"
                                       "Type \"echo back\"\nEnter\nSleep 400ms\n"));
  test::write_text(dir + "/fullscreen.tape",
                   quick_tape("fullscreen", "Type \"less logs/app.log\"\nEnter\nSleep 800ms\nDown 2\nSleep 300ms\n"
                                            "Type q\nSleep 400ms\n",
                              "Require less\n"));
  test::write_text(dir + "/hidden.tape",
                   quick_tape("hidden", "Hide\nType \"echo hidden-stuff\"\nEnter\nType clear\nEnter\nSleep 300ms\nShow\n"
                                        "Type \"echo visible\"\nEnter\nSleep 400ms\n"));
  test::write_text(dir + "/daemon.tape",
                   quick_tape("daemon", "Type \"(setsid sleep 300 >/dev/null 2>&1 &)\"\nEnter\nSleep 400ms\n"));
  test::write_text(dir + "/hang.tape", quick_tape("hang", "Type cat\nEnter\nSleep 300ms\n"));
  // Bad tapes.
  test::write_text(dir + "/missing.tape", quick_tape("missing", "Type hi\n", "Require no-such-program-nc\n"));
  test::write_text(dir + "/syntax.tape", quick_tape("syntax", "Type \"unterminated\nEnter\n"));
  test::write_text(dir + "/unknown.tape", quick_tape("unknown", "Sleep 100ms\nFrobnicate 3\n"));
  test::write_text(dir + "/long.tape", quick_tape("long", "Sleep 30s\n"));
}

std::map<std::string, nlohmann::json> results_by_id(const std::string& out) {
  std::map<std::string, nlohmann::json> m;
  std::ifstream in(out + "/results.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    m[j["id"].get<std::string>()] = j;
  }
  return m;
}

TEST(TapeRun, RealTapesInParallelBadTapesFailRerunsSkipAndRepeat) {
  test::TempDir tmp;
  const std::string root = tmp.path() + "/sandboxes";
  make_dirs(tmp.path() + "/tapes");
  write_tapes(tmp.path() + "/tapes");
  const auto jobs = find_tape_jobs({tmp.path() + "/tapes"});
  ASSERT_EQ(jobs.size(), 11u);

  const std::string out = tmp.path() + "/out";
  TapeBatchReport rep = run_tape_batch(jobs, out, test_options(root));
  std::map<std::string, std::string> failed(rep.failures.begin(), rep.failures.end());
  EXPECT_EQ(rep.ok, 7) << nlohmann::json(failed).dump(1);
  EXPECT_EQ(rep.failed, 4);
  EXPECT_LT(rep.seconds, 15);

  // Bad tapes: clear reasons.
  EXPECT_NE(failed["missing"].find("Require: no-such-program-nc is not installed"), std::string::npos) << failed["missing"];
  EXPECT_NE(failed["syntax"].find("syntax.tape:12:6: unterminated string"), std::string::npos) << failed["syntax"];
  EXPECT_NE(failed["unknown"].find("unknown.tape:13:1: unknown command 'Frobnicate'"), std::string::npos)
      << failed["unknown"];
  EXPECT_NE(failed["long"].find("longer than the timeout"), std::string::npos) << failed["long"];

  std::map<std::string, at::Tensor> frames;
  auto recs = records(out, &frames);
  ASSERT_EQ(recs.size(), 7u);
  for (const auto& [id, r] : recs) {
    EXPECT_EQ(r["source"], "vhs") << id;
    EXPECT_EQ(r["caption"], "Test tape " + id + ".") << id;
    EXPECT_EQ(r["frames"], 33) << id;
    EXPECT_EQ(r["text"].size(), 33u) << id;
    EXPECT_EQ(r["metadata"]["id"], id);
    EXPECT_EQ(r["metadata"]["level"], 1);
    EXPECT_EQ(r["data_info"]["frame_size"]["width"], 320);
    EXPECT_EQ(r["data_info"]["frame_size"]["height"], 192);
    EXPECT_EQ(frames[id].size(1), 192);
    EXPECT_EQ(frames[id].size(2), 320);
  }

  // Shell commands: output, fixtures, the sandbox's path, keystrokes with their times.
  const auto& shell = recs["shell"];
  const std::string shell_text = last_text(shell);
  EXPECT_NE(shell_text.find("> echo $((6*7)) && head -n 1 notes.txt\n42\nMeeting notes, 15 January 2024\n"),
            std::string::npos)
      << shell_text;
  EXPECT_NE(shell_text.find("> pwd\n" + root + "/shell/home\n>"), std::string::npos) << shell_text;
  EXPECT_EQ(shell["caption_scripted"], "Type echo $((6*7)) && head -n 1 notes.txt; Enter; Type pwd; Enter.");
  std::vector<std::pair<double, std::string>> keys;
  for (const auto& e : shell["events"])
    if (e[1] == "k") keys.push_back({e[0].get<double>(), e[2].get<std::string>()});
  ASSERT_EQ(keys.size(), 36u + 1 + 3 + 1);  // two commands and their Enters
  EXPECT_EQ(keys[0].second, "e");
  EXPECT_NEAR(keys[1].first - keys[0].first, 0.02, 1e-9);  // TypingSpeed 20ms
  EXPECT_EQ(keys[36].second, "Enter");

  // The Python REPL computes the answer.
  const auto& py = recs["python"];
  EXPECT_TRUE(any_frame_has(py, ">>> 123*4+5")) << py["text"].dump();
  EXPECT_TRUE(any_frame_has(py, "497")) << py["text"].dump();
  EXPECT_NE(last_text(py).find("exit()\n>"), std::string::npos) << last_text(py);

  // Ctrl+C interrupts the running command and the shell takes the next one.
  const std::string c = last_text(recs["ctrlc"]);
  EXPECT_NE(c.find("> sleep 30\n^C\n> echo back\nback\n>"), std::string::npos) << c;

  // A full-screen program: less shows the log on the alternate screen, q returns to the shell.
  const auto& fs = recs["fullscreen"];
  EXPECT_TRUE(any_frame_has(fs, "INFO  server started on port 8080")) << fs["text"].dump();
  EXPECT_NE(last_text(fs).find("> less logs/app.log\n>"), std::string::npos) << last_text(fs);

  // Hidden commands never reach a frame.
  const auto& hidden = recs["hidden"];
  EXPECT_FALSE(any_frame_has(hidden, "hidden-stuff"));
  EXPECT_NE(last_text(hidden).find("> echo visible\nvisible"), std::string::npos) << last_text(hidden);

  // A program that escaped the terminal's session was killed; one still holding the terminal
  // at the end is noted.
  EXPECT_GE(recs["daemon"]["metadata"]["run"]["leftover_processes"].get<int>(), 1);
  EXPECT_TRUE(recs["hang"]["metadata"]["run"]["busy_at_end"].get<bool>());
  EXPECT_TRUE(term::sandbox_processes(root).empty());
  EXPECT_FALSE(file_exists(root + "/shell"));  // sandboxes are removed

  // results.jsonl names every tape; a rerun skips the finished ones and retries the failures.
  auto res = results_by_id(out);
  EXPECT_EQ(res.size(), 11u);
  EXPECT_EQ(res["shell"]["status"], "ok");
  EXPECT_TRUE(file_exists(out + "/" + res["shell"]["shard"].get<std::string>()));
  EXPECT_EQ(res["missing"]["status"], "failed");
  TapeBatchReport again = run_tape_batch(jobs, out, test_options(root));
  EXPECT_EQ(again.skipped, 7);
  EXPECT_EQ(again.failed, 4);
  EXPECT_EQ(again.ok, 0);
  EXPECT_EQ(records(out).size(), 7u);

  // The same tapes again: identical text buffers, and identical frames.
  std::vector<TapeJob> repeat;
  for (const auto& j : jobs)
    if (j.id == "shell" || j.id == "python" || j.id == "fullscreen" || j.id == "ctrlc") repeat.push_back(j);
  const std::string out2 = tmp.path() + "/out2";
  TapeBatchReport rep2 = run_tape_batch(repeat, out2, test_options(root));
  EXPECT_EQ(rep2.ok, 4);
  std::map<std::string, at::Tensor> frames2;
  auto recs2 = records(out2, &frames2);
  for (const auto& [id, r] : recs2) {
    EXPECT_EQ(r["text"], recs[id]["text"]) << id;
    EXPECT_TRUE(frames2[id].equal(frames[id])) << id;
  }
  EXPECT_TRUE(term::sandbox_processes(root).empty());
}

TEST(TapeRun, TapeErrorsAreNcErrors) {
  test::TempDir tmp;
  term::TapeRunOptions o;
  o.sandbox_root = tmp.path() + "/sb";
  o.timeout = 5;
  auto error = [&](const std::string& text) {
    try {
      term::run_tape(term::parse_tape(text, "e.tape"), o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("Set Shell zsh\nType hi\n").find("this runner drives bash only"), std::string::npos);
  EXPECT_NE(error("Require nope-nc-1\nRequire bash\nRequire nope-nc-2\nType hi\n").find("nope-nc-1, nope-nc-2 are not installed"),
            std::string::npos);
  EXPECT_NE(error("Sleep 10s\n").find("longer than the timeout"), std::string::npos);
  // The timeout during a run: keys typed with echo off get no answer, so each waits the whole
  // response window and the real time outgrows the timeout.
  o.timeout = 1.5;
  o.response_window = 0.4;
  const std::string slow = error("Type 'stty -echo; cat'\nEnter\nSleep 200ms\nType abcdefgh\n");
  EXPECT_NE(slow.find("e.tape: timed out after 1.5 s"), std::string::npos) << slow;
  o.timeout = 5;
  o.max_output_bytes = 1 << 20;
  EXPECT_NE(error("Type yes\nEnter\nSleep 2s\n").find("wrote more than 1 MiB"), std::string::npos);
  EXPECT_TRUE(term::sandbox_processes(o.sandbox_root).empty());
  // Two runs of one name in one root at once: the second is refused.
  term::Sandbox a(o.sandbox_root, "same");
  EXPECT_THROW(term::Sandbox(o.sandbox_root, "same"), Error);
}

TEST(TapeSandbox, FixturesAreTheSameEverywhere) {
  test::TempDir tmp;
  term::Sandbox a(tmp.path() + "/r1", "x"), b(tmp.path() + "/r2", "x");
  for (const char* f : {"notes.txt", "data/sales.csv", "logs/app.log", "scripts/count.sh", "project/src/app.py"}) {
    EXPECT_EQ(read_file(a.home() + "/" + f), read_file(b.home() + "/" + f)) << f;
    struct stat st;
    ASSERT_EQ(::stat((a.home() + "/" + f).c_str(), &st), 0) << f;
    EXPECT_EQ(st.st_mtime, term::kFixtureTime) << f;
  }
  if (!term::find_program("git", "/usr/bin:/bin").empty()) {
    EXPECT_TRUE(file_exists(a.home() + "/project/.git/HEAD"));
  }
  if (!term::find_program("sqlite3", "/usr/bin:/bin").empty()) {
    EXPECT_TRUE(file_exists(a.home() + "/db/shop.db"));
  }
  EXPECT_EQ(term::sandbox_name("a/b c"), "a_b_c");
  EXPECT_EQ(term::sandbox_name(".."), "_..");
}

TEST(TapeGenerators, DeterministicFamiliesManifestAndReferenceShapes) {
  TapeGenOptions o;
  o.family = "basic";
  o.count = 20;
  auto a = generate_tapes(o), b = generate_tapes(o);
  ASSERT_EQ(a.size(), 20u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].text, b[i].text);
  EXPECT_EQ(a[0].id, "basic_000000");
  o.seed = 7;
  EXPECT_NE(generate_tapes(o)[0].text, a[0].text);
  // basic: EVENTS = 3n + 3, VISUAL_COMPLEXITY = max(8, 10 + 6n), CLASS in the reference order.
  for (const auto& g : a) {
    term::Tape t = term::parse_tape(g.text, g.id);
    int n = 0;
    for (const auto& c : t.commands) n += c.kind == term::TapeCommand::Kind::kType;
    EXPECT_EQ(t.metadata["events"], 3 * n + 3);
    EXPECT_EQ(t.metadata["visual_complexity"], std::max(8, 10 + 6 * n));
    EXPECT_GE(n, 1);
    EXPECT_LE(n, 3);
  }
  EXPECT_EQ(class_json({{"Exec", true}}),
            "{\"Basic\": false, \"Files\": false, \"Text\": false, \"Process\": false, \"Network\": false, "
            "\"Package\": false, \"VCS\": false, \"Build\": false, \"Users\": false, \"Admin\": false, "
            "\"FS\": false, \"Security\": false, \"DB\": false, \"Container\": false, \"Editors\": false, "
            "\"Exec\": true, \"Misc\": false}");
  EXPECT_EQ(type_line("say \"hi\""), "Type 'say \"hi\"'");

  test::TempDir tmp;
  o.family = "git";
  o.count = 3;
  o.seed = 0;
  auto rep = write_generated_tapes(o, tmp.path());
  EXPECT_EQ(rep.tapes, 3);
  EXPECT_EQ(split(trim(read_file(rep.manifest)), '\n')[0],
            "{\"git_000000\":{\"output\":\"git_000000.mp4\",\"path\":\"git_000000.tape\",\"runtime_mode\":\"shared\"}}");
  auto jobs = read_manifest(rep.manifest);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[2].path, tmp.path() + "/git_000002.tape");
  EXPECT_TRUE(file_exists(jobs[2].path));

  test::write_text(tmp.file("bad.jsonl"), "{\"a\": {\"path\": \"a.tape\"}}\n\n[1, 2]\n");
  try {
    read_manifest(tmp.file("bad.jsonl"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:3"), std::string::npos) << e.what();
  }
  o.family = "basics";
  try {
    generate_tapes(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'basic'"), std::string::npos) << e.what();
  }
}

TEST(TapeGenerators, ArithmeticCategoriesHeldOutPoolAndReprompt) {
  EXPECT_EQ(python_result("7+8"), "15");
  EXPECT_EQ(python_result("20/2"), "10.0");
  EXPECT_EQ(python_result("1/3"), "0.3333333333333333");
  EXPECT_EQ(python_result("12345/25"), "493.8");
  EXPECT_EQ(python_result("-7%3"), "2");
  EXPECT_EQ(python_result("7%-3"), "-2");
  EXPECT_EQ(python_result("2**10"), "1024");
  EXPECT_EQ(python_result("2**-1"), "0.5");
  EXPECT_EQ(python_result("-2**2"), "-4");
  EXPECT_EQ(python_result("2**3**2"), "512");
  EXPECT_EQ(python_result("(100+50)/3"), "50.0");
  EXPECT_EQ(python_result("150+(3**2*2)"), "168");
  EXPECT_EQ(python_result("(1000+2000)*3-500"), "8500");
  EXPECT_EQ(python_result("10**17/1"), "1e+17");
  EXPECT_THROW(python_result("1/0"), Error);
  EXPECT_THROW(python_result("2+x"), Error);

  int total = 0;
  for (const auto& [name, w] : arithmetic_categories()) total += w;
  EXPECT_EQ(arithmetic_categories().size(), 15u);
  EXPECT_EQ(total, 1158);  // the reference generator's pattern count (PAPER.md §1.2)

  const auto& pool = arithmetic_heldout_pool();
  ASSERT_EQ(pool.size(), 1000u);
  std::set<std::string> held;
  for (const auto& p : pool) {
    EXPECT_TRUE(held.insert(p.expression).second) << p.expression;
    EXPECT_EQ(p.answer, python_result(p.expression));
  }

  TapeGenOptions o;
  o.family = "arithmetic";
  o.count = 3000;
  auto tapes = generate_tapes(o);
  std::map<std::string, int> by_cat;
  int reprompts = 0;
  for (const auto& g : tapes) {
    EXPECT_EQ(held.count(g.info["expression"].get<std::string>()), 0u) << g.info;
    ++by_cat[g.info["category"].get<std::string>()];
    if (g.info["reprompt"].get<bool>()) {
      ++reprompts;
      EXPECT_NE(g.text.find(" The answer is " + g.info["answer"].get<std::string>() + ".\n"), std::string::npos);
      EXPECT_NE(g.text.find("# CAPTION_TYPE: reprompt"), std::string::npos);
    }
  }
  EXPECT_NEAR(reprompts / 3000.0, 0.5, 0.05);
  for (const auto& [name, w] : arithmetic_categories())
    EXPECT_NEAR(by_cat[name] / 3000.0, double(w) / total, 0.02) << name;
  term::Tape t = term::parse_tape(tapes[0].text, "a.tape");
  EXPECT_EQ(term::scripted_caption(t),
            "Type python; Enter; Type " + tapes[0].info["expression"].get<std::string>() + "; Enter; Type exit(); Enter.");
  EXPECT_EQ(t.requires, std::vector<std::string>({"bash", "python"}));

  o.split = "heldout";
  o.count = 10;
  auto h = generate_tapes(o);
  EXPECT_EQ(h[3].info["expression"], pool[3].expression);
  EXPECT_EQ(h[0].id, "heldout_000000");
}

TEST(CliTapes, GenCheckRunArithmetic) {
  test::TempDir tmp;
  auto g = test::run_nc({"data", "tapes", "gen", "--family", "arithmetic", "--count", "3", "--reprompt", "1",
                         "--out", tmp.file("tapes")});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_TRUE(file_exists(tmp.file("tapes/heldout.jsonl")));
  auto c = test::run_nc({"data", "tapes", "check", tmp.file("tapes")});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto r = test::run_nc({"data", "tapes", "run", tmp.file("tapes/manifest.jsonl"), "-j", "3", "--no-progress",
                         "--out", tmp.file("out"), "--set", "tapes.scale=0.25", "--set",
                         "tapes.sandbox_root=" + tmp.file("sb")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("3 tapes: 3 ok, 0 failed"), std::string::npos) << r.out;
  auto recs = records(tmp.file("out"));
  ASSERT_EQ(recs.size(), 3u);
  for (const auto& [id, rec] : recs) {
    const std::string answer = rec["metadata"]["answer"];
    EXPECT_TRUE(any_frame_has(rec, answer)) << id << " " << answer;
    EXPECT_NE(rec["caption"].get<std::string>().find("The answer is " + answer + "."), std::string::npos);
    EXPECT_EQ(rec["data_info"]["caption_type"], "reprompt");
  }
}

}  // namespace
}  // namespace nc::data
