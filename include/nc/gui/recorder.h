// `nc data gui record`: a real desktop, driven and filmed (CMake option NC_WITH_GUI).
//
// Starts Xvfb (gui.recorder.screen_width x screen_height x 24, on a free display chosen by
// the server itself through -displayfd), a window manager, and the configured applications
// laid out at their geometries; drives them through XTest with a plan (synthetic_agent.h);
// captures the root window at gui.recorder.fps (MIT-SHM, the X cursor composited through
// XFixes as the paper's mss(with_cursor=True) does) and encodes H.264 on a second thread.
// Per step k: move and send the step's input, sleep to the grid time t0 + (k+1)/fps, capture,
// log the row (PAPER.md §1.3 "Execution per step"). A capture later than one frame period
// after its grid time drops the slots it missed: counted, and the grid is shifted so that the
// recorder does not race to catch up (every step still gets exactly one frame, so the log and
// the video stay aligned row for frame).
//
// Output (the paper's layout): DIR/videos/record_<i>.mp4, DIR/actions/record_<i>.csv (the
// synthetic recorder's CSV), DIR/actions/meta_actions_<i>.json (meta actions),
// DIR/recording_<i>.json (this report), DIR/logs/ (each process's output). Every process the
// recorder starts is stopped (TERM, then KILL, with its descendants) before it returns or
// throws; an X server that cannot start is an nc::Error quoting its log.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nc/gui/gui_options.h"

namespace nc::gui {

struct RecordRequest {
  double seconds = 30;
  std::string agent = "slow";  // slow | fast | script:FILE
  std::string out_dir;
  int index = 0;  // file names record_<index>
  uint64_t seed = 0;
  std::string x_server = "Xvfb";  // the X server program (tests point it elsewhere)
};

struct RecordReport {
  std::string video, csv, meta_json, report_json;
  int display = -1;
  int frames = 0;      // captured = agent steps = log rows
  int dropped = 0;     // grid slots missed (late captures)
  double dropped_rate = 0;  // dropped / (frames + dropped)
  double wall_seconds = 0, capture_ms_mean = 0, capture_ms_max = 0, max_late_ms = 0;
  double encode_ms_mean = 0;  // per frame, on the encoding thread
  int pointer_mismatches = 0;  // frames whose X pointer was not where the plan put it
  int skipped_keys = 0;        // key names X could not type
  std::vector<std::string> apps;       // "xterm (pid 123)"
  std::vector<std::string> warnings;   // apps that exited or showed no window, ...
  std::vector<int> pids;               // every process started (all stopped on return)
  nlohmann::ordered_json to_json() const;
};

RecordReport record_desktop(const RecordRequest& request, const GuiOptions& options);

}  // namespace nc::gui
