// nc bench dit: the DiT's training-step time and achieved FLOP/s against the matrix-product
// peak measured in the same run (docs/BENCHMARKS.md, "DiT training step"). Its JSON holds the
// shapes that scripts/bench/dit_step.py replays in Python PyTorch.
#include <iostream>

#include <fmt/format.h>

#include "common.h"
#include "nc/core/bench.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/system_info.h"
#include "nc/train/dit_bench.h"

namespace nc::cli {

void add_bench_dit_command(CLI::App& bench, Commands& commands) {
  struct Args {
    ConfigArgs config;
    int batch = 0, frames = 0, height = 0, width = 0;
    int warmup = 2, steps = 5, gemm_size = 1024;
    std::string out;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = bench.add_subcommand("dit", "DiT training step (forward, backward, AdamW): time and FLOP/s against the GEMM peak");
  add_config_options(cmd, a->config);
  cmd->add_option("--batch", a->batch, "samples per step (default: data.batch_size)");
  cmd->add_option("--frames", a->frames, "video frames, 1 + 4k (default: data.frames)");
  cmd->add_option("--height", a->height, "video height in px (default: data.height, else 384)");
  cmd->add_option("--width", a->width, "video width in px (default: data.width, else 640)");
  cmd->add_option("--warmup", a->warmup, "untimed steps first")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--steps", a->steps, "timed steps (the median is reported)")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--gemm-size", a->gemm_size, "n of the n x n matrix product that gives the peak")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--out", a->out, "also write the results (and the shapes, for scripts/bench/dit_step.py) as JSON");
  commands.push_back({cmd, [a] {
    const Config config = load_config(a->config);
    const c10::Device device = setup_run(config);
    const model::DitOptions& dit = config.model.dit;
    const model::VaeOptions& vae = config.model.vae;
    const int frames = a->frames > 0 ? a->frames : config.data.frames;
    const int height = a->height > 0 ? a->height : (config.data.height > 0 ? config.data.height : 384);
    const int width = a->width > 0 ? a->width : (config.data.width > 0 ? config.data.width : 640);
    const int ts = vae.temporal_stride(), ss = vae.spatial_stride();
    check((frames - 1) % ts == 0, "frames must be 1 + " + std::to_string(ts) + "k, got " + std::to_string(frames), "--frames");
    check(height % ss == 0 && width % ss == 0,
          fmt::format("{}x{} px is not a multiple of the VAE's stride {}", height, width, ss), "--height");
    train::DitStepShape shape;
    shape.batch = a->batch > 0 ? a->batch : config.data.batch_size;
    shape.frames = (frames - 1) / ts + 1;
    shape.height = height / ss;
    shape.width = width / ss;

    const SystemInfo info = system_info();
    const bench::GemmResult peak = bench::gemm(a->gemm_size, 5, c10::kFloat, device);
    const train::DitStepResult r =
        train::bench_dit_step(dit, shape, config.train.optim, a->warmup, a->steps, device, config.run.seed);
    const double achieved = r.flops.step() / r.median_seconds / 1e9;
    std::cout << fmt::format(
        "dit {} dim {} x {} layers ({} parameters) on {} ({} threads, {})\n"
        "  input  batch {}, {} frames of {}x{} px -> latent {}x{}x{} -> {} tokens, text {}\n"
        "  step   median {:.1f} ms, best {:.1f} ms over {} steps (forward + backward + AdamW); loss {:.4f} -> {:.4f}\n"
        "  flops  {:.3f} GFLOP per step (forward {:.3f}) -> {:.1f} GFLOP/s\n"
        "  peak   {:.1f} GFLOP/s ({}x{} fp32 product) -> {:.1f}% of peak\n",
        dit.model_type, dit.dim, dit.num_layers, fmt::group_digits(r.parameters), device.str(), info.threads,
        info.blas.name, shape.batch, frames, height, width, shape.frames, shape.height, shape.width, r.tokens,
        dit.text_len, r.median_seconds * 1e3, r.best_seconds * 1e3, r.step_seconds.size(), r.first_loss,
        r.last_loss, r.flops.step() / 1e9, r.flops.forward / 1e9, achieved, peak.gflops, a->gemm_size,
        a->gemm_size, 100 * achieved / peak.gflops);
    if (a->out.empty()) return;
    std::vector<double> step_ms;
    for (double seconds : r.step_seconds) step_ms.push_back(seconds * 1e3);
    nlohmann::ordered_json doc = {
        {"benchmark", "dit"},
        {"device", device.str()},
        {"system", to_json(info)},
        {"dit", config::to_json(dit)},
        {"optim", config::to_json(config.train.optim)},
        {"shape", {{"batch", shape.batch}, {"frames", shape.frames}, {"height", shape.height}, {"width", shape.width},
                   {"image_tokens", shape.image_tokens}}},
        {"warmup", a->warmup},
        {"steps", a->steps},
        {"results", {{"step_ms", step_ms},
                     {"median_ms", r.median_seconds * 1e3},
                     {"best_ms", r.best_seconds * 1e3},
                     {"tokens", r.tokens},
                     {"parameters", r.parameters},
                     {"gflop_per_step", r.flops.step() / 1e9},
                     {"gflop_forward", r.flops.forward / 1e9},
                     {"gflops", achieved},
                     {"peak_gflops", peak.gflops},
                     {"peak_fraction", achieved / peak.gflops}}}};
    write_file_atomic(a->out, doc.dump(2) + "\n");
    log::info("wrote {}", a->out);
  }});
}

}  // namespace nc::cli
