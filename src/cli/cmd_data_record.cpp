// nc data record: runs a command on a pseudo-terminal, shows it as it runs, and records it as
// an asciicast v2 file (what asciinema rec -f asciicast-v2 writes, and agg renders).
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "common.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/strings.h"
#include "nc/core/utf8.h"
#include "nc/term/asciicast.h"
#include "nc/term/pty.h"

namespace nc::cli {
namespace {

using namespace term;

struct RecordArgs {
  std::string out;
  int cols = 0, rows = 0;  // 0: the terminal's size, or 80x24
  std::string title;
  double idle_time_limit = 0;
  bool input = false;
  std::vector<std::string> command;
};

// The last signal that asked the recorder to stop or to pass an interrupt on.
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_signal(int sig) { g_signal = sig; }

// Catches the signals that would otherwise kill nc mid-recording (and leave the terminal raw)
// for the loop to handle; restores the previous handlers when destroyed.
class SignalGuard {
 public:
  SignalGuard() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: poll() returns at once with EINTR
    for (size_t i = 0; i < kCount; ++i) ::sigaction(kSignals[i], &sa, &old_[i]);
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old_pipe_);  // a closed stdout is an error code, not a death
  }
  ~SignalGuard() {
    for (size_t i = 0; i < kCount; ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
  }

 private:
  static constexpr int kSignals[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
  static constexpr size_t kCount = sizeof kSignals / sizeof kSignals[0];
  struct sigaction old_[kCount] {};
  struct sigaction old_pipe_ {};
};

// Puts a terminal in raw mode (keys, Ctrl+C included, go to the child as bytes) and restores
// it when destroyed, whichever way the recording ends.
class RawMode {
 public:
  explicit RawMode(int fd) {
    if (!::isatty(fd) || ::tcgetattr(fd, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSADRAIN, &raw) == 0) fd_ = fd;
  }
  ~RawMode() {
    if (fd_ >= 0) ::tcsetattr(fd_, TCSADRAIN, &saved_);
  }
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  int fd_ = -1;
  termios saved_{};
};

// Writes all of `data` to a blocking fd; false when the fd is gone (a closed pipe).
bool write_fd(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Recorded time: monotonic seconds since the start, with idle gaps cut to the limit, in
// whole microseconds (what asciinema writes; keeps the file short).
class Clock {
 public:
  explicit Clock(double idle_limit) : limit_(idle_limit), start_(std::chrono::steady_clock::now()) {}
  double now() {
    double raw = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double gap = raw - last_raw_;
    if (limit_ > 0 && gap > limit_) gap = limit_;
    last_raw_ = raw;
    recorded_ += gap;
    return std::round(recorded_ * 1e6) / 1e6;
  }

 private:
  double limit_;
  std::chrono::steady_clock::time_point start_;
  double last_raw_ = 0, recorded_ = 0;
};

// The command as a shell would need it typed (for the header's "command").
std::string shell_command(const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  for (const std::string& a : argv) {
    bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                   "0123456789-_./=:,+@%") == std::string::npos;
    if (plain) {
      words.push_back(a);
      continue;
    }
    std::string q = "'";
    for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    words.push_back(q + "'");
  }
  return join(words, " ");
}

void terminal_size(int* cols, int* rows) {
  struct winsize ws {};
  if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
      ws.ws_row > 0) {
    *cols = std::min<int>(ws.ws_col, 1000);
    *rows = std::min<int>(ws.ws_row, 500);
  } else {
    *cols = 80;
    *rows = 24;
  }
}

void record(const RecordArgs& args) {
  int cols, rows;
  terminal_size(&cols, &rows);
  if (args.cols > 0) cols = args.cols;
  if (args.rows > 0) rows = args.rows;

  // The child always gets xterm-256color: the pipeline renders with an xterm-compatible
  // emulator, whatever terminal the recording was made in.
  const std::string term = "xterm-256color";
  const char* shell = std::getenv("SHELL");
  CastHeader header;
  header.width = cols;
  header.height = rows;
  header.timestamp = static_cast<double>(std::time(nullptr));
  header.idle_time_limit = args.idle_time_limit;
  header.title = args.title;
  header.command = shell_command(args.command);
  header.env = {{"SHELL", shell && *shell ? shell : "/bin/sh"}, {"TERM", term}};

  make_dirs(dir_of(args.out));
  CastWriter writer(args.out, header);

  PtyOptions options;
  options.argv = args.command;
  options.inherit_env = true;
  options.env = {{"TERM", term}};
  options.cols = cols;
  options.rows = rows;

  SignalGuard signals;
  g_signal = 0;
  Clock clock(args.idle_time_limit);
  auto child = PtyProcess::spawn(options);
  log::debug("recording {} ({}x{}) to {}", header.command, cols, rows, args.out);

  Utf8Splitter out_split, in_split;  // events hold whole characters only
  auto add_event = [&](char type, Utf8Splitter& split, std::string_view bytes) {
    std::string text = sanitize_utf8(split.feed(bytes));
    if (!text.empty()) writer.add(clock.now(), type, text);
  };
  bool stdout_open = true;
  auto on_output = [&](const std::string& data) {
    if (stdout_open && !write_fd(STDOUT_FILENO, data)) stdout_open = false;
    add_event('o', out_split, data);
  };

  bool stopped = false;  // by SIGTERM/SIGHUP
  {
    RawMode raw(STDIN_FILENO);
    bool stdin_open = true;
    std::string pending;  // input read but not yet taken by the terminal
    constexpr size_t kMaxPending = size_t(1) << 20;
    while (true) {
      if (int sig = g_signal) {
        g_signal = 0;
        if (sig == SIGINT || sig == SIGQUIT) {
          // An interrupt meant for the program: pass it to the terminal's foreground job.
          pid_t fg = ::tcgetpgrp(child->master_fd());
          ::kill(fg > 0 ? -fg : -child->pid(), sig);
        } else {
          log::warn("{}: stopping the recording", strsignal(sig));
          child->kill_group(SIGHUP);
          stopped = true;
          break;
        }
      }
      pollfd fds[2] = {{child->master_fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
      if (!pending.empty()) fds[0].events |= POLLOUT;
      nfds_t count = stdin_open && pending.size() < kMaxPending ? 2 : 1;
      int r = ::poll(fds, count, 100);
      if (r < 0 && errno != EINTR) throw Error(std::string("poll failed: ") + std::strerror(errno), "record");
      if (r > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        std::string data = child->read(0);
        if (!data.empty()) on_output(data);
        else if (child->eof()) break;
      }
      if (!pending.empty() && r > 0 && (fds[0].revents & POLLOUT)) {
        try {
          pending.erase(0, child->write_some(pending));
        } catch (const Error&) {
          pending.clear();  // the program has closed its terminal: input has nowhere to go
        }
      }
      if (count == 2 && r > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        char buf[4096];
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n > 0) {
          pending.append(buf, static_cast<size_t>(n));
          if (args.input) add_event('i', in_split, std::string_view(buf, static_cast<size_t>(n)));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          stdin_open = false;  // end of input: the program keeps running on its own
        }
      }
      if (child->exited()) {
        // Take what is still buffered (a background job may keep the terminal open: give it
        // a moment, not forever).
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (!child->eof() && std::chrono::steady_clock::now() < deadline) {
          std::string data = child->read(50);
          if (data.empty()) break;
          on_output(data);
        }
        break;
      }
    }
  }  // the terminal is restored here

  std::string rest = sanitize_utf8(out_split.flush());
  if (!rest.empty()) writer.add(clock.now(), 'o', rest);
  if (args.input) {
    rest = sanitize_utf8(in_split.flush());
    if (!rest.empty()) writer.add(clock.now(), 'i', rest);
  }
  int status = child->wait(stopped ? 2000 : 1000);
  child.reset();  // kills whatever is left of the session
  double duration = writer.last_time();
  size_t events = writer.events();
  writer.close();
  std::string how = status < 0 ? "was killed" : "exited with status " + std::to_string(status);
  log::info("recorded {} events, {:.1f} s, {}x{} to {} ({} {})", events, duration, cols, rows, args.out,
            args.command.front(), how);
}

}  // namespace

void add_data_record_command(CLI::App& data, Commands& commands) {
  auto args = std::make_shared<RecordArgs>();
  auto* cmd = data.add_subcommand(
      "record", "run a command on a pseudo-terminal and record it as an asciicast v2 file");
  cmd->add_option("--out,-o", args->out, "the .cast file to write")->required();
  cmd->add_option("--cols", args->cols, "terminal columns (default: this terminal's, else 80)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--rows", args->rows, "terminal rows (default: this terminal's, else 24)")
      ->check(CLI::Range(1, 500));
  cmd->add_option("--title", args->title, "title stored in the header");
  cmd->add_option("--idle-time-limit", args->idle_time_limit,
                  "cut pauses longer than this many seconds (also stored in the header)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--input", args->input, "also record keyboard input ('i' events)");
  cmd->add_option("command", args->command, "the command to record and its arguments, after --")
      ->required();
  cmd->footer("Example: nc data record --out demo.cast --cols 80 --rows 24 -- bash -l");
  commands.push_back({cmd, [args] { record(*args); }});
}

}  // namespace nc::cli
