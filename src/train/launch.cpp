#include "nc/train/launch.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "nc/core/error.h"
#include "nc/core/log.h"

namespace nc::train {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error("cannot open a socket", "nc launch");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw Error("cannot find a free port", "nc launch");
  }
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

int launch_local(const std::vector<std::string>& args, const LaunchOptions& o) {
  check(o.ranks >= 1, "need at least one rank", "-n");
  check(!args.empty(), "no command to launch", "nc launch", "e.g. nc launch -n 2 -- train --config F --run-dir D");
  const int port = o.port > 0 ? o.port : free_port();
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  check(n > 0, "cannot find this binary (/proc/self/exe)", "nc launch");
  self[n] = '\0';

  std::vector<pid_t> pids;
  for (int rank = 0; rank < o.ranks; ++rank) {
    pid_t pid = ::fork();
    if (pid < 0) throw Error(std::string("fork failed: ") + std::strerror(errno), "nc launch");
    if (pid == 0) {
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(o.ranks).c_str(), 1);
      ::setenv("MASTER_ADDR", o.master_addr.c_str(), 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      std::vector<char*> argv;
      argv.push_back(self);
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(self, argv.data());
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  log::info("launched {} rank(s) on {}:{}", o.ranks, o.master_addr, port);

  int result = 0;
  size_t running = pids.size();
  bool stopping = false;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (size_t r = 0; r < pids.size(); ++r) {
        if (pids[r] != pid) continue;
        pids[r] = -1;
        --running;
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (code != 0 && !stopping) {
          log::error("rank {} failed (exit code {}); stopping the other ranks", r, code);
          result = code;
          stopping = true;
          deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
          for (pid_t p : pids)
            if (p > 0) ::kill(p, SIGTERM);
        }
      }
      continue;
    }
    if (stopping && std::chrono::steady_clock::now() > deadline) {
      for (pid_t p : pids)
        if (p > 0) ::kill(p, SIGKILL);
      deadline = std::chrono::steady_clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return result;
}

}  // namespace nc::train
