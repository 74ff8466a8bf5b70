// Private to the gui module: the recorder's processes and its X connection. A Child is a
// launched program in a process group of its own; an XSession owns the X server, the window
// manager and the applications, and stops all of them (and their descendants) when destroyed.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "nc/gui/gui_options.h"

typedef struct _XDisplay Display;

namespace nc::gui::detail {

struct SpawnOptions {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=VALUE" set over this process's environment ("KEY=" unsets)
  std::string log_path;          // stdout and stderr go here
  std::string cwd;
  int uid = -1, gid = -1;  // switch to this user before exec (when running as root)
  int keep_fd = -1;        // a descriptor the child keeps open (Xvfb's -displayfd)
};

class Child {
 public:
  // Throws nc::Error "cannot run 'prog': ..." when the program is missing or exec fails.
  static std::unique_ptr<Child> spawn(const SpawnOptions& options);
  ~Child();  // stop()
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // SIGTERM to the process, its group and its descendants; SIGKILL after `grace_s`; reaps.
  void stop(double grace_s = 1.0);
  // Whether the process has ended (reaps it); its status is then in status().
  bool exited();
  int status() const { return status_; }  // exit code, or 128 + signal
  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  const std::string& log_path() const { return log_path_; }
  // The last lines of its log, for messages.
  std::string log_tail(size_t max_bytes = 600) const;

 private:
  Child() = default;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = -1;
  std::string name_, log_path_;
};

// Every live process whose parent chain leads to `pid` (from /proc).
std::vector<pid_t> descendants(pid_t pid);

struct AppWindow {
  std::string spec;  // as configured
  int x = 0, y = 0, width = 0, height = 0;
  std::vector<std::string> argv;
  std::unique_ptr<Child> child;
  unsigned long window = 0;  // its top-level client window, 0 until found
};

// "WxH+X+Y program args..." -> geometry and argv ({sandbox} replaced). nc::Error naming `where`.
AppWindow parse_app(const std::string& spec, const std::string& sandbox, const std::string& where);

class XSession {
 public:
  // Starts the X server (`x_server` program), connects, paints the desktop, starts the window
  // manager and the apps and lays them out. Throws nc::Error (after stopping what it started).
  XSession(const RecorderOptions& options, const std::string& x_server, const std::string& sandbox,
           const std::string& log_dir);
  ~XSession();  // closes the connection, stops the apps, the window manager, the X server
  XSession(const XSession&) = delete;
  XSession& operator=(const XSession&) = delete;

  Display* display() const { return display_; }
  int number() const { return number_; }
  std::vector<pid_t> pids() const;
  std::vector<std::string> app_names() const;
  // Apps that have exited since the last call ("xedit exited with status 0").
  std::vector<std::string> newly_exited();
  std::vector<std::string> warnings;

 private:
  void start_server(const std::string& program, const std::string& log_dir);
  void start_desktop(const std::string& sandbox, const std::string& log_dir);
  void layout();
  void shutdown();

  const RecorderOptions& options_;
  int uid_ = -1, gid_ = -1;
  std::string home_;
  std::unique_ptr<Child> server_, wm_;
  std::vector<AppWindow> apps_;
  std::vector<bool> reported_exit_;
  Display* display_ = nullptr;
  int number_ = -1;
};

}  // namespace nc::gui::detail
