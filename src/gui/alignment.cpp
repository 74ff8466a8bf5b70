#include "nc/gui/alignment.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "nc/core/error.h"
#include "nc/core/strings.h"
#include "nc/gui/keys.h"

namespace nc::gui {
namespace {

class Builder {
 public:
  Builder(GuiTrace& trace, AlignReport& report, const AlignmentOptions& opt)
      : trace_(trace), report_(report), opt_(opt), frames_(static_cast<long>(trace.frames.size())) {}

  // The frame an event lands on, clamped within the tolerance, else an error.
  long place(long f, const std::string& where) {
    if (f >= 0 && f < frames_) return f;
    const long off = f < 0 ? -f : f - (frames_ - 1);
    if (off > opt_.max_clamp_frames)
      throw Error("event lands on frame " + std::to_string(f) + ", outside the video's " + std::to_string(frames_) +
                      " frames by " + std::to_string(off),
                  where,
                  "video and log do not match (wrong fps, a cut video, or gui.alignment.timestamps / "
                  "action_frame_offset); max_clamp_frames = " +
                      std::to_string(opt_.max_clamp_frames));
    ++report_.clamped_events;
    return std::clamp(f, 0L, frames_ - 1);
  }

  // A coordinate on the screen, clamped within the tolerance, else an error.
  double coordinate(double v, int size, const char* axis, const std::string& where) {
    if (v >= 0 && v <= size - 1) return v;
    const double off = v < 0 ? -v : v - (size - 1);
    if (off > opt_.offscreen_clamp)
      throw Error(std::string(axis) + " = " + std::to_string(v) + " is off the " + std::to_string(trace_.screen_width) +
                      "x" + std::to_string(trace_.screen_height) + " screen by " + std::to_string(off) + " px",
                  where,
                  "is the video the screen the log was recorded on? offscreen_clamp = " +
                      std::to_string(opt_.offscreen_clamp));
    ++report_.offscreen_clamped;
    return std::clamp(v, 0.0, static_cast<double>(size - 1));
  }

  void set_position(long f, double x, double y, const std::string& where) {
    GuiFrame& fr = trace_.frames[static_cast<size_t>(f)];
    fr.x = coordinate(x, trace_.screen_width, "x", where);
    fr.y = coordinate(y, trace_.screen_height, "y", where);
  }

  void add(long f, GuiEvent e) {
    trace_.frames[static_cast<size_t>(f)].events.push_back(std::move(e));
    ++report_.events;
  }

  // Modifier keys named by a tool call's `key` field (held during a click or scroll).
  std::vector<std::string> modifier_keys(const std::string& combo, const std::string& where) {
    std::vector<std::string> keys;
    if (trim(combo).empty()) return keys;
    const Chord ch = parse_chord(combo, where);
    if (ch.modifiers & kCtrl) keys.push_back("Control_L");
    if (ch.modifiers & kShift) keys.push_back("Shift_L");
    if (ch.modifiers & kAlt) keys.push_back("Alt_L");
    if (ch.modifiers & kMeta) keys.push_back("Super_L");
    if (!ch.key_name.empty()) keys.push_back(ch.key_name);
    return keys;
  }

  void with_held(long f, const std::vector<std::string>& held, GuiEvent e) {
    for (const auto& k : held) add(f, GuiEvent::key_down(k));
    add(f, std::move(e));
    for (auto it = held.rbegin(); it != held.rend(); ++it) add(f, GuiEvent::key_up(*it));
  }

 private:
  GuiTrace& trace_;
  AlignReport& report_;
  const AlignmentOptions& opt_;
  long frames_;
};

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace

long frame_of_time(double t, double fps, int offset) {
  return static_cast<long>(std::nearbyint(t * fps - offset));  // default rounding: ties to even
}

nlohmann::ordered_json AlignReport::to_json() const {
  return {{"log_rows", log_rows},
          {"video_frames", video_frames},
          {"frames", frames},
          {"positions_from", positions_from},
          {"events_from", events_from},
          {"timestamps", timestamps},
          {"csv_offset", std::isfinite(csv_offset) ? nlohmann::ordered_json(csv_offset) : nlohmann::ordered_json()},
          {"events", events},
          {"clamped_events", clamped_events},
          {"offscreen_clamped", offscreen_clamped},
          {"missing_cursor", missing_cursor},
          {"failed_actions", failed_actions},
          {"no_input_actions", no_input_actions},
          {"warnings", warnings}};
}

void derive_multi_clicks(GuiTrace& trace, double window) {
  if (window <= 0) return;
  std::deque<double> times;  // the last left clicks (the paper keeps four)
  for (size_t k = 0; k < trace.frames.size(); ++k) {
    const double t = static_cast<double>(k) / trace.fps;
    for (GuiEvent& e : trace.frames[k].events) {
      if (e.kind != EventKind::kClick || e.button != kLeftButton) continue;
      if (e.count == 1) {
        int count = 1;
        for (auto it = times.rbegin(); it != times.rend() && t - *it <= window + 1e-9; ++it) ++count;
        if (count == 2 || count == 3) e.count = count;
      }
      times.push_back(t);
      if (times.size() > 3) times.pop_front();
    }
  }
}

GuiTrace align_trace(const CsvLog* csv, const ActionLog* actions, int video_frames, double fps, int screen_width,
                     int screen_height, const AlignmentOptions& opt, AlignReport* report_out) {
  check(csv || actions, "no log to align", "align_trace");
  check(video_frames > 0, "the video has no frames", csv ? csv->path : actions->path);
  check(fps > 0, "the video has no frame rate", csv ? csv->path : actions->path);
  AlignReport report;
  report.video_frames = video_frames;
  const std::string log_name = csv ? csv->path : actions->path;

  const bool tool = actions && actions->kind == ActionLogKind::kToolCalls;
  const bool meta_rows = actions && actions->kind == ActionLogKind::kMeta && !actions->frames.empty();
  const std::vector<CsvRow>* rows = meta_rows ? &actions->frames : csv ? &csv->rows : nullptr;
  const std::string rows_name = meta_rows ? actions->path : csv ? csv->path : "";
  if (csv) report.warnings.insert(report.warnings.end(), csv->warnings.begin(), csv->warnings.end());
  if (actions) report.warnings.insert(report.warnings.end(), actions->warnings.begin(), actions->warnings.end());

  if (actions && actions->fps > 0 && std::fabs(actions->fps - fps) > 0.05 * fps)
    throw Error("the log says " + std::to_string(actions->fps) + " fps, the video has " + std::to_string(fps),
                actions->path, "resample the video to the log's rate, or fix metadata.fps");

  int frames = video_frames;
  if (rows) {
    const int n = static_cast<int>(rows->size());
    report.log_rows = n;
    if (std::abs(n - video_frames) > opt.max_length_mismatch)
      throw Error("the video has " + std::to_string(video_frames) + " frames, the log " + std::to_string(n) +
                      " rows (one per frame)",
                  rows_name,
                  "a video/log length mismatch beyond gui.alignment.max_length_mismatch = " +
                      std::to_string(opt.max_length_mismatch) + ": is this the log of this video?");
    if (n != video_frames)
      report.warnings.push_back(rows_name + ": " + std::to_string(n) + " log rows for " + std::to_string(video_frames) +
                                " video frames; the first " + std::to_string(std::min(n, video_frames)) + " are used");
    frames = std::min(n, video_frames);
    std::vector<double> offsets, steps;
    for (int k = 0; k < n; ++k) offsets.push_back((*rows)[static_cast<size_t>(k)].timestamp * fps - k);
    report.csv_offset = median(offsets);
    for (int k = 1; k < n; ++k) {
      const double d = (*rows)[static_cast<size_t>(k)].timestamp - (*rows)[static_cast<size_t>(k - 1)].timestamp;
      if (d > 0) steps.push_back(d);
    }
    const double step = median(steps);
    if (std::isfinite(step) && std::fabs(1.0 / step - fps) > 0.25 * fps)
      report.warnings.push_back(rows_name + ": row timestamps step " + std::to_string(step) + " s (" +
                                std::to_string(1.0 / step) + " fps) but the video has " + std::to_string(fps) +
                                " fps; rows are taken as frames");
  }
  report.frames = frames;

  GuiTrace trace;
  trace.fps = fps;
  trace.screen_width = screen_width;
  trace.screen_height = screen_height;
  trace.frames.resize(static_cast<size_t>(frames));
  Builder b(trace, report, opt);
  const int off = opt.action_frame_offset;

  // Per-frame rows: positions (always) and events (unless tool calls supply them).
  if (rows) {
    report.positions_from = meta_rows ? "meta frames" : "csv";
    int screen_csv_events = 0;
    for (int k = 0; k < frames; ++k) {
      const CsvRow& row = (*rows)[static_cast<size_t>(k)];
      const std::string where = meta_rows ? rows_name + ": frames[" + std::to_string(k) + "]" : at_line(rows_name, row.line);
      const long target = k + off;
      if (std::isfinite(row.x) && target >= 0 && target < frames) b.set_position(target, row.x, row.y, where);
      const bool has_events = row.left_click || row.right_click || !row.events.empty() ||
                              (meta_rows && (actions->middle_click[static_cast<size_t>(k)] ||
                                             !actions->buttons_down[static_cast<size_t>(k)].empty() ||
                                             !actions->buttons_up[static_cast<size_t>(k)].empty()));
      if (!has_events) continue;
      if (tool) {
        ++screen_csv_events;
        continue;
      }
      const long f = b.place(target, where);
      if (meta_rows)
        for (int button : actions->buttons_down[static_cast<size_t>(k)]) b.add(f, GuiEvent::press(button));
      if (row.left_click) b.add(f, GuiEvent::click(kLeftButton));
      if (row.right_click) b.add(f, GuiEvent::click(kRightButton));
      if (meta_rows && actions->middle_click[static_cast<size_t>(k)]) b.add(f, GuiEvent::click(kMiddleButton));
      if (meta_rows)
        for (int button : actions->buttons_up[static_cast<size_t>(k)]) b.add(f, GuiEvent::release(button));
      for (const auto& e : row.events) b.add(f, e);
    }
    if (!tool) report.events_from = report.positions_from;
    if (screen_csv_events > 0)
      report.warnings.push_back(rows_name + ": " + std::to_string(screen_csv_events) +
                                " row(s) with clicks or keys ignored: the tool calls give the events");
    if (!tool && actions && !meta_rows)
      report.warnings.push_back(actions->path + ": " + action_log_kind_name(actions->kind) +
                                " ignored: the per-frame CSV gives the events");
  }

  // Action logs: events (and, alone, positions).
  if (actions && (tool || !rows)) {
    report.events_from = action_log_kind_name(actions->kind);
    int o = 0;
    if (opt.timestamps == "frame_end") o = 1;
    else if (opt.timestamps == "frame_start") o = 0;
    else o = actions->kind == ActionLogKind::kMeta ? 1 : 0;
    report.timestamps = o == 1 ? "frame_end" : "frame_start";
    std::vector<bool> sampled(static_cast<size_t>(frames), false);
    std::vector<std::pair<double, double>> samples(static_cast<size_t>(frames));
    bool used_frame_index = false;
    for (const ActionRecord& a : actions->actions) {
      if (!a.success) {
        ++report.failed_actions;
        continue;
      }
      long raw;
      if (a.frame_index >= 0) {
        raw = a.frame_index + off;
        used_frame_index = true;
      } else {
        raw = frame_of_time(a.timestamp, fps, o) + off;
      }
      const long f = b.place(raw, a.where);
      if (a.has_xy()) {
        const double x = b.coordinate(a.x, screen_width, "x", a.where);
        const double y = b.coordinate(a.y, screen_height, "y", a.where);
        sampled[static_cast<size_t>(f)] = true;
        samples[static_cast<size_t>(f)] = {x, y};
      }
      const std::vector<std::string> held = b.modifier_keys(a.key, a.where);
      const std::string& n = a.action;
      if (n == "left_click") b.with_held(f, held, GuiEvent::click(kLeftButton));
      else if (n == "right_click") b.with_held(f, held, GuiEvent::click(kRightButton));
      else if (n == "middle_click") b.with_held(f, held, GuiEvent::click(kMiddleButton));
      else if (n == "double_click") b.with_held(f, held, GuiEvent::click(kLeftButton, 2));
      else if (n == "triple_click") b.with_held(f, held, GuiEvent::click(kLeftButton, 3));
      else if (n == "left_mouse_down") b.add(f, GuiEvent::press(kLeftButton));
      else if (n == "left_mouse_up") b.add(f, GuiEvent::release(kLeftButton));
      else if (n == "left_click_drag") {
        GuiEvent press = GuiEvent::press(kLeftButton);
        press.drag = true;
        b.add(f, press);
        b.add(f, GuiEvent::release(kLeftButton));
      } else if (n == "scroll") b.with_held(f, held, GuiEvent::scroll(a.scroll_direction, a.scroll_amount));
      else if (n == "type") b.add(f, GuiEvent::typed(a.text));
      else if (n == "key" || n == "key_chord") b.add(f, GuiEvent::chord(a.text));
      else if (n == "hold_key") {
        const long up = b.place(a.frame_index >= 0 ? raw : frame_of_time(a.timestamp + a.duration, fps, o) + off,
                                a.where);
        const std::vector<std::string> keys = b.modifier_keys(a.text, a.where);
        for (const auto& k : keys) b.add(f, GuiEvent::key_down(k));
        for (auto it = keys.rbegin(); it != keys.rend(); ++it) b.add(up, GuiEvent::key_up(*it));
      } else {
        ++report.no_input_actions;  // mouse_move, wait, screenshot, cursor_position
      }
    }
    if (used_frame_index) report.timestamps = "frame_index";
    if (!rows) {
      report.positions_from = action_log_kind_name(actions->kind) + std::string(" (forward-filled)");
      bool have = false;
      std::pair<double, double> last;
      for (size_t k = 0; k < samples.size(); ++k) {
        if (sampled[k]) {
          last = samples[k];
          have = true;
        }
        if (have) {
          trace.frames[k].x = last.first;
          trace.frames[k].y = last.second;
        }
      }
    }
  } else if (rows) {
    report.timestamps = "row";
  }

  derive_multi_clicks(trace, opt.double_click_window);
  for (const auto& f : trace.frames)
    if (!f.has_cursor()) ++report.missing_cursor;
  if (report.clamped_events > 0)
    report.warnings.push_back(log_name + ": " + std::to_string(report.clamped_events) +
                              " event(s) clamped into the video (within max_clamp_frames)");
  if (report.offscreen_clamped > 0)
    report.warnings.push_back(log_name + ": " + std::to_string(report.offscreen_clamped) +
                              " coordinate(s) clamped onto the screen (within offscreen_clamp)");
  if (report_out) *report_out = report;
  return trace;
}

}  // namespace nc::gui
