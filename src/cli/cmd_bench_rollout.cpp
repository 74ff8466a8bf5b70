// nc bench rollout: rollout frames/s of a config's model by sampler and sampler steps, chunk by
// chunk as `nc rollout` and `nc play` generate them, with the VAE decode's share separated.
// The weights are the initial ones (speed does not depend on them); with --ckpt, a checkpoint's.
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
#include "nc/infer/rollout.h"

namespace nc::cli {
namespace {

struct BenchRolloutArgs {
  ConfigArgs config;
  std::string ckpt, out;
  std::vector<int> steps{1, 2, 4, 8, 20};
  std::vector<std::string> samplers{"euler", "unipc"};
  int chunks = 2;
  double cfg = -1;
};

void run_bench_rollout(const BenchRolloutArgs& a) {
  for (const std::string& name : a.samplers)
    check(name == "euler" || name == "unipc", "unknown sampler '" + name + "'", "--samplers", "euler or unipc");
  for (int steps : a.steps) check(steps >= 1, "sampler steps must be positive", "--steps");
  const Config config = load_rollout_bench_config(a.ckpt, a.config);
  const c10::Device device = setup_run(config);
  infer::RolloutEngine engine(config, a.ckpt, device, /*untrained=*/a.ckpt.empty());
  infer::SamplerOptions sampler = config.rollout;
  if (a.cfg >= 0) sampler.cfg = a.cfg;
  const at::Tensor first = at::full({3, config.data.height, config.data.width}, -0.8);  // a dark screen
  const std::string caption = "The user runs `ls -la`.";
  const int new_frames = engine.chunk_frames() - 1;  // each chunk's first frame is the previous last
  check(new_frames > 0, "a chunk of one frame generates nothing", "data.frames");

  std::cout << fmt::format(
      "bench rollout: {} ({} weights), {} frames per chunk ({} new) of {}x{}, cfg {} ({} DiT calls per step), "
      "device {}, {} threads; {} timed chunks per row after a warm-up chunk\n",
      config.run.name, a.ckpt.empty() ? "initial" : "checkpoint", engine.chunk_frames(), new_frames,
      config.data.width, config.data.height, sampler.cfg, sampler.cfg == 1.0 ? 1 : 2, device.str(),
      available_cores(), a.chunks);
  std::cout << fmt::format("  {:<7} {:>5}  {:>9}  {:>12}  {:>11}  {:>11}  {:>13}\n", "sampler", "steps", "frames/s",
                           "w/o decode", "sample ms", "decode ms", "condition ms");
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  Progress progress("rollout bench", static_cast<int64_t>(a.samplers.size() * a.steps.size()), "row");
  bool warm = false;
  for (const std::string& name : a.samplers) {
    for (int steps : a.steps) {
      infer::SamplerOptions o = sampler;
      o.sampler = name;
      o.steps = steps;
      if (!warm) {
        engine.generate_chunk(first, caption, engine.chunk_frames(), 0, o);
        warm = true;
      }
      infer::ChunkTimes sum;
      for (int c = 0; c < a.chunks; ++c) {
        engine.generate_chunk(first, caption, engine.chunk_frames(), static_cast<uint64_t>(c + 1), o);
        const infer::ChunkTimes& t = engine.last_chunk_times();
        sum.condition_s += t.condition_s;
        sum.sample_s += t.sample_s;
        sum.decode_s += t.decode_s;
      }
      const double frames = static_cast<double>(new_frames) * a.chunks;
      const double total = sum.condition_s + sum.sample_s + sum.decode_s;
      const double fps = frames / total, fps_no_decode = frames / (sum.condition_s + sum.sample_s);
      progress.advance();
      std::cout << fmt::format("  {:<7} {:>5}  {:>9.1f}  {:>12.1f}  {:>11.1f}  {:>11.1f}  {:>13.1f}\n", name, steps,
                               fps, fps_no_decode, 1e3 * sum.sample_s / a.chunks, 1e3 * sum.decode_s / a.chunks,
                               1e3 * sum.condition_s / a.chunks);
      rows.push_back({{"sampler", name},
                      {"steps", steps},
                      {"frames_per_s", fps},
                      {"frames_per_s_without_decode", fps_no_decode},
                      {"chunk_sample_ms", 1e3 * sum.sample_s / a.chunks},
                      {"chunk_decode_ms", 1e3 * sum.decode_s / a.chunks},
                      {"chunk_condition_ms", 1e3 * sum.condition_s / a.chunks}});
    }
  }
  progress.finish();
  if (!a.out.empty()) {
    nlohmann::ordered_json doc = {{"benchmark", "rollout"},
                                  {"system", to_json(system_info())},
                                  {"device", device.str()},
                                  {"height", config.data.height},
                                  {"width", config.data.width},
                                  {"chunk_frames", engine.chunk_frames()},
                                  {"cfg", sampler.cfg},
                                  {"results", rows}};
    write_file_atomic(a.out, doc.dump(2) + "\n");
    log::info("wrote {}", a.out);
  }
}

}  // namespace

void add_bench_rollout_command(CLI::App& bench, Commands& commands) {
  auto a = std::make_shared<BenchRolloutArgs>();
  auto* cmd = bench.add_subcommand("rollout", "rollout frames/s by sampler and steps, VAE decode separated");
  add_config_options(cmd, a->config);
  cmd->add_option("--ckpt", a->ckpt, "time a checkpoint (its config; --set applies over it) instead of --config");
  cmd->add_option("--steps", a->steps, "sampler step counts")->capture_default_str();
  cmd->add_option("--samplers", a->samplers, "samplers (euler, unipc)")->capture_default_str();
  cmd->add_option("--chunks", a->chunks, "timed chunks per row")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--cfg", a->cfg, "guidance scale (default: rollout.cfg; 1 halves the DiT calls)");
  cmd->add_option("--out", a->out, "also write the results as JSON to this file");
  commands.push_back({cmd, [a] { run_bench_rollout(*a); }});
}

}  // namespace nc::cli
