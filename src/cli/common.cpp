#include "common.h"

#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/train/checkpoint.h"

namespace nc::cli {

void add_config_options(CLI::App* app, ConfigArgs& args, bool file_required) {
  auto* opt = app->add_option("--config,-c", args.file, "config file (.yaml, .yml or .json)");
  if (file_required) opt->required();
  app->add_option("--set", args.overrides,
                  "override a key, e.g. --set run.seed=3 (repeatable; applied after the file)")
      ->take_all();
}

Config load_config(const ConfigArgs& args) {
  return config::load<Config>(args.file, args.overrides);
}

Config load_rollout_bench_config(const std::string& ckpt, const ConfigArgs& args) {
  Config config;
  if (!ckpt.empty()) {
    const auto dir = train::latest_checkpoint(ckpt);
    if (!dir) throw Error("no complete checkpoint", ckpt, "train one with nc train");
    config = config::load<Config>(*dir + "/config.yaml", args.overrides);
  } else {
    config = load_config(args);
  }
  if (config.data.height == 0) {
    config.data.height = 96;
    config.data.width = 160;
  }
  return config;
}

void write_resolved_config(const std::string& dir, const Config& config) {
  make_dirs(dir);
  config::write_yaml(dir + "/config.yaml", config::to_json(config));
}

c10::Device setup_run(const Config& config) {
  apply_threads(config.run.threads);
  c10::Device device = pick_device(config.run.device);
  log::debug("device {}", device.str());
  return device;
}

infer::SamplerOptions sampler_from_flags(infer::SamplerOptions base, int steps, double cfg, double shift,
                                         const std::string& sampler) {
  if (steps > 0) base.steps = steps;
  if (cfg >= 0) base.cfg = cfg;
  if (shift > 0) base.shift = shift;
  if (!sampler.empty()) base.sampler = sampler;
  check(base.sampler == "euler" || base.sampler == "unipc", "unknown sampler '" + base.sampler + "'", "--sampler",
        "euler or unipc");
  return base;
}

}  // namespace nc::cli
