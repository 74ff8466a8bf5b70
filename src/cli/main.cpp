// nc: one binary, one subcommand per file in src/cli. This file parses, dispatches, and turns
// every error into one line on stderr and a non-zero exit.
#include <cstdio>
#include <exception>
#include <set>
#include <string>

#include "common.h"
#include "nc/core/process_setup.h"
#include "nc/core/error.h"
#include "nc/core/log.h"
#include "nc/core/run_config.h"
#include "nc/core/strings.h"

namespace {

constexpr int kExitError = 1;  // the work failed (nc::Error and friends)
constexpr int kExitUsage = 2;  // the command line was wrong

// "nc config show" for a parsed leaf.
std::string command_path(const CLI::App* app) {
  std::string path = app->get_name();
  for (const CLI::App* p = app->get_parent(); p; p = p->get_parent()) path = p->get_name() + " " + path;
  return path;
}

const CLI::App* deepest_parsed(const CLI::App* app) {
  for (const CLI::App* sub : app->get_subcommands())
    if (sub->parsed()) return deepest_parsed(sub);
  return app;
}

int usage_error(const CLI::App& root, const CLI::ParseError& e) {
  const CLI::App* leaf = deepest_parsed(&root);
  std::string message = e.what();
  // An unexpected first word at a level that needs a subcommand is an unknown subcommand.
  if (leaf->get_require_subcommand_min() > 0 && !leaf->remaining().empty()) {
    std::vector<std::string> names;
    for (const CLI::App* sub : leaf->get_subcommands({})) names.push_back(sub->get_name());
    std::string word = leaf->remaining().front();
    std::string hint = nc::closest_match(word, names);
    message = "unknown subcommand '" + word + "'" +
              (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
              "; valid: " + nc::join(names, ", ");
  }
  std::fprintf(stderr, "%s: error: %s (see '%s --help')\n", command_path(leaf).c_str(),
               message.c_str(), command_path(leaf).c_str());
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // The tensor-heavy commands (minutes of work) are worth the re-exec; quick ones are not.
  static const std::set<std::string> kHeavy = {"train", "launch", "rollout", "play", "eval", "ablate", "bench", "vae"};
  if (argc > 1 && kHeavy.count(argv[1])) nc::rerun_with_passive_openmp_wait(argv);
  nc::keep_freed_memory_for_reuse();
  CLI::App app{"nc: neural computers. Record and render interface traces, train video models "
               "that act as the computer, roll them out and measure them."};
  app.name("nc");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(NC_VERSION));
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();

  nc::cli::Commands commands;
  nc::cli::add_version_command(app, commands);
  nc::cli::add_config_command(app, commands);
  nc::cli::add_bench_command(app, commands);
  nc::cli::add_model_command(app, commands);
  nc::cli::add_convert_command(app, commands);
  nc::cli::add_train_command(app, commands);
  nc::cli::add_rollout_command(app, commands);
  nc::cli::add_report_command(app, commands);
  nc::cli::add_data_command(app, commands);
#ifdef NC_WITH_SENTENCEPIECE
  nc::cli::add_tokenizer_command(app, commands);
#endif
#ifdef NC_WITH_VIDEO
  nc::cli::add_eval_command(app, commands);
  nc::cli::add_ablate_command(app, commands);
  nc::cli::add_play_command(app, commands);
  nc::cli::add_vae_command(app, commands);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(app, e);
  }

  const CLI::App* leaf = deepest_parsed(&app);
  try {
    nc::log::init(log_level);
    nc::apply_threads(0);  // commands with a config apply run.threads over this
    for (const auto& command : commands) {
      if (command.app == leaf) {
        command.run();
        return 0;
      }
    }
    std::fprintf(stderr, "%s: error: a subcommand is required (see '%s --help')\n",
                 command_path(leaf).c_str(), command_path(leaf).c_str());
    return kExitUsage;
  } catch (const nc::Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", command_path(leaf).c_str(), e.what());
  } catch (const std::exception& e) {
    // LibTorch errors carry a multi-line backtrace; keep the first line.
    std::string first = e.what();
    first = first.substr(0, first.find('\n'));
    std::fprintf(stderr, "%s: error: %s\n", command_path(leaf).c_str(), first.c_str());
  }
  return kExitError;
}
