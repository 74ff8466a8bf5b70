#include "nc/data/clip_plan.h"

#include <cmath>

#include "nc/core/error.h"

namespace nc::data {
namespace {

// Seconds the screen has been still just before frame b.
double idle_before(const Trace& t, int b) {
  int j = b - 1;
  while (j >= 0 && t.frames[j].events == 0) --j;
  return (b - 1 - j) / t.fps;
}

double split_score(const Trace& t, int start, int b, int target) {
  const int n = static_cast<int>(t.frames.size());
  double score = 0;
  if (b < n && t.frames[b].clears > 0) score += 2.0;                // the next clip starts on a clear
  score += 1.5 * std::min(1.0, idle_before(t, b) / 1.0);            // cut inside a pause
  int busy = 0;                                                     // typing or output around the cut
  for (int k = std::max(0, b - 2); k < std::min(n, b + 2); ++k) busy += t.frames[k].events > 0;
  score -= 0.5 * busy;
  score -= 1.0 * std::abs(b - start - target) / double(target);     // stay near the target length
  return score;
}

}  // namespace

std::vector<std::pair<int, int>> segment(const Trace& t, const ClipOptions& o) {
  const int n = static_cast<int>(t.frames.size());
  const int target = std::max(1, static_cast<int>(std::lround(o.seconds * t.fps)));
  const int lo = std::max(1, static_cast<int>(std::lround(o.min_seconds * t.fps)));
  const int hi = std::max(lo, static_cast<int>(std::lround(o.max_seconds * t.fps)));
  std::vector<std::pair<int, int>> out;
  int start = 0;
  while (start < n) {
    if (n - start <= hi) {
      out.emplace_back(start, n);
      break;
    }
    int best = start + target;
    double best_score = -1e9;
    for (int b = start + lo; b <= std::min(n - 1, start + hi); ++b) {
      double s = split_score(t, start, b, target);
      if (s > best_score + 1e-12) {
        best_score = s;
        best = b;
      }
    }
    out.emplace_back(start, best);
    start = best;
  }
  return out;
}

std::vector<int> fixed_length(int begin, int end, int count, int stride) {
  const int len = end - begin;
  if (len <= 0 || count <= 0) throw Error("empty frame range", "clips");
  std::vector<int> idx(count);
  for (int i = 0; i < count; ++i) {
    if (stride > 0)
      idx[i] = begin + std::min(i * stride, len - 1);
    else if (len >= count)
      idx[i] = begin + (count == 1 ? 0 : static_cast<int>(std::lround(double(i) * (len - 1) / (count - 1))));
    else
      idx[i] = begin + std::min(i, len - 1);
  }
  return idx;
}

bool is_frozen(const Trace& t, int begin, int end) {
  for (int k = begin + 1; k < end; ++k)
    if (t.frames[k].hash != t.frames[begin].hash) return false;
  return true;
}

std::string sensitive_match(const Trace& t, int begin, int end, const std::vector<std::regex>& patterns,
                            const std::vector<std::string>& sources) {
  std::string text;
  const std::vector<std::string>* last = nullptr;
  for (int k = begin; k < end; ++k) {
    if (t.frames[k].text.get() == last) continue;
    last = t.frames[k].text.get();
    for (const auto& line : *last) text += line + "\n";
  }
  const double t0 = begin / t.fps, t1 = end / t.fps;
  for (const auto& e : t.events)
    if (e.type == 'i' && e.time >= t0 && e.time < t1) text += e.data + "\n";
  for (size_t i = 0; i < patterns.size(); ++i)
    if (std::regex_search(text, patterns[i])) return sources[i];
  return "";
}

namespace {

std::vector<std::regex> compile_patterns(const ClipOptions& o) {
  std::vector<std::regex> patterns;
  for (size_t i = 0; i < o.sensitive_patterns.size(); ++i) {
    try {
      patterns.emplace_back(o.sensitive_patterns[i], std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error& e) {
      throw Error(std::string("invalid regex: ") + e.what(), "clips.sensitive_patterns[" + std::to_string(i) + "]");
    }
  }
  return patterns;
}

}  // namespace

std::vector<int> visible_frames(const Trace& t) {
  std::vector<int> out;
  out.reserve(t.frames.size());
  bool shown = true;
  size_t e = 0;
  for (size_t k = 0; k < t.frames.size(); ++k) {
    const double time = t.frames[k].time + 1e-9;
    for (; e < t.events.size() && t.events[e].time <= time; ++e) {
      if (t.events[e].type != 'm') continue;
      if (t.events[e].data == "hide") shown = false;
      else if (t.events[e].data == "show") shown = true;
    }
    if (shown) out.push_back(static_cast<int>(k));
  }
  return out;
}

std::vector<ClipPlan> plan_whole(const Trace& t, const ClipOptions& o, PlanReport* report) {
  PlanReport local;
  PlanReport& r = report ? *report : local;
  const std::vector<int> shown = visible_frames(t);
  if (shown.empty()) {
    ++r.dropped_hidden;
    return {};
  }
  ClipPlan plan;
  plan.begin = shown.front();
  plan.end = shown.back() + 1;
  for (int i : fixed_length(0, static_cast<int>(shown.size()), o.frames, o.stride)) plan.frames.push_back(shown[i]);
  if (o.drop_frozen && is_frozen(t, plan.begin, plan.end)) {
    ++r.dropped_frozen;
    return {};
  }
  const std::vector<std::regex> patterns = compile_patterns(o);
  if (!sensitive_match(t, plan.begin, plan.end, patterns, o.sensitive_patterns).empty()) {
    ++r.dropped_sensitive;
    return {};
  }
  ++r.clips;
  return {plan};
}

std::vector<ClipPlan> plan_clips(const Trace& t, const ClipOptions& o, PlanReport* report) {
  const std::vector<std::regex> patterns = compile_patterns(o);
  PlanReport local;
  PlanReport& r = report ? *report : local;
  std::vector<ClipPlan> plans;
  const int min_tail = static_cast<int>(std::lround(o.min_tail_seconds * t.fps));
  auto segments = segment(t, o);
  for (size_t s = 0; s < segments.size(); ++s) {
    auto [begin, end] = segments[s];
    if (s + 1 == segments.size() && s > 0 && end - begin < min_tail) {
      ++r.dropped_tail;
      continue;
    }
    if (o.drop_frozen && is_frozen(t, begin, end)) {
      ++r.dropped_frozen;
      continue;
    }
    if (!sensitive_match(t, begin, end, patterns, o.sensitive_patterns).empty()) {
      ++r.dropped_sensitive;
      continue;
    }
    plans.push_back({begin, end, fixed_length(begin, end, o.frames, o.stride)});
    ++r.clips;
  }
  return plans;
}

}  // namespace nc::data
