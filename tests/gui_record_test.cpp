// gui: the recorder on a real X desktop (Xvfb, twm, xterm). A scripted agent parks the cursor
// on the bare desktop, then clicks into an xterm whose program turns the window red on the
// first mouse report: the cursor and the click are found in the log, in the frames and in the
// imported tensors, and nothing the recorder started is left running.
#include <gtest/gtest.h>
#include <dirent.h>
#include <signal.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/gui/actions.h"
#include "nc/gui/csv_log.h"
#include "nc/gui/import.h"
#include "nc/gui/recorder.h"
#include "nc/video/video_reader.h"
#include "test_util.h"

namespace nc::gui {
namespace {

bool have_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');)
    if (::access((d + "/" + name).c_str(), X_OK) == 0) return true;
  return false;
}

// Processes whose command line holds `marker`.
int processes_with(const std::string& marker) {
  int n = 0;
  DIR* proc = ::opendir("/proc");
  while (dirent* e = proc ? ::readdir(proc) : nullptr) {
    std::ifstream in(std::string("/proc/") + e->d_name + "/cmdline");
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmd.find(marker) != std::string::npos) ++n;
  }
  if (proc) ::closedir(proc);
  return n;
}

double distance(const uint8_t* p, int r, int g, int b) { return std::hypot(p[0] - r, p[1] - g, p[2] - b); }

TEST(GuiRecord, ScriptedClickOnARealDesktop) {
  if (!have_program("Xvfb") || !have_program("xterm") || !have_program("twm"))
    GTEST_SKIP() << "Xvfb, xterm and twm are needed (scripts/setup.sh installs xvfb, xterm, twm)";
  test::TempDir dir;
  const std::string script = dir.file("script.json");
  test::write_text(script, R"({"actions": [
      {"frame": 0, "action": "mouse_move", "x": 40, "y": 40},
      {"frame": 10, "action": "mouse_move", "x": 700, "y": 500, "jump": true},
      {"frame": 15, "action": "left_click", "x": 700, "y": 500}]})");
  GuiOptions o;
  // An xterm that turns red at the first mouse report (xterm's X10 mouse mode).
  o.recorder.apps = {
      R"(300x200+600+400 xterm -bg black -fg white -e sh -c 'stty raw -echo; printf "\033[?1000h"; head -c 6 >/dev/null; printf "\033[?1000l\033[41m\033[2J"; sleep 59.25')"};
  o.recorder.settle_seconds = 0.8;
  RecordRequest req;
  req.seconds = 3;
  req.agent = "script:" + script;
  req.out_dir = dir.file("rec");
  const RecordReport r = record_desktop(req, o);

  // Nothing left running: the X server, twm, xterm and the shell's children.
  for (int pid : r.pids) EXPECT_TRUE(::kill(pid, 0) != 0 && errno == ESRCH) << "pid " << pid << " still runs";
  EXPECT_EQ(processes_with("59.25"), 0);
  EXPECT_EQ(r.frames, 45);
  EXPECT_EQ(r.pointer_mismatches, 0);
  for (const auto& w : r.warnings)  // apps and the window manager stayed up
    EXPECT_TRUE(w.find("exited") == std::string::npos && w.find("no window") == std::string::npos) << w;

  // The log: the cursor parked at (40, 40), the click at (700, 500) on frame 15.
  const CsvLog log = read_frame_csv(r.csv);
  ASSERT_EQ(log.rows.size(), 45u);
  EXPECT_EQ(log.columns[1], "Timestamp_formated");
  for (int k = 0; k < 10; ++k) EXPECT_EQ(log.rows[static_cast<size_t>(k)].x, 40);
  for (int k = 0; k < 45; ++k) EXPECT_EQ(log.rows[static_cast<size_t>(k)].left_click, k == 15) << k;
  EXPECT_EQ(log.rows[15].x, 700);
  EXPECT_EQ(log.rows[15].y, 500);
  // Row k is captured at about (k+1)/fps, later by the slots dropped under load.
  EXPECT_GT(log.rows[44].timestamp, 2.95);
  EXPECT_LT(log.rows[44].timestamp, 3.0 + (r.dropped + 1) / 15.0 + 0.5);
  const std::string meta = read_file(r.meta_json);
  EXPECT_NE(meta.find("\"frame_index\": 15"), std::string::npos);

  // The frames: the cursor where the log says, the click's effect after the click.
  video::VideoReader video(r.video);
  std::vector<Image> frames;
  for (Image f; video.read(f);) frames.push_back(f);
  ASSERT_EQ(frames.size(), 45u);
  const int dr = 0x3a, dg = 0x6e, db = 0xa5;  // gui.recorder.desktop_color
  auto cursor_box = [&](const Image& f, int* x0, int* y0) {
    int n = 0;
    *x0 = *y0 = 1 << 20;
    for (int y = 0; y < 200; ++y)
      for (int x = 0; x < 200; ++x)
        if (distance(f.pixel(x, y), dr, dg, db) > 80) {
          ++n;
          *x0 = std::min(*x0, x);
          *y0 = std::min(*y0, y);
        }
    return n;
  };
  int x0, y0;
  ASSERT_GT(cursor_box(frames[5], &x0, &y0), 20) << "no cursor drawn near (40, 40)";
  EXPECT_NEAR(x0, 40, 2);  // the arrow's tip is its hotspot
  EXPECT_NEAR(y0, 40, 2);
  EXPECT_EQ(cursor_box(frames[20], &x0, &y0), 0) << "the cursor left (40, 40) at frame 10";
  auto red = [&](int k) {
    const uint8_t* p = frames[static_cast<size_t>(k)].pixel(820, 560);
    return p[0] > 150 && p[1] < 80 && p[2] < 80;
  };
  EXPECT_FALSE(red(12));
  EXPECT_FALSE(red(14));
  EXPECT_TRUE(red(35));  // xterm reacts within a frame or two; allow a loaded machine 1 s
  EXPECT_TRUE(red(44));

  // Imported: the click on frame 15 of the clip, the parked cursor letterboxed.
  data::ClipOptions clips;
  clips.frames = 45;
  GuiOptions target;
  std::vector<data::Clip> out;
  import_recording(find_recordings({req.out_dir})[0], target, clips, [&](data::Clip&& c) { out.push_back(std::move(c)); });
  ASSERT_EQ(out.size(), 1u);
  const auto& t = out[0].tensors;
  for (int k = 0; k < 45; ++k) EXPECT_EQ(t.at("raw_actions")[k][kMouseLeftClick].item<int>(), k == 15 ? 1 : 0) << k;
  EXPECT_EQ(t.at("cursor_valid").sum().item<int64_t>(), 45);
  EXPECT_NEAR(t.at("mouse_trajectories")[5][0].item<float>(), (0.625 * 40 + 96) / 831, 1e-6);
  EXPECT_NEAR(t.at("mouse_trajectories")[15][1].item<float>(), 0.625 * 500 / 479, 1e-6);
}

TEST(GuiRecord, ClearErrorWhenTheXServerCannotStart) {
  test::TempDir dir;
  auto error_of = [&](RecordRequest req, GuiOptions o = {}) {
    req.seconds = 1;
    req.out_dir = dir.file("out");
    try {
      record_desktop(req, o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  RecordRequest req;
  req.x_server = "/bin/false";
  EXPECT_NE(error_of(req).find("the X server could not start: '/bin/false' exited with status 1 before reporting a "
                               "display"),
            std::string::npos);
  // Random agents never drive apps that run as this process's user (they could reach its files).
  GuiOptions o;
  o.recorder.app_user = "no-such-user-nc";
  req.agent = "fast";
  EXPECT_NE(error_of(req, o).find("the random agent would drive the apps as this process's user"), std::string::npos);
  req.agent = "medium";
  EXPECT_NE(error_of(req).find("unknown agent 'medium'"), std::string::npos);
  // Through the command line: one line, exit code 1, the package to install.
  const auto r =
      test::run_nc({"data", "gui", "record", "--seconds", "1", "--out", dir.file("b"), "--x-server", "no-such-x-server"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nc data gui record: error: the X server could not start: cannot run 'no-such-x-server'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("xvfb package"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nc::gui
