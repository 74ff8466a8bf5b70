// A terminal recording sampled at a fixed fps: the events on the playback clock, a replay that
// steps a term::Screen frame by frame, and a cheap first pass ("trace") that keeps, per frame,
// what segmentation, filters, statistics and captions need, without rendering a pixel.
#pragma once

#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "nc/term/asciicast.h"
#include "nc/term/screen.h"

namespace nc::data {

// An event on the playback clock (idle gaps shortened, speed applied), in seconds.
struct TraceEvent {
  double time = 0;
  char type = 'o';
  std::string data;
};

// Pauses longer than `idle_limit` (0: no limit) are shortened to it, then times are divided
// by `speed`.
std::vector<TraceEvent> playback_events(const std::vector<term::CastEvent>& events, double idle_limit,
                                        double speed);

// Steps a Screen through frames k = 0, 1, ...: frame k shows every event with time <= k / fps.
class Replay {
 public:
  Replay(int cols, int rows, const std::vector<TraceEvent>& events, double fps);
  // Number of frames the recording spans (at least 1).
  int frame_count() const { return frame_count_; }
  // Feeds the events of the next frame; false when all frames were visited.
  bool next();
  int frame() const { return frame_; }
  double time() const { return frame_ / fps_; }
  term::Screen& screen() { return screen_; }
  // Of the events fed for the current frame: how many, and how many cleared the screen.
  int fed_events() const { return fed_events_; }
  int fed_clears() const { return fed_clears_; }
  // Index range [begin, end) of the events fed for the current frame.
  size_t events_begin() const { return events_begin_; }
  size_t events_end() const { return next_event_; }

 private:
  term::Screen screen_;
  const std::vector<TraceEvent>& events_;
  double fps_;
  int frame_count_, frame_ = -1;
  size_t next_event_ = 0, events_begin_ = 0;
  int fed_events_ = 0, fed_clears_ = 0;
};

struct TraceFrame {
  double time = 0;
  uint64_t hash = 0;  // screen content, attributes and cursor: equal hashes look the same
  int cursor_row = 0, cursor_col = 0;
  bool alt_screen = false;
  int clears = 0, events = 0;  // fed for this frame
  std::shared_ptr<const std::vector<std::string>> text;
};

// A command typed at a shell prompt, seen when the cursor left the prompt line.
struct Command {
  int frame = 0;  // the frame in which it was entered
  std::string text;
};

struct Trace {
  int cols = 80, rows = 24;
  double fps = 15;
  std::vector<TraceEvent> events;
  std::vector<TraceFrame> frames;
  std::vector<Command> commands;
};

// The first pass over a recording.
Trace scan_trace(int cols, int rows, std::vector<TraceEvent> events, double fps,
                 const std::string& prompt_regex);

// Hash of everything visible on a screen (cells and cursor).
uint64_t screen_hash(const term::Screen& screen);

}  // namespace nc::data
