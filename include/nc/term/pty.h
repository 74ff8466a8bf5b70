// A child process on a pseudo-terminal: what recording a terminal session and replaying a
// scripted one both need. The child leads a new session with the PTY as its controlling
// terminal, so the whole session can be killed at once and nothing outlives the object.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nc::term {

struct PtyOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::map<std::string, std::string> env;  // set in the child (over the inherited ones)
  bool inherit_env = false;  // start from this process's environment
  std::string cwd;           // empty: this process's
  int cols = 80, rows = 24;
  // Resource limits applied in the child before exec (setrlimit); 0 leaves a limit as it is.
  uint64_t limit_cpu_seconds = 0;
  uint64_t limit_address_space_bytes = 0;
  uint64_t limit_processes = 0;  // RLIMIT_NPROC: counts every process of the user
  uint64_t limit_file_bytes = 0;  // RLIMIT_FSIZE: the largest file a process may write
};

class PtyProcess {
 public:
  // Starts argv[0] on a new PTY. Throws nc::Error when it cannot be run, e.g.
  // "cannot run 'foo': No such file or directory" (exec failures come back through a pipe).
  static std::unique_ptr<PtyProcess> spawn(const PtyOptions& options);

  ~PtyProcess();  // kills the child's process group and session, and reaps the child
  PtyProcess(const PtyProcess&) = delete;
  PtyProcess& operator=(const PtyProcess&) = delete;

  // Bytes the child wrote, waiting up to `timeout_ms` (< 0: forever) for the first. "" on
  // timeout or at end of output; eof() tells them apart.
  std::string read(int timeout_ms);
  // True once every process has closed the terminal (the master reads EOF/EIO).
  bool eof() const { return eof_; }

  // Writes everything, waiting while the terminal's input buffer is full.
  void write(std::string_view data);
  // Writes what fits now without waiting; returns how many bytes were taken.
  size_t write_some(std::string_view data);

  // New terminal size; the child gets SIGWINCH.
  void resize(int cols, int rows);
  int cols() const { return cols_; }
  int rows() const { return rows_; }

  // Whether the child (the process started, not its descendants) has ended; reaps it.
  bool exited();
  // Waits up to `timeout_ms` (< 0: forever) for the child to end. Returns its exit status
  // (128 + signal number when a signal ended it, as shells report it), or -1 on timeout.
  int wait(int timeout_ms);
  // The exit status once exited(), else -1.
  int exit_status() const { return status_; }

  // Sends `sig` to the child's process group and to every process left in its session
  // (background jobs of an interactive shell have process groups of their own).
  void kill_group(int sig = SIGKILL);

  pid_t pid() const { return pid_; }
  int master_fd() const { return master_; }

 private:
  PtyProcess() = default;

  pid_t pid_ = -1;
  int master_ = -1;
  int cols_ = 80, rows_ = 24;
  bool eof_ = false;
  bool reaped_ = false;
  int status_ = -1;
};

// The ids of live processes whose session id is `sid` (from /proc; empty where there is none).
std::vector<pid_t> session_processes(pid_t sid);

}  // namespace nc::term
