#include "nc/data/term_trace.h"

#include <cmath>

#include "nc/core/error.h"

namespace nc::data {
namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ull, kFnvPrime = 1099511628211ull;

void mix(uint64_t& h, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xFF;
    h *= kFnvPrime;
  }
}

uint64_t color_bits(const term::Color& c) {
  return (uint64_t(c.kind) << 32) | (uint64_t(c.index) << 24) | (uint64_t(c.r) << 16) | (uint64_t(c.g) << 8) | c.b;
}

bool parse_size(const std::string& data, int* cols, int* rows) {
  return std::sscanf(data.c_str(), "%dx%d", cols, rows) == 2;
}

}  // namespace

std::vector<TraceEvent> playback_events(const std::vector<term::CastEvent>& events, double idle_limit,
                                        double speed) {
  std::vector<TraceEvent> out;
  out.reserve(events.size());
  double prev_in = 0, t = 0;
  for (const auto& e : events) {
    double gap = std::max(0.0, e.time - prev_in);
    if (idle_limit > 0) gap = std::min(gap, idle_limit);
    t += gap;
    prev_in = e.time;
    out.push_back({t / speed, e.type, e.data});
  }
  return out;
}

Replay::Replay(int cols, int rows, const std::vector<TraceEvent>& events, double fps)
    : screen_(cols, rows), events_(events), fps_(fps) {
  const double end = events.empty() ? 0.0 : events.back().time;
  frame_count_ = static_cast<int>(std::floor(end * fps + 1e-9)) + 1;
}

bool Replay::next() {
  if (frame_ + 1 >= frame_count_) return false;
  ++frame_;
  const double t = frame_ / fps_ + 1e-9;
  fed_events_ = fed_clears_ = 0;
  events_begin_ = next_event_;
  while (next_event_ < events_.size() && events_[next_event_].time <= t) {
    const TraceEvent& e = events_[next_event_++];
    ++fed_events_;
    if (e.type == 'o') {
      screen_.feed(e.data);
      fed_clears_ += term::count_screen_clears(e.data);
    } else if (e.type == 'r') {
      int c, r;
      if (parse_size(e.data, &c, &r)) screen_.resize(c, r);
    }
  }
  return true;
}

uint64_t screen_hash(const term::Screen& s) {
  uint64_t h = kFnvOffset;
  mix(h, (uint64_t(s.cols()) << 32) | uint64_t(s.rows()));
  for (int r = 0; r < s.rows(); ++r) {
    for (int c = 0; c < s.cols(); ++c) {
      term::Cell cell = s.cell(r, c);
      mix(h, cell.chars[0] | (uint64_t(cell.chars[1]) << 32));
      mix(h, color_bits(cell.fg) ^ (color_bits(cell.bg) << 20));
      mix(h, (cell.bold) | (cell.italic << 1) | (cell.underline << 2) | (cell.reverse << 3) |
                 (cell.strike << 4) | (uint64_t(cell.width) << 8));
    }
  }
  term::Cursor cur = s.cursor();
  mix(h, (uint64_t(cur.row) << 32) | (uint64_t(cur.col) << 1) | cur.visible);
  return h;
}

Trace scan_trace(int cols, int rows, std::vector<TraceEvent> events, double fps,
                 const std::string& prompt_regex) {
  Trace trace;
  trace.cols = cols;
  trace.rows = rows;
  trace.fps = fps;
  trace.events = std::move(events);
  std::regex prompt;
  try {
    prompt = std::regex(prompt_regex);
  } catch (const std::regex_error& e) {
    throw Error(std::string("invalid regex: ") + e.what(), "clips.prompt_regex");
  }

  Replay replay(cols, rows, trace.events, fps);
  trace.frames.reserve(replay.frame_count());
  std::shared_ptr<const std::vector<std::string>> last_text;
  uint64_t last_hash = 0;
  while (replay.next()) {
    term::Screen& s = replay.screen();
    TraceFrame f;
    f.time = replay.time();
    f.events = replay.fed_events();
    f.clears = replay.fed_clears();
    f.cursor_row = s.cursor().row;
    f.cursor_col = s.cursor().col;
    f.alt_screen = s.alt_screen();
    // A frame with no events looks exactly like the one before: reuse its hash and text.
    if (f.events == 0 && last_text) {
      f.hash = last_hash;
      f.text = last_text;
    } else {
      f.hash = screen_hash(s);
      auto text = std::make_shared<std::vector<std::string>>(s.text());
      if (last_text && *last_text == *text)
        f.text = last_text;
      else
        f.text = std::move(text);
    }
    last_hash = f.hash;
    last_text = f.text;

    // A command was entered when the cursor leaves a prompt line downwards, or when that line
    // scrolled up while the cursor stayed on the bottom row.
    if (!trace.frames.empty()) {
      const TraceFrame& prev = trace.frames.back();
      const int row = prev.cursor_row;
      if (!prev.alt_screen && !f.alt_screen && row < static_cast<int>(prev.text->size())) {
        const std::string& line = (*prev.text)[row];
        bool entered = f.cursor_row > row;
        if (!entered && f.cursor_row == row && f.text != prev.text)
          for (int r = 0; r < f.cursor_row && !entered; ++r) entered = (*f.text)[r] == line;
        std::smatch m;
        if (entered && std::regex_match(line, m, prompt) && m.size() > 1) {
          std::string cmd = m[1].str();
          while (!cmd.empty() && cmd.back() == ' ') cmd.pop_back();
          if (!cmd.empty()) trace.commands.push_back({replay.frame(), cmd});
        }
      }
    }
    trace.frames.push_back(std::move(f));
  }
  return trace;
}

}  // namespace nc::data
