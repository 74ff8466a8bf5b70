// nc train, nc launch: training runs (one process or N local ranks).
#include <iostream>

#include "common.h"
#include "nc/core/log.h"
#include "nc/train/launch.h"
#include "nc/train/trainer.h"

namespace nc::cli {

void add_train_command(CLI::App& app, Commands& commands) {
  struct Args {
    ConfigArgs config;
    train::TrainerOptions trainer;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("train", "train a stage (train.stage: vae or dit) on clip shards");
  add_config_options(cmd, args->config, /*file_required=*/true);
  cmd->add_option("--run-dir", args->trainer.run_dir, "run folder: config, metrics, checkpoints, samples")->required();
  cmd->add_flag("--resume", args->trainer.resume, "continue from the newest complete checkpoint in the run folder");
  cmd->add_option("--resume-from", args->trainer.resume_from, "continue from this checkpoint folder");
  commands.push_back({cmd, [args] {
                        Config config = load_config(args->config);
                        train::TrainSummary s = train::Trainer(config, args->trainer).run();
                        std::cout << "trained steps " << s.first_step << " -> " << s.last_step << ": loss "
                                  << s.first_loss << " -> " << s.last_loss;
                        if (s.val_loss >= 0) std::cout << ", held-out loss " << s.val_loss;
                        std::cout << "; " << static_cast<int>(s.seconds) << " s, " << s.samples_per_second
                                  << " samples/s; checkpoint " << s.checkpoint << "\n";
                      }});

  struct LaunchArgs {
    train::LaunchOptions options;
    std::vector<std::string> command;
  };
  auto launch_args = std::make_shared<LaunchArgs>();
  auto* launch = app.add_subcommand("launch", "run a subcommand as N local data-parallel ranks (nc launch -n 2 -- train ...)");
  launch->add_option("-n,--ranks", launch_args->options.ranks, "number of ranks")->check(CLI::Range(1, 1024));
  launch->add_option("--port", launch_args->options.port, "rendezvous port; 0 picks a free one");
  launch->add_option("--master-addr", launch_args->options.master_addr, "rendezvous address");
  launch->add_option("command", launch_args->command, "the subcommand and its arguments, after --")->required();
  commands.push_back({launch, [launch_args] {
                        const int code = train::launch_local(launch_args->command, launch_args->options);
                        if (code != 0) throw Error("a rank failed with exit code " + std::to_string(code), "nc launch");
                      }});
}

}  // namespace nc::cli
