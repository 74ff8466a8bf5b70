// nc ablate --config BASE --modes none,external,... [--variant NAME:KEY=VALUE;...] --out DIR: one
// DiT per action-injection mode (and per named variant) on the same data, seed and budget, each
// evaluated; a paper-style table (eval/ablation.h).

#include <iostream>

#include "common.h"
#include "nc/core/strings.h"
#include "nc/eval/ablation.h"

namespace nc::cli {

void add_ablate_command(CLI::App& app, Commands& commands) {
  struct Args {
    ConfigArgs config;
    std::string modes, metrics = "psnr,ssim,actions", out;
    std::vector<std::string> variants;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "ablate", "train and evaluate one DiT per action-injection mode on identical data, seed and budget; one table");
  add_config_options(cmd, a->config, /*file_required=*/true);
  cmd->add_option(
      "--modes", a->modes,
      "comma-separated injection modes (none, external, contextual, residual, internal); "
      "default: all five unless --variant is given");
  cmd->add_option("--variant", a->variants,
                  "a named row of config overrides, NAME:KEY=VALUE[;KEY=VALUE...] (repeatable), "
                  "e.g. fourier:model.action.mouse=fourier");
  cmd->add_option("--metrics", a->metrics, "nc eval metrics of each mode's held-out rollouts");
  cmd->add_option("--out", a->out, "output folder: one run folder per mode, ablation.json, ablation.md")->required();
  commands.push_back({cmd, [a] {
                        Config config = load_config(a->config);
                        const c10::Device device = setup_run(config);
                        eval::AblationOptions o;
                        o.out = a->out;
                        o.metrics.clear();
                        const std::string modes = a->modes.empty() && a->variants.empty()
                                                      ? "none,external,contextual,residual,internal"
                                                      : a->modes;
                        for (const auto& m : split(modes, ','))
                          if (!trim(m).empty()) o.modes.push_back(trim(m));
                        for (const auto& v : a->variants)
                          o.variants.push_back(eval::parse_variant(v));
                        for (const auto& m : split(a->metrics, ','))
                          if (!trim(m).empty()) o.metrics.push_back(trim(m));
                        const auto doc = eval::run_ablation(config, o, device);
                        std::cout << eval::ablation_markdown(doc);
                      }});
}

}  // namespace nc::cli
