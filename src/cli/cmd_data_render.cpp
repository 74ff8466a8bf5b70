// nc data render INPUT... --out DIR: terminal recordings to clip shards.
#include <iostream>

#include "common.h"
#include "nc/core/log.h"
#include "nc/data/render_job.h"

namespace nc::cli {

void add_data_render_command(CLI::App& data, Commands& commands) {
  struct Args {
    ConfigArgs config;
    std::vector<std::string> inputs;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = data.add_subcommand("render", "render .cast recordings (files or folders) into clip shards");
  cmd->add_option("inputs", args->inputs, ".cast files or folders of them")->required();
  cmd->add_option("--out,-o", args->out, "output folder (shards, shards.json, summary.json, config.yaml)")->required();
  add_config_options(cmd, args->config);
  commands.push_back({cmd, [args] {
                        Config config = load_config(args->config);
                        setup_run(config);
                        write_resolved_config(args->out, config);
                        auto report = data::render_casts(args->inputs, args->out, config.clips, config.render,
                                                         config::to_json(config));
                        std::cout << "rendered " << report.clips << " clips (" << report.frames << " frames) from "
                                  << report.inputs - report.failed << "/" << report.inputs << " recordings in "
                                  << static_cast<int>(report.seconds + 0.5) << " s; dropped "
                                  << report.dropped_frozen << " frozen, " << report.dropped_sensitive
                                  << " sensitive, " << report.dropped_tail << " short tails -> " << args->out
                                  << "\n";
                        if (report.failed > 0)
                          throw Error(std::to_string(report.failed) + " of " + std::to_string(report.inputs) +
                                          " recordings failed (see " + args->out + "/summary.json)",
                                      args->out);
                      }});
}

}  // namespace nc::cli
