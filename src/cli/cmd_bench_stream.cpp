// nc bench stream: frame-by-frame generation with a causal DiT (frame_stream.h), as `nc play`
// streams it: frames per second by sampler steps, the latency from a new input (a caption and,
// for a model that follows actions, a click) to its first decoded frame, and memory over a long
// stream (resident set and the key/value cache, sampled as it runs). A model with actions gets
// them on every frame, encoded as nc play encodes them (no event but the latency row's click,
// the cursor at the centre). The model is the config's with model.dit.causal set and its
// initial weights (speed does not depend on them); with --ckpt, a causal checkpoint's.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include <ATen/ops/full.h>
#include <fmt/format.h>

#include "common.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/progress.h"
#include "nc/core/run_config.h"
#include "nc/core/system_info.h"
#include "nc/gui/trace.h"
#include "nc/infer/frame_stream.h"
#include "nc/infer/play.h"

namespace nc::cli {
namespace {

struct BenchStreamArgs {
  ConfigArgs config;
  std::string ckpt, out;
  std::vector<int> steps{1, 2, 4};
  int frames = 30;       // timed latent frames per row
  double seconds = 0;    // also one long stream of this length (memory over time)
  int window = 0;
};

// Resident set size of this process in MiB (Linux /proc/self/statm).
double resident_mib() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

void run_bench_stream(const BenchStreamArgs& a) {
  for (int steps : a.steps) check(steps >= 1, "sampler steps must be positive", "--steps");
  check(a.frames >= 1, "at least one timed frame per row", "--frames");
  Config config = load_rollout_bench_config(a.ckpt, a.config);
  if (a.ckpt.empty())
    config.model.dit.causal = true;
  else
    check(config.model.dit.causal, "the checkpoint's DiT is not causal", "model.dit.causal");
  const c10::Device device = setup_run(config);
  infer::RolloutEngine engine(config, a.ckpt, device, /*untrained=*/a.ckpt.empty());
  infer::SamplerOptions sampler = config.rollout;
  sampler.cfg = 1;
  if (a.window > 0) sampler.window = a.window;
  const at::Tensor first = at::full({3, config.data.height, config.data.width}, -0.8);  // a dark screen
  const bool acts = engine.uses_actions();
  const int64_t stride = engine.vae()->options().temporal_stride();
  const infer::PlayCursor centre{config.data.width / 2.0, config.data.height / 2.0};
  const auto actions = [&](int64_t frames, const std::vector<gui::GuiEvent>& events = {}) {
    return acts ? infer::encode_play_actions(config.gui, config.data.width, config.data.height, frames, centre, centre,
                                             events)
                : model::ActionInputs{};
  };
  using Clock = std::chrono::steady_clock;
  const auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };

  std::cout << fmt::format("bench stream: {} ({} weights{}), {}x{}, rollout.window {} (0: the clip's latent frames "
                           "less one), device {}, {} threads; {} timed latent frames per row after a warm-up frame\n",
                           config.run.name, a.ckpt.empty() ? "initial" : "checkpoint",
                           acts ? ", actions " + config.model.action.injection : std::string(), config.data.width,
                           config.data.height, sampler.window, device.str(), available_cores(), a.frames);
  std::cout << fmt::format("  {:<7} {:>5}  {:>9}  {:>11}  {:>9}  {:>10}\n", "sampler", "steps", "frames/s",
                           "latency ms", "cache KiB", "RSS MiB");
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  Progress progress("stream bench", static_cast<int64_t>(a.steps.size()), "row");
  for (int steps : a.steps) {
    infer::SamplerOptions o = sampler;
    o.steps = steps;
    infer::FrameStream stream(engine, first, "The user runs `ls -la`.", o, 0, actions(1));
    stream.next();                   // the given frame
    stream.next(actions(stride));    // warm-up
    // Latency: a new input (caption; click) to its first decoded frame.
    const auto t_input = Clock::now();
    stream.set_caption("The user runs `pwd`.");
    int64_t pixel_frames = stream.next(actions(stride, {gui::GuiEvent::click(gui::kLeftButton)})).size(1);
    const double latency = seconds_since(t_input);
    for (int f = 1; f < a.frames; ++f) pixel_frames += stream.next(actions(stride)).size(1);
    const double fps = static_cast<double>(pixel_frames) / seconds_since(t_input);
    progress.advance();
    const double cache_kib = static_cast<double>(stream.cache().bytes()) / 1024;
    std::cout << fmt::format("  {:<7} {:>5}  {:>9.1f}  {:>11.1f}  {:>9.1f}  {:>10.1f}\n", o.sampler, steps, fps,
                             1e3 * latency, cache_kib, resident_mib());
    rows.push_back({{"sampler", o.sampler},
                    {"steps", steps},
                    {"frames_per_s", fps},
                    {"input_latency_ms", 1e3 * latency},
                    {"cache_kib", cache_kib}});
  }
  progress.finish();

  nlohmann::ordered_json memory = nlohmann::ordered_json::array();
  if (a.seconds > 0) {
    infer::SamplerOptions o = sampler;
    o.steps = a.steps.front();
    infer::FrameStream stream(engine, first, "The user runs `top`.", o, 1, actions(1));
    stream.next();  // the given frame
    const auto start = Clock::now();
    double next_sample = 0;
    int64_t frames = 0;
    std::cout << fmt::format("  a {:.0f} s stream at {} steps: elapsed s, frames, RSS MiB, cache KiB\n", a.seconds,
                             o.steps);
    while (true) {
      const double t = seconds_since(start);
      if (t >= next_sample || t >= a.seconds) {
        const double rss = resident_mib(), cache = static_cast<double>(stream.cache().bytes()) / 1024;
        std::cout << fmt::format("    {:>7.1f} {:>8} {:>9.1f} {:>9.1f}\n", t, frames, rss, cache) << std::flush;
        memory.push_back({{"seconds", t}, {"frames", frames}, {"rss_mib", rss}, {"cache_kib", cache}});
        next_sample += a.seconds / 10;
      }
      if (t >= a.seconds) break;
      frames += stream.next(actions(stride)).size(1);
    }
  }
  if (!a.out.empty()) {
    nlohmann::ordered_json doc = {{"benchmark", "stream"},
                                  {"system", to_json(system_info())},
                                  {"device", device.str()},
                                  {"height", config.data.height},
                                  {"width", config.data.width},
                                  {"window", sampler.window},
                                  {"actions", acts ? config.model.action.injection : "none"},
                                  {"results", rows},
                                  {"memory", memory}};
    write_file_atomic(a.out, doc.dump(2) + "\n");
    log::info("wrote {}", a.out);
  }
}

}  // namespace

void add_bench_stream_command(CLI::App& bench, Commands& commands) {
  auto a = std::make_shared<BenchStreamArgs>();
  auto* cmd = bench.add_subcommand("stream", "frame-by-frame (causal) generation: frames/s, input latency, memory");
  add_config_options(cmd, a->config);
  cmd->add_option("--ckpt", a->ckpt, "time a causal checkpoint (its config; --set applies over it) instead of --config");
  cmd->add_option("--steps", a->steps, "sampler step counts")->capture_default_str();
  cmd->add_option("--frames", a->frames, "timed latent frames per row")->capture_default_str();
  cmd->add_option("--window", a->window, "latent frames in the key/value cache (default: rollout.window)");
  cmd->add_option("--seconds", a->seconds, "also stream this long at the first step count, sampling memory");
  cmd->add_option("--out", a->out, "also write the results as JSON to this file");
  commands.push_back({cmd, [a] { run_bench_stream(*a); }});
}

}  // namespace nc::cli
