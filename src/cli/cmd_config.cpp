// nc config show | keys: the resolved config, and every key with its type, default and help.
#include <iostream>

#include <fmt/format.h>

#include "common.h"

namespace nc::cli {

void add_config_command(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand("config", "inspect configs");
  cmd->require_subcommand(1);

  struct ShowArgs {
    ConfigArgs config;
    bool json = false;
  };
  auto show_args = std::make_shared<ShowArgs>();
  auto* show = cmd->add_subcommand("show", "print the resolved config (defaults < file < --set)");
  add_config_options(show, show_args->config);
  show->add_flag("--json", show_args->json, "print JSON instead of YAML");
  commands.push_back({show, [show_args] {
                        Config config = load_config(show_args->config);
                        auto json = config::to_json(config);
                        std::cout << (show_args->json ? json.dump(2) + "\n" : config::to_yaml(json));
                      }});

  auto* keys = cmd->add_subcommand("keys", "list every config key: type, default, allowed values, help");
  commands.push_back({keys, [] {
                        for (const auto& k : config::list_keys<Config>()) {
                          std::cout << fmt::format("{:<32} {:<8} {:<12} {}{}\n", k.path, k.type,
                                                   k.value, k.help,
                                                   k.constraint.empty() ? "" : " [" + k.constraint + "]");
                        }
                      }});
}

}  // namespace nc::cli
