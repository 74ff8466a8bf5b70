#include "nc/data/clip_stats.h"

#include <cmath>

#include "nc/core/utf8.h"

namespace nc::data {
namespace {

// A keystroke echo: one or two printable characters of output, or a backspace-erase.
bool echo_like(const TraceEvent& e) {
  if (e.type == 'i') return true;
  if (e.type != 'o') return false;
  if (e.data == "\b \b" || e.data == "\b\x1b[K") return true;
  std::u32string s = decode_utf8(e.data);
  if (s.empty() || s.size() > 2) return false;
  for (char32_t c : s)
    if (c < 0x20 || c == 0x7F) return false;
  return true;
}

}  // namespace

nlohmann::json term_clip_stats(const Trace& t, int begin, int end, int color_usage) {
  const double seconds = std::max(1.0, double(end - begin)) / t.fps;
  const double t0 = t.frames[begin].time - 1e-9, t1 = t.frames[end - 1].time + 1e-9;
  // Events whose frame lies in the clip: (t0 - 1/fps, t1].
  const double from = t0 - 1.0 / t.fps;

  double complexity = 0;
  int active = 0, clears = 0, changes = 0;
  const std::vector<std::string>* last = nullptr;
  double last_count = 0;
  for (int k = begin; k < end; ++k) {
    const TraceFrame& f = t.frames[k];
    if (f.text.get() != last) {
      last = f.text.get();
      last_count = 0;
      for (const auto& line : *last)
        for (char32_t c : decode_utf8(line)) last_count += c != U' ';
    }
    complexity += last_count;
    active += f.events > 0;
    clears += f.clears;
    if (k > begin && f.hash != t.frames[k - 1].hash) ++changes;
  }

  int events = 0;
  std::vector<double> typed;
  for (const auto& e : t.events) {
    if (e.time <= from || e.time > t1) continue;
    ++events;
    if (echo_like(e)) typed.push_back(e.time);
  }
  double mean = 0, var = 0;
  if (typed.size() >= 2) {
    std::vector<double> gaps;
    for (size_t i = 1; i < typed.size(); ++i) gaps.push_back(typed[i] - typed[i - 1]);
    for (double g : gaps) mean += g;
    mean /= gaps.size();
    for (double g : gaps) var += (g - mean) * (g - mean);
    var /= gaps.size();
  }
  auto round3 = [](double v) { return std::round(v * 1000) / 1000; };
  return {{"visual_complexity", round3(complexity / (end - begin))},
          {"interaction_density", round3(double(active) / (end - begin))},
          {"color_usage", color_usage},
          {"screen_clears", clears},
          {"event_rate", round3(events / seconds)},
          {"typing_rhythm", {{"avg_interval", round3(mean)}, {"variance", round3(var)}, {"keystrokes", typed.size()}}},
          {"visual_change_events", changes}};
}

}  // namespace nc::data
