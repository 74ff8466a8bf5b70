#include "nc/data/term_clips.h"

#include <set>

#include <fmt/format.h>

#include "nc/data/captions.h"
#include "nc/data/clip_stats.h"
#include "nc/term/renderer.h"

namespace nc::data {
namespace {

// Distinct non-default colours drawn on the screen (foregrounds of non-blank cells, backgrounds).
void collect_colors(const term::Screen& s, const term::Theme& theme, std::set<uint32_t>& out) {
  auto key = [](term::Rgb c) { return (uint32_t(c.r) << 16) | (uint32_t(c.g) << 8) | c.b; };
  for (int r = 0; r < s.rows(); ++r) {
    for (int c = 0; c < s.cols(); ++c) {
      term::Cell cell = s.cell(r, c);
      if (cell.fg.kind != term::Color::kDefault && !cell.blank())
        out.insert(key(theme.resolve(cell.fg, true, cell.bold)));
      if (cell.bg.kind != term::Color::kDefault) out.insert(key(theme.resolve(cell.bg, false)));
    }
  }
}

}  // namespace

PlanReport render_term_clips(const TermSource& source, const ClipOptions& o, const term::RenderOptions& render,
                             const std::function<void(Clip&&)>& sink) {
  const term::CastHeader& h = source.cast.header;
  // A limit in the recording's header applies when it is tighter than ours.
  double idle = o.idle_time_limit;
  if (h.idle_time_limit > 0 && (idle <= 0 || h.idle_time_limit < idle)) idle = h.idle_time_limit;
  Trace trace = scan_trace(h.width, h.height, playback_events(source.cast.events, idle, o.speed), o.fps,
                           o.prompt_regex);
  PlanReport report;
  const std::vector<ClipPlan> plans = source.whole ? plan_whole(trace, o, &report) : plan_clips(trace, o, &report);
  if (plans.empty()) return report;

  term::Renderer renderer(render);
  if (source.window_width > 0 && source.window_height > 0)
    renderer.set_window_size(source.window_width, source.window_height);
  // Every frame of a recording has one size: later terminal resizes are letterboxed into it.
  const auto [frame_w, frame_h] = renderer.output_size(h.width, h.height);
  renderer.set_output_size(frame_w, frame_h);
  Replay replay(h.width, h.height, trace.events, o.fps);
  size_t p = 0, next = 0;  // plan, and position in its frame list
  Clip clip;
  std::set<uint32_t> colors;
  while (p < plans.size() && replay.next()) {
    const ClipPlan& plan = plans[p];
    const int k = replay.frame();
    if (k != plan.frames[next]) continue;
    const Image& frame = renderer.render(replay.screen());
    collect_colors(replay.screen(), renderer.theme(), colors);
    while (next < plan.frames.size() && plan.frames[next] == k) {
      clip.frames.push_back(frame);
      clip.text.push_back(*trace.frames[k].text);
      ++next;
    }
    if (next < plan.frames.size()) continue;

    // The clip's last frame: finish its record.
    clip.id = source.whole ? source.id : fmt::format("{}_{:04d}", source.id, p + 1);
    clip.fps = o.fps;
    const double t0 = trace.frames[plan.begin].time, t_end = trace.frames[plan.end - 1].time;
    for (const auto& e : trace.events)
      if (e.time > t0 - 1.0 / o.fps && e.time <= t_end + 1e-9)
        clip.events.push_back({std::max(0.0, e.time - t0), e.type, e.data});
    clip.captions = term_captions(trace, plan.begin, plan.end, replay.screen(), renderer.theme(), o.prompt_regex);
    if (!source.sidecar.is_null()) sidecar_captions(source.sidecar, clip.id, clip.captions);
    nlohmann::json env = nlohmann::json::object();
    for (const auto& [k_env, v] : h.env) env[k_env] = v;
    clip.info["source"] = source.tool;
    clip.info["data_info"] = {{"version", h.version},
                              {"size", {{"width", h.width}, {"height", h.height}}},
                              {"frame_size", {{"width", frame_w}, {"height", frame_h}}},
                              {"env", env},
                              {"font_size", render.font_size},
                              {"theme", renderer.theme().name}};
    clip.info["meta"] = {{"videogen", term_clip_stats(trace, plan.begin, plan.end, static_cast<int>(colors.size()))}};
    nlohmann::json meta = source.metadata;
    meta["clip_index"] = p + 1;
    meta["start_time"] = t0;
    meta["end_time"] = t_end;
    clip.info["metadata"] = std::move(meta);
    clip.info["source_frames"] = plan.frames;
    sink(std::move(clip));

    clip = Clip();
    colors.clear();
    ++p;
    next = 0;
  }
  return report;
}

}  // namespace nc::data
