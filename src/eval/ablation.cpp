#include "nc/eval/ablation.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/strings.h"
#include "nc/eval/evaluate.h"
#include "nc/eval/report.h"
#include "nc/infer/rollout_job.h"
#include "nc/model/build.h"
#include "nc/train/checkpoint.h"
#include "nc/train/trainer.h"

namespace nc::eval {
namespace {

using Json = nlohmann::ordered_json;

const std::vector<std::string> kModes = {"none", "external", "contextual", "residual", "internal"};

// The median seconds per step between consecutive training lines of metrics.jsonl: the median
// leaves out the first pass over the clips (the VAE encodes each clip once, then it is cached).
double median_step_seconds(const std::string& metrics_path) {
  std::ifstream in(metrics_path);
  std::string line;
  std::vector<double> per_step;
  double last_elapsed = -1, last_step = -1;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("elapsed_s") || !j.contains("step") || !j.contains("loss")) continue;
    const double e = j["elapsed_s"].get<double>(), s = j["step"].get<double>();
    if (last_step >= 0 && s > last_step && e >= last_elapsed) per_step.push_back((e - last_elapsed) / (s - last_step));
    last_elapsed = e;
    last_step = s;
  }
  if (per_step.empty()) return -1;
  std::nth_element(per_step.begin(), per_step.begin() + per_step.size() / 2, per_step.end());
  return per_step[per_step.size() / 2];
}

int64_t dit_parameters(const Config& config) {
  model::DitOptions dit = config.model.dit;
  dit.weights.clear();
  return model::build_dit(dit, c10::Device(c10::kMeta), config.model.dit_action())->parameter_count();
}

Json null_or(const Json& doc, const char* key) { return doc.contains(key) ? doc[key] : Json(nullptr); }

// The base config with the variant's overrides, checked as a config file would be.
Config variant_config(const Config& base, const AblationVariant& v) {
  config::Document doc;
  doc.root = config::to_json(base);
  doc.name = "variant " + v.name;
  for (const auto& assignment : v.overrides) apply_override(doc, assignment);
  Config config = config::bind<Config>(doc);
  config.run.name = base.run.name + "-" + v.name;
  return config;
}

Json run_variant(const Config& base, const AblationVariant& v, const AblationOptions& o,
                 const c10::Device& device) {
  const std::string& mode = v.name;
  const std::string dir = o.out + "/" + mode;
  const Config config = variant_config(base, v);

  log::info("ablation: {}: training -> {}", mode, dir);
  train::TrainerOptions trainer;
  trainer.run_dir = dir;
  trainer.resume = train::latest_checkpoint(dir).has_value();
  const train::TrainSummary summary = train::Trainer(config, trainer).run();

  const auto ckpt = train::latest_checkpoint(dir);
  check(ckpt.has_value(), "training wrote no checkpoint", dir);
  const Config trained = config::load<Config>(*ckpt + "/config.yaml", {});
  log::info("ablation: {}: rollouts of the held-out clips", mode);
  infer::RolloutEngine engine(trained, *ckpt, device);
  infer::RolloutJobOptions rollouts;
  rollouts.held_out = true;
  rollouts.side_by_side = true;
  infer::rollout_shards(engine, trained.data.train, dir + "/rollouts", rollouts, trained.rollout);

  log::info("ablation: {}: evaluation", mode);
  EvalInputs inputs;
  inputs.pred = dir + "/rollouts";
  for (const auto& s : split(trained.data.train, ','))
    if (!trim(s).empty()) inputs.ref.push_back(trim(s));
  EvalOptions eval_options = trained.eval;
  eval_options.metrics = o.metrics;
  const Json doc = evaluate(inputs, eval_options, device);
  write_eval(dir + "/eval", doc);

  const Json& overall = doc["overall"];
  Json row;
  row["mode"] = mode;
  row["parameters"] = dit_parameters(trained);
  row["steps"] = summary.last_step;
  row["step_seconds"] = median_step_seconds(dir + "/metrics.jsonl");
  row["train_loss"] = summary.last_loss;
  row["val_loss"] = summary.val_loss >= 0 ? Json(summary.val_loss) : Json(nullptr);
  row["clips"] = doc["pairing"]["matched"];
  row["overrides"] = v.overrides;
  for (const char* key : {"psnr", "ssim", "psnr_15", "ssim_15", "cursor_accuracy"})
    row[key] = null_or(overall, key);
  return row;
}

std::string cell(const Json& v, const char* format) {
  return v.is_number() ? fmt::format(fmt::runtime(format), v.get<double>()) : std::string("n/a");
}

std::string relative(const Json& v, const Json& reference) {
  if (!v.is_number() || !reference.is_number() || reference.get<double>() <= 0) return "";
  return fmt::format(" ({:+.0f}%)", 100.0 * (v.get<double>() / reference.get<double>() - 1));
}

}  // namespace

AblationVariant parse_variant(const std::string& text) {
  const auto colon = text.find(':');
  check(colon != std::string::npos && colon > 0,
        "a variant is NAME:KEY=VALUE[;KEY=VALUE...], got '" + text + "'", "--variant");
  AblationVariant v;
  v.name = trim(text.substr(0, colon));
  check(v.name.find_first_of("/\\ ") == std::string::npos && v.name != "." && v.name != "..",
        "variant name '" + v.name + "' must be usable as a folder name", "--variant");
  for (const auto& part : split(text.substr(colon + 1), ';')) {
    const std::string a = trim(part);
    if (a.empty()) continue;
    check(a.find('=') != std::string::npos && a.find('=') > 0,
          "override '" + a + "' of variant " + v.name + " is not KEY=VALUE", "--variant");
    v.overrides.push_back(a);
  }
  return v;
}

Json run_ablation(const Config& base, const AblationOptions& o, const c10::Device& device) {
  check(!o.modes.empty() || !o.variants.empty(), "no mode or variant given", "--modes",
        "e.g. none,external,contextual,residual,internal");
  std::vector<AblationVariant> runs;
  for (const auto& m : o.modes) {
    check(std::find(kModes.begin(), kModes.end(), m) != kModes.end(),
          "unknown injection mode '" + m + "'", "--modes",
          "none, external, contextual, residual or internal");
    runs.push_back({m, {"model.action.injection=" + m}});
  }
  runs.insert(runs.end(), o.variants.begin(), o.variants.end());
  for (size_t i = 0; i < runs.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      check(runs[i].name != runs[j].name, "two rows are named '" + runs[i].name + "'", "--variant");
  for (const auto& v : runs) variant_config(base, v);  // a bad override fails before any training
  check(base.train.stage == "dit",
        "an ablation trains DiTs, not the '" + base.train.stage + "' stage", "train.stage",
        "set train.stage: dit");
  check(!base.data.train.empty(), "no training data", "data.train",
        "set it to the GUI clip shards");
  make_dirs(o.out);

  Json doc;
  doc["base"] = {{"name", base.run.name}, {"data", base.data.train}, {"seed", base.run.seed},
                 {"steps", base.train.steps}, {"max_minutes", base.train.max_minutes}};
  doc["metrics"] = o.metrics;
  Json rows = Json::array();
  for (const auto& v : runs) {
    const std::string row_path = o.out + "/" + v.name + "/row.json";
    Json row;
    if (file_exists(row_path)) {
      row = Json::parse(read_file(row_path));
      log::info("ablation: {} done before ({}), kept", v.name, row_path);
    } else {
      row = run_variant(base, v, o, device);
      write_file_atomic(row_path, row.dump(2) + "\n");
    }
    rows.push_back(row);
    doc["rows"] = rows;
    write_file_atomic(o.out + "/ablation.json", doc.dump(2) + "\n");  // after every mode: nothing is lost
  }
  write_file_atomic(o.out + "/ablation.md", ablation_markdown(doc));
  return doc;
}

std::string ablation_markdown(const Json& doc) {
  const Json& rows = doc["rows"];
  bool cursor = false;
  for (const auto& r : rows)
    cursor = cursor || (r.contains("cursor_accuracy") && r["cursor_accuracy"].is_number());
  std::ostringstream md;
  md << "# Ablation\n\n";
  md << "Data `" << doc["base"]["data"].get<std::string>() << "`, seed " << doc["base"]["seed"]
     << "; every row trained with the same config but its overrides (below). Rollouts of the "
        "held-out clips "
        "follow their logged actions; PSNR/SSIM over every generated frame, `_15` over the frames "
        "after each "
        "action (docs/EVAL.md).\n\n";
  md << "| row | DiT parameters | s/step | steps | held-out loss | PSNR (dB) | SSIM | PSNR+15 | "
        "SSIM+15 |"
     << (cursor ? " cursor acc |" : "") << " clips |\n";
  md << "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
     << (cursor ? " ---: |" : "") << " ---: |\n";
  Json reference;  // overheads relative to `none`, else to the first row
  for (const auto& r : rows)
    if (r["mode"] == "none") reference = r;
  if (reference.is_null() && !rows.empty()) reference = rows[0];
  for (const auto& r : rows) {
    const bool rel = !reference.is_null() && r["mode"] != reference["mode"];
    md << "| " << r["mode"].get<std::string>() << " | " << r["parameters"].get<int64_t>()
       << (rel ? relative(r["parameters"], reference["parameters"]) : "") << " | "
       << cell(r["step_seconds"], "{:.3f}")
       << (rel ? relative(r["step_seconds"], reference["step_seconds"]) : "") << " | " << r["steps"]
       << " | " << cell(r["val_loss"], "{:.5f}") << " | " << cell(r["psnr"], "{:.2f}") << " | "
       << cell(r["ssim"], "{:.4f}") << " | " << cell(r["psnr_15"], "{:.2f}") << " | "
       << cell(r["ssim_15"], "{:.4f}") << " |"
       << (cursor ? " " + cell(r.value("cursor_accuracy", Json()), "{:.3f}") + " |" : "") << " "
       << r["clips"] << " |\n";
  }
  md << "\n";
  for (const auto& r : rows) {
    md << "- " << r["mode"].get<std::string>() << ":";
    for (const auto& a : r.value("overrides", Json::array()))
      md << " `" << a.get<std::string>() << "`";
    md << "\n";
  }
  return md.str();
}

}  // namespace nc::eval
