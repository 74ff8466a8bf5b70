#include "x_session.h"

#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <X11/Xutil.h>
#include <X11/cursorfont.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/Xfixes.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/strings.h"

extern char** environ;

namespace nc::gui::detail {
namespace {

using Clock = std::chrono::steady_clock;

struct ExecFailure {
  int stage;  // 0 exec, 1 chdir, 2 user
  int error;
};

std::string resolve_program(const std::string& name, int* err) {
  *err = 0;
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return name;
    *err = errno;
    return {};
  }
  const char* path = std::getenv("PATH");
  int first = ENOENT;
  for (const std::string& dir : split(path ? path : "/usr/local/bin:/usr/bin:/bin", ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    first = EACCES;
  }
  *err = first;
  return {};
}

[[noreturn]] void child_fail(int fd, int stage) {
  ExecFailure f{stage, errno};
  ssize_t n = ::write(fd, &f, sizeof f);
  (void)n;
  _exit(127);
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

// Xlib's default handlers exit the process; a window that vanishes between two requests is
// normal here. (Xlib's handler is process-wide by design.)
int ignore_x_error(Display*, XErrorEvent*) { return 0; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// twm's default fonts ("variable" = helvetica) are not in xfonts-base: without them it exits.
const char* kTwmrc = R"(# nc data gui record: a plain twm with no menus (random clicks cannot quit or kill)
NoGrabServer
RandomPlacement
UsePPosition "on"
NoDefaults
DecorateTransients
BorderWidth 1
TitleFont "fixed"
MenuFont "fixed"
IconFont "fixed"
ResizeFont "fixed"
IconManagerFont "fixed"
Color {
  BorderColor "#1d2b3a"
  TitleBackground "#2f4f7f"
  TitleForeground "#ffffff"
}
Button1 = : title : f.raise
)";

}  // namespace

std::vector<pid_t> descendants(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  if (DIR* proc = ::opendir("/proc")) {
    while (dirent* e = ::readdir(proc)) {
      char* end = nullptr;
      const long pid = std::strtol(e->d_name, &end, 10);
      if (pid <= 0 || *end) continue;
      std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
      std::string stat;
      if (!std::getline(in, stat)) continue;
      const size_t close = stat.rfind(')');
      if (close == std::string::npos) continue;
      std::istringstream fields(stat.substr(close + 1));
      char state = 0;
      long ppid = 0;
      if (fields >> state >> ppid && state != 'Z') children.emplace(static_cast<pid_t>(ppid), static_cast<pid_t>(pid));
    }
    ::closedir(proc);
  }
  std::vector<pid_t> out, todo = {root};
  while (!todo.empty()) {
    const pid_t p = todo.back();
    todo.pop_back();
    auto [a, b] = children.equal_range(p);
    for (auto it = a; it != b; ++it) {
      out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return out;
}

std::unique_ptr<Child> Child::spawn(const SpawnOptions& o) {
  check(!o.argv.empty() && !o.argv[0].empty(), "no program to run", "spawn");
  int err = 0;
  const std::string program = resolve_program(o.argv[0], &err);
  if (program.empty()) throw Error("cannot run '" + o.argv[0] + "': " + std::strerror(err), "", "is it installed and in PATH?");

  // Everything the child needs is built here: after fork only async-signal-safe calls.
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e)
    if (const char* eq = std::strchr(*e, '=')) env[std::string(*e, static_cast<size_t>(eq - *e))] = eq + 1;
  for (const auto& kv : o.env) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    if (eq + 1 == kv.size()) env.erase(kv.substr(0, eq));
    else env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::vector<std::string> env_strings, args = o.argv;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  const int log_fd = o.log_path.empty() ? ::open("/dev/null", O_WRONLY | O_CLOEXEC)
                                        : ::open(o.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw Error(std::string("cannot open the log: ") + std::strerror(errno), o.log_path);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::close(log_fd);
    ::close(null_fd);
    throw Error(std::string("pipe failed: ") + std::strerror(errno), "spawn");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    for (int fd : {log_fd, null_fd, pipe_fds[0], pipe_fds[1]}) ::close(fd);
    throw Error(std::string("fork failed: ") + std::strerror(e), "spawn");
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (o.keep_fd >= 0) ::fcntl(o.keep_fd, F_SETFD, 0);
    if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) child_fail(pipe_fds[1], 1);
    if (o.uid >= 0) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(static_cast<gid_t>(o.gid)) != 0 ||
          ::setuid(static_cast<uid_t>(o.uid)) != 0)
        child_fail(pipe_fds[1], 2);
    }
    ::execve(program.c_str(), argv.data(), envp.data());
    child_fail(pipe_fds[1], 0);
  }
  ::setpgid(pid, pid);  // also from here, so that the group exists before any kill
  ::close(pipe_fds[1]);
  ::close(log_fd);
  ::close(null_fd);
  std::unique_ptr<Child> c(new Child());
  c->pid_ = pid;
  c->name_ = base_name(o.argv[0]);
  c->log_path_ = o.log_path;
  ExecFailure failure{};
  ssize_t n;
  do {
    n = ::read(pipe_fds[0], &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  ::close(pipe_fds[0]);
  if (n == static_cast<ssize_t>(sizeof failure)) {
    c->stop(0);
    const char* stage = failure.stage == 1 ? "cannot enter its folder" : failure.stage == 2 ? "cannot switch user" : "";
    throw Error("cannot run '" + o.argv[0] + "'" + (*stage ? std::string(" (") + stage + ")" : "") + ": " +
                std::strerror(failure.error));
  }
  return c;
}

Child::~Child() { stop(); }

bool Child::exited() {
  if (reaped_) return true;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  }
  return reaped_;
}

void Child::stop(double grace_s) {
  if (pid_ <= 0) return;
  std::vector<pid_t> family = descendants(pid_);
  if (!exited()) family.push_back(pid_);
  if (!family.empty() || !reaped_) {
    ::kill(-pid_, SIGTERM);
    for (pid_t p : family) ::kill(p, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::duration<double>(grace_s);
    for (;;) {
      exited();
      bool any = !reaped_;
      for (pid_t p : family)
        if (p != pid_ && alive(p)) any = true;
      if (!any || Clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(-pid_, SIGKILL);
    for (pid_t p : family)
      if (alive(p)) ::kill(p, SIGKILL);
  }
  if (!reaped_) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  }
}

std::string Child::log_tail(size_t max_bytes) const {
  if (log_path_.empty() || !file_exists(log_path_)) return {};
  std::string text;
  try {
    text = read_file(log_path_);
  } catch (const Error&) {
    return {};
  }
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  std::replace(text.begin(), text.end(), '\n', ' ');
  return trim(text);
}

AppWindow parse_app(const std::string& spec, const std::string& sandbox, const std::string& where) {
  AppWindow app;
  app.spec = spec;
  // Words split on blanks; '...' and "..." quote (no shell is involved).
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < spec.size(); ++i) {
    const char c = spec[i];
    if (c == '\'' || c == '"') {
      const size_t end = spec.find(c, i + 1);
      if (end == std::string::npos) throw Error("app '" + spec + "' has an unterminated quote", where);
      word += spec.substr(i + 1, end - i - 1);
      in_word = true;
      i = end;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  for (auto& w : words)
    for (size_t at; (at = w.find("{sandbox}")) != std::string::npos;) w.replace(at, 9, sandbox);
  std::smatch m;
  static const std::regex geometry(R"((\d+)x(\d+)\+(-?\d+)\+(-?\d+))");
  if (words.size() < 2 || !std::regex_match(words[0], m, geometry))
    throw Error("app '" + spec + "' is not 'WxH+X+Y program args...'", where);
  app.width = std::stoi(m[1]);
  app.height = std::stoi(m[2]);
  app.x = std::stoi(m[3]);
  app.y = std::stoi(m[4]);
  check(app.width >= 16 && app.height >= 16, "app '" + spec + "' is smaller than 16x16", where);
  app.argv.assign(words.begin() + 1, words.end());
  return app;
}

XSession::XSession(const RecorderOptions& options, const std::string& x_server, const std::string& sandbox,
                   const std::string& log_dir)
    : options_(options) {
  home_ = sandbox;
  if (::geteuid() == 0 && !options.app_user.empty()) {
    if (const passwd* pw = ::getpwnam(options.app_user.c_str())) {
      uid_ = static_cast<int>(pw->pw_uid);
      gid_ = static_cast<int>(pw->pw_gid);
    } else {
      warnings.push_back("user '" + options.app_user + "' does not exist: the apps run as root");
    }
  }
  try {
    start_server(x_server, log_dir);
    start_desktop(sandbox, log_dir);
    layout();
  } catch (...) {
    shutdown();
    throw;
  }
}

XSession::~XSession() { shutdown(); }

void XSession::shutdown() {
  if (display_) {
    XCloseDisplay(display_);
    display_ = nullptr;
  }
  for (auto it = apps_.rbegin(); it != apps_.rend(); ++it)
    if (it->child) it->child->stop();
  if (wm_) wm_->stop();
  if (server_) server_->stop(2.0);
}

std::vector<pid_t> XSession::pids() const {
  std::vector<pid_t> out;
  if (server_) out.push_back(server_->pid());
  if (wm_) out.push_back(wm_->pid());
  for (const auto& a : apps_)
    if (a.child) out.push_back(a.child->pid());
  return out;
}

std::vector<std::string> XSession::app_names() const {
  std::vector<std::string> out;
  for (const auto& a : apps_)
    if (a.child) out.push_back(a.child->name() + " (pid " + std::to_string(a.child->pid()) + ")");
  return out;
}

std::vector<std::string> XSession::newly_exited() {
  std::vector<std::string> out;
  for (size_t i = 0; i < apps_.size(); ++i) {
    if (reported_exit_[i] || !apps_[i].child || !apps_[i].child->exited()) continue;
    reported_exit_[i] = true;
    out.push_back(apps_[i].child->name() + " exited with status " + std::to_string(apps_[i].child->status()));
  }
  return out;
}

void XSession::start_server(const std::string& program, const std::string& log_dir) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(std::string("pipe failed: ") + std::strerror(errno), "Xvfb");
  SpawnOptions so;
  so.argv = {program, "-displayfd", std::to_string(fds[1]), "-screen", "0",
             std::to_string(options_.screen_width) + "x" + std::to_string(options_.screen_height) + "x24",
             "-nolisten", "tcp", "-noreset"};
  so.log_path = log_dir + "/xserver.log";
  so.keep_fd = fds[1];
  const std::string hint = "Xvfb comes with the xvfb package (scripts/setup.sh installs it)";
  try {
    server_ = Child::spawn(so);
  } catch (const Error& e) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error("the X server could not start: " + e.what_failed(), "", hint);
  }
  ::close(fds[1]);
  // -displayfd: the server writes its display number once it accepts connections.
  std::string number;
  const auto deadline = Clock::now() + std::chrono::duration<double>(options_.start_timeout);
  bool eof = false;
  while (number.find('\n') == std::string::npos && !eof) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
    if (r > 0) {
      char buf[32];
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n > 0) number.append(buf, static_cast<size_t>(n));
      else if (n == 0) eof = true;
    }
  }
  ::close(fds[0]);
  const std::string digits = trim(number);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
    std::string why;
    // Its end of the pipe closes as it exits: give the exit a moment to be reaped.
    for (int i = 0; eof && i < 100 && !server_->exited(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (server_->exited())
      why = "'" + program + "' exited with status " + std::to_string(server_->status()) + " before reporting a display";
    else
      why = "'" + program + "' reported no display within " + std::to_string(options_.start_timeout) + " s";
    const std::string tail = server_->log_tail();
    server_->stop();
    throw Error("the X server could not start: " + why + (tail.empty() ? "" : "; its log: " + tail), so.log_path, hint);
  }
  number_ = std::stoi(digits);
  XSetErrorHandler(ignore_x_error);
  const std::string name = ":" + digits;
  for (int attempt = 0; attempt < 50 && !display_; ++attempt) {
    display_ = XOpenDisplay(name.c_str());
    if (!display_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!display_) throw Error("cannot connect to the X server at " + name, so.log_path);
  int event_base, error_base, major, minor;
  if (!XTestQueryExtension(display_, &event_base, &error_base, &major, &minor))
    throw Error("the X server has no XTEST extension (needed to send input)", so.log_path);
  if (options_.draw_cursor && !XFixesQueryExtension(display_, &event_base, &error_base))
    throw Error("the X server has no XFIXES extension (needed to draw the cursor)", so.log_path,
                "set gui.recorder.draw_cursor=false");
}

void XSession::start_desktop(const std::string& sandbox, const std::string& log_dir) {
  const auto colour = parse_hex_colour(options_.desktop_color, "gui.recorder.desktop_color");
  const Window root = DefaultRootWindow(display_);
  XSetWindowBackground(display_, root,
                       (static_cast<unsigned long>(colour[0]) << 16) | (static_cast<unsigned long>(colour[1]) << 8) |
                           colour[2]);
  XClearWindow(display_, root);
  XDefineCursor(display_, root, XCreateFontCursor(display_, XC_left_ptr));
  XSync(display_, False);

  const std::vector<std::string> env = {"DISPLAY=:" + std::to_string(number_), "HOME=" + home_, "XAUTHORITY=",
                                        "LANG=C.UTF-8", "LC_ALL=C.UTF-8"};
  if (!options_.window_manager.empty()) {
    SpawnOptions so;
    so.argv = {options_.window_manager};
    if (base_name(options_.window_manager) == "twm") {
      const std::string rc = sandbox + "/twmrc";
      write_file_atomic(rc, kTwmrc);
      so.argv.insert(so.argv.end(), {"-f", rc});
    }
    so.env = env;
    so.cwd = sandbox;
    so.uid = uid_;
    so.gid = gid_;
    so.log_path = log_dir + "/wm.log";
    wm_ = Child::spawn(so);
  }
  for (size_t i = 0; i < options_.apps.size(); ++i) {
    AppWindow app = parse_app(options_.apps[i], sandbox, "gui.recorder.apps[" + std::to_string(i) + "]");
    SpawnOptions so;
    so.argv = app.argv;
    so.env = env;
    so.cwd = sandbox;
    so.uid = uid_;
    so.gid = gid_;
    so.log_path = log_dir + "/app" + std::to_string(i) + "-" + base_name(app.argv[0]) + ".log";
    try {
      app.child = Child::spawn(so);
    } catch (const Error& e) {
      throw Error(e.what_failed(), "gui.recorder.apps[" + std::to_string(i) + "]",
                  "install it (scripts/setup.sh lists the desktop apps) or remove it from gui.recorder.apps");
    }
    apps_.push_back(std::move(app));
  }
  reported_exit_.assign(apps_.size(), false);
}

void XSession::layout() {
  const Window root = DefaultRootWindow(display_);
  const Atom pid_atom = XInternAtom(display_, "_NET_WM_PID", False);
  auto window_pid = [&](Window w) -> long {
    Atom type;
    int format;
    unsigned long n = 0, after = 0;
    unsigned char* data = nullptr;
    long pid = -1;
    if (XGetWindowProperty(display_, w, pid_atom, 0, 1, False, XA_CARDINAL, &type, &format, &n, &after, &data) ==
            Success &&
        data && n == 1 && format == 32)
      pid = *reinterpret_cast<long*>(data);
    if (data) XFree(data);
    return pid;
  };
  struct Client {
    Window w;
    std::string name, cls;
    long pid;
  };
  auto clients = [&] {
    std::vector<Client> out;
    auto consider = [&](Window w) {
      XClassHint hint{};
      if (!XGetClassHint(display_, w, &hint)) return false;
      XWindowAttributes attr{};
      const bool viewable = XGetWindowAttributes(display_, w, &attr) && attr.map_state == IsViewable;
      if (viewable)
        out.push_back({w, lower(hint.res_name ? hint.res_name : ""), lower(hint.res_class ? hint.res_class : ""),
                       window_pid(w)});
      if (hint.res_name) XFree(hint.res_name);
      if (hint.res_class) XFree(hint.res_class);
      return true;
    };
    Window r, parent, *kids = nullptr;
    unsigned int n = 0;
    if (!XQueryTree(display_, root, &r, &parent, &kids, &n)) return out;
    for (unsigned int i = 0; i < n; ++i) {
      if (consider(kids[i])) continue;
      Window r2, p2, *grand = nullptr;
      unsigned int m = 0;
      if (XQueryTree(display_, kids[i], &r2, &p2, &grand, &m)) {
        for (unsigned int j = 0; j < m; ++j) consider(grand[j]);
        if (grand) XFree(grand);
      }
    }
    if (kids) XFree(kids);
    return out;
  };

  const auto deadline = Clock::now() + std::chrono::duration<double>(options_.start_timeout);
  for (;;) {
    XSync(display_, False);
    std::vector<Window> taken;
    for (const auto& a : apps_)
      if (a.window) taken.push_back(a.window);
    const std::vector<Client> found = clients();
    bool all = true;
    for (size_t i = 0; i < apps_.size(); ++i) {
      AppWindow& app = apps_[i];
      if (app.window) continue;
      if (app.child->exited())
        throw Error("'" + app.child->name() + "' exited with status " + std::to_string(app.child->status()) +
                        " before showing a window" +
                        (app.child->log_tail().empty() ? "" : ": " + app.child->log_tail()),
                    app.child->log_path(), "check gui.recorder.apps[" + std::to_string(i) + "]");
      const std::string prog = lower(base_name(app.argv[0]));
      auto free_window = [&](const Client& c) {
        return std::find(taken.begin(), taken.end(), c.w) == taken.end();
      };
      for (const Client& c : found)
        if (free_window(c) && c.pid == app.child->pid()) app.window = c.w;
      if (!app.window)
        for (const Client& c : found)
          if (free_window(c) && (c.name == prog || c.cls == prog)) {
            app.window = c.w;
            break;
          }
      if (app.window) {
        taken.push_back(app.window);
        XMoveResizeWindow(display_, app.window, app.x, app.y, static_cast<unsigned>(app.width),
                          static_cast<unsigned>(app.height));
      } else {
        all = false;
      }
    }
    if (all || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (wm_ && wm_->exited())
    warnings.push_back("the window manager '" + wm_->name() + "' exited with status " + std::to_string(wm_->status()) +
                       (wm_->log_tail().empty() ? "" : ": " + wm_->log_tail()));
  for (const auto& app : apps_)
    if (!app.window)
      warnings.push_back("no window from '" + app.child->name() + "' within " +
                         std::to_string(options_.start_timeout) + " s (left where it is)");
  XSync(display_, False);
  std::this_thread::sleep_for(std::chrono::duration<double>(options_.settle_seconds));
}

}  // namespace nc::gui::detail
