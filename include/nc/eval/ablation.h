// `nc ablate`: the paper's action-injection comparison (PAPER.md §3.2 Exp 9-10) as one job.
// For each mode, the same base config (data, seed, steps or minutes) with only
// model.action.injection changed: train a DiT, roll out the held-out clips with their actions,
// evaluate them, and collect one row: parameters, step time, held-out loss, PSNR/SSIM, the
// action-window metrics and (metric `cursor`) cursor accuracy. Other comparisons, such as the
// cursor-supervision ablation (Exp 8), are named variants: each a list of config overrides
// ("key=value") applied to the base. Writes <out>/<name>/ (the run, rollouts/, eval/, row.json)
// and <out>/ablation.{json,md}. A row whose row.json exists is not run again, so an interrupted
// ablation continues where it stopped (its half-trained run resumes from its last checkpoint).
#pragma once

#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include "nc/config.h"

namespace nc::eval {

struct AblationVariant {
  std::string name;                    // the row's name and folder
  std::vector<std::string> overrides;  // "model.action.mouse=fourier", applied to the base config
};

// "NAME:KEY=VALUE;KEY=VALUE..." (the --variant syntax); throws nc::Error naming the text.
AblationVariant parse_variant(const std::string& text);

struct AblationOptions {
  std::vector<std::string> modes;         // none, external, contextual, residual, internal
  std::vector<AblationVariant> variants;  // run after the modes
  std::string out;
  std::vector<std::string> metrics = {"psnr", "ssim", "actions"};
};

nlohmann::ordered_json run_ablation(const Config& base, const AblationOptions& options, const c10::Device& device);

// The paper-style table of run_ablation's document (overheads relative to `none` when it ran,
// else to the first row).
std::string ablation_markdown(const nlohmann::ordered_json& doc);

}  // namespace nc::eval
