// nc bench ...: benchmarks whose numbers go into docs/BENCHMARKS.md. Each prints a line per
// measurement and can write JSON.
#include <iostream>

#include <fmt/format.h>

#include "common.h"
#include "nc/core/bench.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/system_info.h"

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
}

}  // namespace nc::cli
