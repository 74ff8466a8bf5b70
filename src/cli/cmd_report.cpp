// nc report RUN_DIR: one self-contained HTML page for a run.
#include <iostream>

#include "common.h"
#include "nc/eval/html_report.h"

namespace nc::cli {

void add_report_command(CLI::App& app, Commands& commands) {
  struct Args {
    std::string run_dir, out;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("report", "write a self-contained HTML report of a run folder");
  cmd->add_option("run_dir", a->run_dir, "the run folder (nc train --run-dir, or a demo folder)")->required();
  cmd->add_option("--out,-o", a->out, "output HTML file (default RUN_DIR/report.html)");
  commands.push_back({cmd, [a] { std::cout << "wrote " << eval::write_html_report(a->run_dir, a->out) << "\n"; }});
}

}  // namespace nc::cli
