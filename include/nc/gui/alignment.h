// Logs to frames: the one alignment rule of docs/DATA.md ("Frame alignment"), built on
// PAPER.md §1.3 item 7 with its known inconsistencies selectable (AlignmentOptions).
//
//   per-frame rows (CSV, meta JSON frames)   row k -> frame k + action_frame_offset
//   actions with a frame_index (meta JSON)   frame_index + action_frame_offset
//   actions with a timestamp t               round(t * fps - o) + action_frame_offset,
//                                            o = 1 for frame_end timestamps ((k+1)/fps),
//                                            o = 0 for frame_start (k/fps); round half to
//                                            even, as Python's round()
//
// `auto` takes frame_start for computer-use tool calls (their timestamp is the screen
// recorder's frame_count / fps) and for synthetic actions (step i is written at i / fps),
// frame_end for meta actions without frame_index (they copy CSV row times, (k+1)/fps).
// Events that land outside [0, T) by at most max_clamp_frames are clamped (counted); farther
// is an nc::Error naming the action. Where a log gives positions and events: tool calls take
// events from the JSON and positions from the screen CSV; otherwise per-frame rows (meta JSON
// frames before CSV rows) give both; an action log alone gives events and forward-filled
// positions (frames before the first coordinate have no cursor).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nc/gui/action_json.h"
#include "nc/gui/csv_log.h"
#include "nc/gui/gui_options.h"
#include "nc/gui/trace.h"

namespace nc::gui {

struct AlignReport {
  int log_rows = 0;      // per-frame rows of the log (0: an action log alone)
  int video_frames = 0;
  int frames = 0;        // frames of the trace: min(log rows, video frames)
  std::string positions_from, events_from, timestamps;  // the sources and rule used
  double csv_offset = NAN;  // median(ts_k * fps - k) of the rows: ~1 frame_end, ~0 frame_start
  int events = 0;
  int clamped_events = 0;     // events moved into [0, T)
  int offscreen_clamped = 0;  // coordinates moved onto the screen
  int missing_cursor = 0;     // frames without a cursor position
  int failed_actions = 0;     // failed tool calls, dropped
  int no_input_actions = 0;   // screenshot, wait, cursor_position, mouse_move (positions only)
  std::vector<std::string> warnings;
  nlohmann::ordered_json to_json() const;
};

// round(t * fps - offset) with ties to even (Python's round on a float).
long frame_of_time(double t, double fps, int offset);

// Builds the per-frame trace of a recording. `csv` and `actions` may each be null (not both);
// `video_frames` and `fps` come from the video, the screen size from its frames. Throws
// nc::Error on a video/log length mismatch beyond alignment.max_length_mismatch, an event or
// coordinate beyond the clamping tolerances, or an fps the log contradicts.
GuiTrace align_trace(const CsvLog* csv, const ActionLog* actions, int video_frames, double fps, int screen_width,
                     int screen_height, const AlignmentOptions& options, AlignReport* report = nullptr);

// PAPER.md §1.3 item 6 double/triple-click detection on a trace: a single left click whose
// time is within `window` s of the previous left click(s) becomes a double (count 2) or
// triple (count 3) click; a fourth stays single. Clicks logged as double/triple keep theirs.
void derive_multi_clicks(GuiTrace& trace, double window);

}  // namespace nc::gui
