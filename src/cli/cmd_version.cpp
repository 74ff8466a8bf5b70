// nc version: versions, BLAS in use, threads, CUDA/cuDNN/NCCL and devices.
#include <iostream>

#include "common.h"
#include "nc/core/system_info.h"

namespace nc::cli {

void add_version_command(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand("version", "print versions, the BLAS in use, threads and devices");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "print JSON");
  commands.push_back({cmd, [json] {
                        SystemInfo info = system_info();
                        if (*json)
                          std::cout << to_json(info).dump(2) << "\n";
                        else
                          std::cout << to_text(info);
                      }});
}

}  // namespace nc::cli
