// nc bench ...: benchmarks whose numbers go into docs/BENCHMARKS.md. Each prints a line per
// measurement and can write JSON.
#include <iostream>

#include <fmt/format.h>

#include "common.h"
#include "nc/core/bench.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/system_info.h"
#ifdef NC_WITH_TERM
#include "nc/data/render_bench.h"
#endif

namespace nc::cli {

void add_bench_command(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand("bench", "benchmarks (results in docs/BENCHMARKS.md)");
  cmd->require_subcommand(1);

  struct GemmArgs {
    ConfigArgs config;
    std::vector<int> sizes{256, 512, 1024};
    int repeats = 5;
    std::string out;
  };
  auto args = std::make_shared<GemmArgs>();
  auto* gemm = cmd->add_subcommand("gemm", "matrix-product throughput (the peak other benchmarks compare with)");
  add_config_options(gemm, args->config);
  gemm->add_option("--sizes", args->sizes, "square matrix sizes")->capture_default_str();
  gemm->add_option("--repeats", args->repeats, "timed products per size (best is reported)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  gemm->add_option("--out", args->out, "also write the results as JSON to this file");
  commands.push_back({gemm, [args] {
                        Config config = load_config(args->config);
                        c10::Device device = setup_run(config);
                        SystemInfo info = system_info();
                        nlohmann::ordered_json results = nlohmann::ordered_json::array();
                        std::cout << fmt::format("gemm on {} ({} threads, {})\n", device.str(),
                                                 info.threads, info.blas.name);
                        for (int n : args->sizes) {
                          check(n > 0, "matrix size must be positive", "--sizes");
                          auto r = bench::gemm(n, args->repeats, c10::kFloat, device);
                          std::cout << fmt::format("  n={:<5} {:8.3f} ms  {:8.1f} GFLOP/s\n", n,
                                                   r.seconds_per_product * 1e3, r.gflops);
                          results.push_back({{"n", n},
                                             {"ms", r.seconds_per_product * 1e3},
                                             {"gflops", r.gflops}});
                        }
                        if (!args->out.empty()) {
                          nlohmann::ordered_json doc = {{"benchmark", "gemm"},
                                                        {"device", device.str()},
                                                        {"system", to_json(info)},
                                                        {"results", results}};
                          write_file_atomic(args->out, doc.dump(2) + "\n");
                          log::info("wrote {}", args->out);
                        }
                      }});

  add_bench_train_command(*cmd, commands);
  add_bench_rollout_command(*cmd, commands);
  add_bench_stream_command(*cmd, commands);

#ifdef NC_WITH_TERM
  struct RenderArgs {
    ConfigArgs config;
    double seconds = 600;
    int cols = 80, rows = 24;
    std::string out;
  };
  auto render_args = std::make_shared<RenderArgs>();
  auto* render = cmd->add_subcommand("render", "terminal rendering throughput and the clip pipeline's peak memory");
  add_config_options(render, render_args->config);
  render->add_option("--seconds", render_args->seconds, "length of the synthetic recording")->capture_default_str();
  render->add_option("--cols", render_args->cols, "terminal columns")->capture_default_str();
  render->add_option("--rows", render_args->rows, "terminal rows")->capture_default_str();
  render->add_option("--out", render_args->out, "also write the results as JSON to this file");
  commands.push_back({render, [render_args] {
                        Config config = load_config(render_args->config);
                        setup_run(config);
                        auto r = data::bench_render(render_args->seconds, render_args->cols, render_args->rows,
                                                    config.clips, config.render);
                        std::cout << fmt::format(
                            "render {}x{} at {} fps, {} s recording: {} frames in {:.2f} CPU s = {:.0f} frames per "
                            "CPU second ({:.0f}x real time per core); frames whose screen changed: {} at {:.0f} per CPU "
                            "second\n"
                            "pipeline (trace, plan, render, clips): {} clips in {:.2f} s; peak RSS {:.0f} MB\n",
                            render_args->cols, render_args->rows, config.clips.fps, render_args->seconds, r.frames,
                            r.render_cpu_s, r.frames / r.render_cpu_s, r.frames / r.render_cpu_s / config.clips.fps,
                            r.changed_frames, r.changed_frames / std::max(1e-9, r.changed_cpu_s),
                            r.pipeline_clips, r.pipeline_wall_s, r.peak_rss_mb);
                        if (!render_args->out.empty())
                          write_file_atomic(render_args->out,
                                            nlohmann::ordered_json({{"benchmark", "render"},
                                                                    {"system", to_json(system_info())},
                                                                    {"results", r.to_json()}})
                                                    .dump(2) +
                                                "\n");
                      }});
  add_bench_tapes_command(*cmd, commands);
#endif
  add_bench_dit_command(*cmd, commands);
  add_bench_vae_command(*cmd, commands);
}

}  // namespace nc::cli
