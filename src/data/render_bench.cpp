#include "nc/data/render_bench.h"

#include <sys/resource.h>

#include <chrono>
#include <ctime>

#include "nc/data/synthetic_session.h"
#include "nc/data/term_clips.h"
#include "nc/term/renderer.h"

namespace nc::data {
namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

nlohmann::json RenderBenchResult::to_json() const {
  return {{"frames", frames},
          {"render_cpu_s", render_cpu_s},
          {"render_wall_s", render_wall_s},
          {"frames_per_cpu_second", render_cpu_s > 0 ? frames / render_cpu_s : 0},
          {"changed_frames", changed_frames},
          {"changed_frames_per_cpu_second", changed_cpu_s > 0 ? changed_frames / changed_cpu_s : 0},
          {"pipeline_wall_s", pipeline_wall_s},
          {"pipeline_clips", pipeline_clips},
          {"peak_rss_mb", peak_rss_mb}};
}

RenderBenchResult bench_render(double seconds, int cols, int rows, const ClipOptions& clips,
                               const term::RenderOptions& render) {
  RenderBenchResult r;
  const term::Cast cast = synthetic_session(seconds, 42, cols, rows);
  const std::vector<TraceEvent> events = playback_events(cast.events, clips.idle_time_limit, clips.speed);

  // Every frame replayed and rendered: the throughput of the renderer itself.
  {
    term::Renderer renderer(render);
    Replay replay(cols, rows, events, clips.fps);
    const double c0 = cpu_seconds(), w0 = wall_seconds();
    while (replay.next()) {
      const bool changed = replay.fed_events() > 0;
      const double f0 = changed ? cpu_seconds() : 0;
      renderer.render(replay.screen());
      if (changed) {
        r.changed_cpu_s += cpu_seconds() - f0;
        ++r.changed_frames;
      }
      ++r.frames;
    }
    r.render_cpu_s = cpu_seconds() - c0;
    r.render_wall_s = wall_seconds() - w0;
  }
  // The whole pipeline on the same recording, clips discarded as they come.
  {
    TermSource source;
    source.id = "bench";
    source.cast = cast;
    const double w0 = wall_seconds();
    PlanReport rep = render_term_clips(source, clips, render, [](Clip&&) {});
    r.pipeline_wall_s = wall_seconds() - w0;
    r.pipeline_clips = rep.clips;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  r.peak_rss_mb = usage.ru_maxrss / 1024.0;
  return r;
}

}  // namespace nc::data
