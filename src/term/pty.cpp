#include "nc/term/pty.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "nc/core/error.h"
#include "nc/core/strings.h"

extern char** environ;

namespace nc::term {
namespace {

// What the child reports through the exec-error pipe before it dies.
struct ChildFailure {
  int stage;  // 0 exec, 1 chdir, 2 setrlimit
  int error;
};

std::string errno_text(int err) { return std::strerror(err); }

// argv[0] as a path: itself when it has a '/', else the first executable match in PATH.
// Resolved before fork so that the child only calls async-signal-safe functions.
std::string resolve_program(const std::string& name, const std::string& path_var, int* err) {
  *err = 0;
  if (name.find('/') != std::string::npos) return name;
  int first_error = ENOENT;
  for (const std::string& dir : split(path_var.empty() ? "/usr/local/bin:/usr/bin:/bin" : path_var, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    first_error = EACCES;
  }
  *err = first_error;
  return {};
}

void write_all_raw(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    size -= static_cast<size_t>(n);
  }
}

[[noreturn]] void child_fail(int pipe_fd, int stage) {
  ChildFailure f{stage, errno};
  write_all_raw(pipe_fd, &f, sizeof f);
  _exit(127);
}

int status_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void check_size(int cols, int rows) {
  check(cols >= 1 && cols <= 1000 && rows >= 1 && rows <= 500,
        "terminal size " + std::to_string(cols) + "x" + std::to_string(rows) + " out of range",
        "pty", "columns 1..1000, rows 1..500");
}

}  // namespace

std::vector<pid_t> session_processes(pid_t sid) {
  std::vector<pid_t> out;
  DIR* proc = ::opendir("/proc");
  if (!proc) return out;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::ifstream in(std::string("/proc/") + entry->d_name + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    char state = 0;
    long ppid = 0, pgrp = 0, session = 0;
    if (!(fields >> state >> ppid >> pgrp >> session)) continue;
    if (session == sid && state != 'Z' && state != 'X') out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return out;
}

std::unique_ptr<PtyProcess> PtyProcess::spawn(const PtyOptions& o) {
  check(!o.argv.empty() && !o.argv[0].empty(), "no command to run", "pty");
  check_size(o.cols, o.rows);

  // Everything the child needs is prepared here: after fork it may only call
  // async-signal-safe functions (LibTorch's threads may hold malloc's locks).
  std::map<std::string, std::string> env;
  if (o.inherit_env) {
    for (char** e = environ; e && *e; ++e) {
      const char* eq = std::strchr(*e, '=');
      if (eq) env[std::string(*e, static_cast<size_t>(eq - *e))] = eq + 1;
    }
  }
  for (const auto& [k, v] : o.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = o.argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  auto path_it = env.find("PATH");
  const char* own_path = std::getenv("PATH");
  std::string path_var = path_it != env.end() ? path_it->second : own_path ? own_path : "";
  int err = 0;
  std::string program = resolve_program(o.argv[0], path_var, &err);
  if (program.empty()) throw Error("cannot run '" + o.argv[0] + "': " + errno_text(err), "", "is it installed and in PATH?");

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error("pipe failed: " + errno_text(errno), "pty");

  struct winsize ws {};
  ws.ws_col = static_cast<unsigned short>(o.cols);
  ws.ws_row = static_cast<unsigned short>(o.rows);
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, &ws);
  if (pid < 0) {
    int e = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw Error("cannot create a pseudo-terminal: " + errno_text(e), "pty");
  }
  if (pid == 0) {
    // The child: forkpty made it a session leader with the PTY as its controlling terminal.
    ::close(pipe_fds[0]);
    // Dispositions set to "ignore" and blocked signals survive exec: start clean.
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) child_fail(pipe_fds[1], 1);
    auto limit = [&](int resource, uint64_t value) {
      if (value == 0) return;
      struct rlimit rl;
      rl.rlim_cur = rl.rlim_max = static_cast<rlim_t>(value);
      if (::setrlimit(resource, &rl) != 0) child_fail(pipe_fds[1], 2);
    };
    limit(RLIMIT_CPU, o.limit_cpu_seconds);
    limit(RLIMIT_AS, o.limit_address_space_bytes);
    limit(RLIMIT_NPROC, o.limit_processes);
    limit(RLIMIT_FSIZE, o.limit_file_bytes);
    ::execve(program.c_str(), argv.data(), envp.data());
    child_fail(pipe_fds[1], 0);
  }

  ::close(pipe_fds[1]);
  // Other children must not inherit the master: the terminal would never reach EOF.
  ::fcntl(master, F_SETFD, FD_CLOEXEC);
  ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);

  std::unique_ptr<PtyProcess> p(new PtyProcess());
  p->pid_ = pid;
  p->master_ = master;
  p->cols_ = o.cols;
  p->rows_ = o.rows;

  // The pipe closes on a successful exec (CLOEXEC) and carries the errno otherwise.
  ChildFailure failure{};
  ssize_t n;
  do {
    n = ::read(pipe_fds[0], &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  ::close(pipe_fds[0]);
  if (n == static_cast<ssize_t>(sizeof failure)) {
    p->wait(-1);
    if (failure.stage == 1)
      throw Error("cannot change directory to '" + o.cwd + "': " + errno_text(failure.error), "pty");
    if (failure.stage == 2) throw Error("cannot set resource limits: " + errno_text(failure.error), "pty");
    throw Error("cannot run '" + o.argv[0] + "': " + errno_text(failure.error));
  }
  return p;
}

PtyProcess::~PtyProcess() {
  if (pid_ > 0) {
    kill_group(SIGKILL);
    if (!reaped_) {
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      reaped_ = true;
    }
  }
  if (master_ >= 0) ::close(master_);
}

std::string PtyProcess::read(int timeout_ms) {
  if (eof_) return {};
  pollfd pfd{master_, POLLIN, 0};
  int r;
  do {
    r = ::poll(&pfd, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  if (r <= 0) return {};
  char buf[65536];
  ssize_t n;
  do {
    n = ::read(master_, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  if (n > 0) return std::string(buf, static_cast<size_t>(n));
  if (n == 0 || errno == EIO) eof_ = true;  // Linux reports a closed slave side as EIO
  return {};
}

size_t PtyProcess::write_some(std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(master_, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    throw Error("cannot write to the terminal: " + errno_text(errno), "pty", "has the program exited?");
  }
  return done;
}

void PtyProcess::write(std::string_view data) {
  while (!data.empty()) {
    data.remove_prefix(write_some(data));
    if (data.empty()) break;
    pollfd pfd{master_, POLLOUT, 0};
    int r = ::poll(&pfd, 1, 100);
    if (r < 0 && errno != EINTR) throw Error("poll failed: " + errno_text(errno), "pty");
    if (r > 0 && (pfd.revents & (POLLHUP | POLLERR)) && !(pfd.revents & POLLOUT))
      throw Error("cannot write to the terminal: it was closed", "pty", "has the program exited?");
  }
}

void PtyProcess::resize(int cols, int rows) {
  check_size(cols, rows);
  struct winsize ws {};
  ws.ws_col = static_cast<unsigned short>(cols);
  ws.ws_row = static_cast<unsigned short>(rows);
  if (::ioctl(master_, TIOCSWINSZ, &ws) != 0)
    throw Error("cannot resize the terminal: " + errno_text(errno), "pty");
  cols_ = cols;
  rows_ = rows;
}

bool PtyProcess::exited() {
  if (reaped_) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    reaped_ = true;
    status_ = status_code(status);
  } else if (r < 0 && errno == ECHILD) {
    reaped_ = true;  // reaped elsewhere (a SIGCHLD handler): the status is lost
  }
  return reaped_;
}

int PtyProcess::wait(int timeout_ms) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  if (timeout_ms < 0 && !reaped_) {
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(pid_, &status, 0);
    } while (r < 0 && errno == EINTR);
    reaped_ = true;
    if (r == pid_) status_ = status_code(status);
    return status_;
  }
  while (!exited()) {
    if (clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return status_;
}

void PtyProcess::kill_group(int sig) {
  if (pid_ <= 0) return;
  // The child leads its session and its first process group (setsid in forkpty).
  ::kill(-pid_, sig);
  for (pid_t p : session_processes(pid_)) ::kill(p, sig);
}

}  // namespace nc::term
