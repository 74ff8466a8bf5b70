// `nc launch -n N -- train ...`: N local ranks of this binary with torchrun's environment
// (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT). When one rank fails, the others
// are stopped (SIGTERM, then SIGKILL) and its exit code is returned.
#pragma once

#include <string>
#include <vector>

namespace nc::train {

struct LaunchOptions {
  int ranks = 2;
  int port = 0;  // 0: a free port
  std::string master_addr = "127.0.0.1";
};

// `args` are the subcommand and its arguments (without the binary). Returns the exit code.
int launch_local(const std::vector<std::string>& args, const LaunchOptions& options);

// A TCP port nothing listens on now (for the rendezvous).
int free_port();

}  // namespace nc::train
