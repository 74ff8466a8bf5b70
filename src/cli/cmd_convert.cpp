// nc convert --from wan2.1: Wan2.1's DiT, VAE and umT5 checkpoints (single or sharded
// safetensors) to one nc checkpoint folder, with a report of what matched (docs/MODELS.md).
#include <iostream>

#include "common.h"
#include "nc/core/error.h"
#include "nc/model/convert.h"

namespace nc::cli {

void add_convert_command(CLI::App& app, Commands& commands) {
  struct Args {
    ConfigArgs config;
    model::ConvertOptions options;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("convert", "import Wan2.1 checkpoints (DiT, VAE, umT5) as an nc checkpoint folder");
  add_config_options(cmd, a->config);
  cmd->add_option("--from", a->options.from, "source format")->capture_default_str();
  cmd->add_option("--dit", a->options.dit, "the DiT: .safetensors, or *.safetensors.index.json of a sharded one");
  cmd->add_option("--vae", a->options.vae, "the VAE (Wan2.1_VAE.pth saved as .safetensors)");
  cmd->add_option("--t5", a->options.t5, "the umT5 encoder (Wan2.1 or Hugging Face names)");
  cmd->add_option("--out", a->options.out, "checkpoint folder to write")->required();
  cmd->add_option("--dtype", a->options.dtype, "dtype of the written weights: f32 or bf16")->capture_default_str();
  cmd->add_flag("--allow-partial", a->options.allow_partial,
                "write even when tensors are missing, unexpected or mis-shaped (missing ones keep the "
                "model's initialisation)");
  commands.push_back({cmd, [a] {
                        const Config config = load_config(a->config);
                        const model::ConvertPlan plan = model::plan_convert(config, a->options);
                        for (const auto& r : plan.reports) std::cout << r.text();
                        std::cout.flush();
                        const std::string out = model::write_convert(plan);
                        std::cout << (plan.ok() ? "converted: " : "converted (partial): ") << out << "\n";
                      }});
}

}  // namespace nc::cli
