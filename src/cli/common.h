// What the subcommands share: registration, config options, the resolved-config file.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "nc/config.h"

namespace nc::cli {

// A runnable leaf of the command tree; main() runs the one that was parsed.
struct Command {
  CLI::App* app;
  std::function<void()> run;
};
using Commands = std::vector<Command>;

// `--config FILE` and repeatable `--set KEY=VALUE`.
struct ConfigArgs {
  std::string file;
  std::vector<std::string> overrides;
};
void add_config_options(CLI::App* app, ConfigArgs& args, bool file_required = false);

// Defaults < file < overrides; also returns the document for messages.
Config load_config(const ConfigArgs& args);
// The config `nc bench rollout` and `nc bench stream` time: the newest checkpoint's under `ckpt`
// (--set on top) when given, else --config's; without a configured frame size, the quarter of a
// 640x384 terminal frame (96x160).
Config load_rollout_bench_config(const std::string& ckpt, const ConfigArgs& args);

// Writes `dir/config.yaml` (the resolved config) beside a command's outputs.
void write_resolved_config(const std::string& dir, const Config& config);

// Applies run.threads and returns the chosen device.
c10::Device setup_run(const Config& config);

// One registration function per subcommand file.
void add_version_command(CLI::App& app, Commands& commands);
void add_config_command(CLI::App& app, Commands& commands);
void add_bench_command(CLI::App& app, Commands& commands);
void add_model_command(CLI::App& app, Commands& commands);
void add_convert_command(CLI::App& app, Commands& commands);
void add_train_command(CLI::App& app, Commands& commands);  // train and launch
void add_rollout_command(CLI::App& app, Commands& commands);
void add_report_command(CLI::App& app, Commands& commands);
void add_data_command(CLI::App& app, Commands& commands);  // the `data` group

// Commands of the `data` group, each in its own file.
void add_data_record_command(CLI::App& data, Commands& commands);
void add_data_render_command(CLI::App& data, Commands& commands);
void add_data_inspect_command(CLI::App& data, Commands& commands);
void add_data_tapes_command(CLI::App& data, Commands& commands);
void add_bench_tapes_command(CLI::App& bench, Commands& commands);  // in cmd_data_tapes.cpp
void add_bench_dit_command(CLI::App& bench, Commands& commands);    // in cmd_bench_dit.cpp
void add_bench_train_command(CLI::App& bench, Commands& commands);
void add_bench_rollout_command(CLI::App& bench, Commands& commands);
void add_bench_stream_command(CLI::App& bench, Commands& commands);
void add_data_gui_command(CLI::App& data, Commands& commands);  // NC_WITH_VIDEO only
void add_data_synth_command(CLI::App& data, Commands& commands);  // synth-actions
// A checkpoint's `rollout` section with the sampler flags of nc rollout / nc play on top
// (0, negative or empty: keep the config's value); an unknown sampler is an error.
infer::SamplerOptions sampler_from_flags(infer::SamplerOptions base, int steps, double cfg, double shift,
                                         const std::string& sampler);

void add_tokenizer_command(CLI::App& app, Commands& commands);  // NC_WITH_SENTENCEPIECE only
void add_eval_command(CLI::App& app, Commands& commands);       // NC_WITH_VIDEO only
void add_ablate_command(CLI::App& app, Commands& commands);     // NC_WITH_VIDEO only
void add_play_command(CLI::App& app, Commands& commands);       // NC_WITH_VIDEO only
void add_vae_command(CLI::App& app, Commands& commands);        // NC_WITH_VIDEO only; in cmd_vae.cpp
void add_bench_vae_command(CLI::App& bench, Commands& commands);  // in cmd_vae.cpp

}  // namespace nc::cli
