// nc model summary: parameters per component and group, built on the meta device so that
// even the 14B shapes cost no memory.
#include <iostream>

#include <fmt/format.h>
#include <torch/nn/module.h>

#include "common.h"
#include "nc/model/dit.h"
#include "nc/model/summary.h"
#include "nc/model/vae.h"
#include "nc/text/t5.h"

namespace nc::cli {
namespace {

std::string human(int64_t n) {
  if (n >= 1000000000) return fmt::format("{:.2f}B", n / 1e9);
  if (n >= 1000000) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1000) return fmt::format("{:.1f}K", n / 1e3);
  return std::to_string(n);
}

}  // namespace

void add_model_command(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand("model", "inspect model configurations");
  cmd->require_subcommand(1);
  struct Args {
    ConfigArgs config;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  auto* summary = cmd->add_subcommand("summary", "parameters per component (VAE, text encoder, DiT) and group");
  add_config_options(summary, args->config);
  summary->add_flag("--json", args->json, "print JSON");
  commands.push_back({summary, [args] {
                        Config config = load_config(args->config);
                        const auto meta = at::TensorOptions().device(at::kMeta);
                        model::Vae vae(config.model.vae, at::kMeta);
                        text::T5Encoder t5(config.model.text, meta);
                        model::Dit dit(config.model.dit, meta);
                        const std::vector<std::pair<std::string, const torch::nn::Module*>> parts = {
                            {"vae", vae.get()}, {"text", t5.get()}, {"dit", dit.get()}};
                        nlohmann::ordered_json out = nlohmann::ordered_json::object();
                        int64_t total = 0;
                        for (const auto& [name, module] : parts) {
                          auto groups = model::parameter_groups(*module);
                          const int64_t n = model::parameter_total(groups);
                          total += n;
                          nlohmann::ordered_json g = nlohmann::ordered_json::object();
                          for (const auto& grp : groups) g[grp.name] = grp.parameters;
                          out[name] = {{"parameters", n}, {"groups", g}};
                          if (args->json) continue;
                          std::cout << fmt::format("{:<6} {:>16} ({})\n", name, fmt::group_digits(n), human(n));
                          for (const auto& grp : groups)
                            std::cout << fmt::format("  {:<22} {:>16} {:>5} tensors\n", grp.name,
                                                     fmt::group_digits(grp.parameters), grp.tensors);
                        }
                        out["total"] = total;
                        if (args->json)
                          std::cout << out.dump(2) << "\n";
                        else
                          std::cout << fmt::format("{:<6} {:>16} ({})\n", "total", fmt::group_digits(total),
                                                   human(total));
                      }});
}

}  // namespace nc::cli
