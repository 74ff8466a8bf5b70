// nc eval --pred DIR --ref SHARDS --out DIR: every metric of PAPER.md §3 that the inputs
// allow (docs/EVAL.md). Parses, builds the options, calls eval::evaluate, writes eval.json,
// eval.md and config.yaml.
#include <iostream>

#include <fmt/format.h>

#include "common.h"
#include "nc/core/log.h"
#include "nc/core/progress.h"
#include "nc/core/strings.h"
#include "nc/eval/evaluate.h"
#include "nc/eval/report.h"

namespace nc::cli {

void add_eval_command(CLI::App& app, Commands& commands) {
  struct Args {
    ConfigArgs config;
    eval::EvalInputs inputs;
    std::string metrics, lpips_weights, fvd_weights, out;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "eval", "score generated videos against reference clips: PSNR, SSIM, OCR, arithmetic probe, cursor accuracy, "
              "action windows, LPIPS/FVD with supplied weights (docs/EVAL.md)");
  add_config_options(cmd, args->config);
  cmd->add_option("--pred", args->inputs.pred, "folder of predictions: <clip_id>.mp4|.gif or <clip_id>/NNNN.png")
      ->required();
  cmd->add_option("--ref", args->inputs.ref, "reference clips: .ncshard files or shard folders (repeatable)");
  cmd->add_option("--pool", args->inputs.pool, "arithmetic probe pool: JSON [{id, expr, answer, category}]");
  cmd->add_option("--pred-reprompt", args->inputs.pred_reprompt,
                  "probe predictions generated with \"The answer is N\" in the caption");
  cmd->add_option("--metrics", args->metrics,
                  "comma-separated subset of " + join(eval::metric_names(), ",") + " (default: eval.metrics = all)");
  cmd->add_option("--lpips-weights", args->lpips_weights, "TorchScript LPIPS (AlexNet) module (eval.lpips_weights)");
  cmd->add_option("--fvd-weights", args->fvd_weights, "TorchScript r3d18 prelogits module (eval.fvd_weights)");
  cmd->add_option("--out", args->out, "output folder: eval.json, eval.md, config.yaml")->required();
  commands.push_back({cmd, [args] {
                        std::vector<std::string> overrides = args->config.overrides;
                        if (!args->metrics.empty()) {
                          std::vector<std::string> names;
                          for (const auto& m : split(args->metrics, ','))
                            if (!trim(m).empty()) names.push_back(trim(m));
                          overrides.push_back("eval.metrics=" + nlohmann::json(names).dump());
                        }
                        // Paths go through JSON quoting so that any file name survives the YAML parse.
                        if (!args->lpips_weights.empty())
                          overrides.push_back("eval.lpips_weights=" + nlohmann::json(args->lpips_weights).dump());
                        if (!args->fvd_weights.empty())
                          overrides.push_back("eval.fvd_weights=" + nlohmann::json(args->fvd_weights).dump());
                        Config config = load_config({args->config.file, overrides});
                        c10::Device device = setup_run(config);
                        write_resolved_config(args->out, config);

                        std::unique_ptr<Progress> progress;
                        auto on_step = [&](int64_t done, int64_t total, const std::string& id) {
                          if (!progress) progress = std::make_unique<Progress>("eval", total, "clip");
                          progress->set_status(id);
                          progress->set(done);
                        };
                        auto doc = eval::evaluate(args->inputs, config.eval, device, on_step);
                        if (progress) progress->finish();
                        eval::write_eval(args->out, doc);
                        std::cout << eval::eval_markdown(doc);
                        log::info("wrote {}/eval.json and {}/eval.md", args->out, args->out);
                      }});
}

}  // namespace nc::cli
