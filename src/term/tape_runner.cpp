#include "nc/term/tape_runner.h"

#include <fmt/format.h>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>

#include "nc/core/error.h"
#include "nc/core/strings.h"
#include "nc/core/utf8.h"
#include "nc/term/pty.h"
#include "nc/term/sandbox.h"
#include "nc/term/screen.h"

namespace nc::term {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// VHS's bash prompt: "> " in (90, 86, 224).
constexpr const char* kPrompt = "\\[\\e[38;2;90;86;224m\\]> \\[\\e[0m\\]";

struct Step {
  enum Kind : uint8_t { kKey, kMarker } kind = kKey;
  double time = 0;
  KeyPress key;
  std::string name;  // kKey: the key's name; kMarker: the marker text
};

std::vector<Step> schedule(const Tape& tape) {
  std::vector<Step> steps;
  double t = 0;
  for (const auto& c : tape.commands) {
    switch (c.kind) {
      case TapeCommand::Kind::kType:
        for (char32_t ch : decode_utf8(c.text)) {
          Step s;
          s.time = t;
          s.key.ch = ch;
          s.name = encode_utf8(ch);
          steps.push_back(s);
          t += c.interval;
        }
        break;
      case TapeCommand::Kind::kKey:
        for (int i = 0; i < c.repeat; ++i) {
          Step s;
          s.time = t;
          s.key = c.key;
          s.name = c.key_name;
          steps.push_back(s);
          t += c.interval;
        }
        break;
      case TapeCommand::Kind::kSleep: t += c.seconds; break;
      case TapeCommand::Kind::kHide:
      case TapeCommand::Kind::kShow:
      case TapeCommand::Kind::kScreenshot: {
        Step s;
        s.kind = Step::kMarker;
        s.time = t;
        s.name = c.kind == TapeCommand::Kind::kHide   ? "hide"
                 : c.kind == TapeCommand::Kind::kShow ? "show"
                                                      : "screenshot " + c.text;
        steps.push_back(s);
        break;
      }
    }
  }
  return steps;
}

// The shell is ready when its prompt is on the cursor's line.
bool at_prompt(const Screen& s) {
  const Cursor c = s.cursor();
  return c.col == 2 && s.line(c.row) == ">";
}

// Kills whatever still runs with its HOME or working directory in the sandbox (daemons that
// left the terminal's session), when the run ends however it ends.
struct LeftoverReaper {
  std::string dir;
  int* count;
  bool done = false;
  ~LeftoverReaper() { run(); }
  void run() {
    if (done) return;
    done = true;
    for (int round = 0; round < 3; ++round) {
      std::vector<pid_t> left = sandbox_processes(dir);
      if (left.empty()) break;
      for (pid_t p : left) ::kill(p, SIGKILL);
      *count += static_cast<int>(left.size());
      ::usleep(2000);
    }
  }
};

}  // namespace

Cast TapeRecording::to_cast(const std::string& title) const {
  Cast cast;
  cast.header.width = cols;
  cast.header.height = rows;
  cast.header.title = title;
  for (const char* k : {"SHELL", "TERM"}) {
    auto it = env.find(k);
    if (it != env.end()) cast.header.env[k] = it->second;
  }
  size_t ki = 0;
  for (const auto& e : events) {
    while (ki < keys.size() && keys[ki].time <= e.time) {
      cast.events.push_back({keys[ki].time, 'i', keys[ki].bytes});
      ++ki;
    }
    cast.events.push_back(e);
  }
  for (; ki < keys.size(); ++ki) cast.events.push_back({keys[ki].time, 'i', keys[ki].bytes});
  return cast;
}

std::string find_program(const std::string& name, const std::string& path) {
  auto runnable = [](const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) return runnable(name) ? name : std::string();
  for (const std::string& dir : split(path, ':')) {
    if (dir.empty()) continue;
    const std::string p = dir + "/" + name;
    if (runnable(p)) return p;
  }
  return {};
}

void check_requires(const Tape& tape, const std::string& path) {
  std::vector<std::string> missing;
  for (const auto& r : tape.requires)
    if (find_program(r, path).empty()) missing.push_back(r);
  if (!missing.empty())
    throw Error("Require: " + join(missing, ", ") + (missing.size() == 1 ? " is" : " are") +
                    " not installed (not found in PATH " + path + ")",
                tape.name, "install it, or leave this tape out");
}

std::map<std::string, std::string> tape_environment(const std::string& home, const std::string& tmp,
                                                    const std::string& path) {
  std::string user = "user";
  if (const passwd* pw = ::getpwuid(::geteuid())) user = pw->pw_name;
  const std::string bash = find_program("bash", path);
  return {{"HOME", home},
          {"PATH", path},
          {"TERM", "xterm-256color"},
          {"LANG", "C.UTF-8"},
          {"LC_ALL", "C.UTF-8"},
          {"TZ", "UTC"},
          {"SHELL", bash.empty() ? "/bin/bash" : bash},
          {"USER", user},
          {"LOGNAME", user},
          {"TMPDIR", tmp},
          {"PS1", kPrompt},
          {"HISTFILE", home + "/.bash_history"},
          {"HISTSIZE", "1000"},
          {"HISTFILESIZE", "1000"},
          {"EDITOR", "vi"},
          {"VISUAL", "vi"},
          {"PAGER", "less"},
          {"LESSHISTFILE", "-"},
          {"PYTHONDONTWRITEBYTECODE", "1"},
          {"BASH_SILENCE_DEPRECATION_WARNING", "1"}};
}

TapeRecording run_tape(const Tape& tape, const TapeRunOptions& o) {
  if (tape.settings.shell != "bash" && tape.settings.shell != "/bin/bash")
    throw Error("Set Shell \"" + tape.settings.shell + "\": this runner drives bash only", tape.name,
                "Set Shell \"bash\"");
  if (find_program("bash", o.path).empty()) throw Error("bash is not installed (not in PATH " + o.path + ")", tape.name);
  check_requires(tape, o.path);
  const std::vector<Step> steps = schedule(tape);
  const double nominal = tape.duration();
  if (nominal >= o.timeout)
    throw Error(fmt::format("the tape lasts {:.2f} s, longer than the timeout ({:g} s)", nominal, o.timeout),
                tape.name, "raise tapes.timeout");

  TapeRecording rec;
  rec.cols = o.cols;
  rec.rows = o.rows;
  rec.duration = nominal;

  // Destroyed in reverse: the terminal's session is killed, then any process left in the
  // sandbox, then the sandbox is removed.
  Sandbox sandbox(o.sandbox_root, tape.id(), o.fixtures);
  if (o.keep_sandbox) sandbox.keep();
  rec.sandbox = sandbox.dir();
  LeftoverReaper reaper{sandbox.dir(), &rec.leftover_processes};

  PtyOptions po;
  po.argv = {"bash", "--noprofile", "--norc", "-i"};
  po.env = tape_environment(sandbox.home(), sandbox.tmp(), o.path);
  for (const auto& [k, v] : tape.env) po.env[k] = v;
  po.cwd = sandbox.home();
  po.cols = o.cols;
  po.rows = o.rows;
  po.limit_cpu_seconds = o.limit_cpu_seconds;
  po.limit_address_space_bytes = o.limit_memory_bytes;
  po.limit_file_bytes = o.limit_file_bytes;
  po.limit_processes = o.limit_processes;
  rec.env = po.env;

  const auto spawned = Clock::now();
  std::unique_ptr<PtyProcess> proc = PtyProcess::spawn(po);
  Screen screen(o.cols, o.rows);
  Utf8Splitter splitter;
  std::string pending_input;

  auto check_timeout = [&] {
    if (seconds_since(spawned) > o.timeout)
      throw Error(fmt::format("timed out after {:g} s (the tape lasts {:.2f} s)", o.timeout, nominal),
                  tape.name, "a program may be stuck; raise tapes.timeout if the tape is just long");
  };
  // Reads what the program wrote (waiting up to `ms`), feeds the live screen, and answers the
  // terminal queries it made.
  size_t output_bytes = 0;
  auto pump = [&](int ms) -> std::string {
    std::string raw = proc->read(ms);
    if (raw.empty()) return {};
    output_bytes += raw.size();
    if (output_bytes > o.max_output_bytes)
      throw Error("the programs wrote more than " + std::to_string(o.max_output_bytes >> 20) +
                      " MiB to the terminal",
                  tape.name, "a command floods the screen (yes, cat of a large file?); raise tapes.max_output_mb");
    std::string text = sanitize_utf8(splitter.feed(raw));
    screen.feed(text);
    std::string replies = screen.take_replies();
    if (!replies.empty()) pending_input += replies;
    return text;
  };
  auto flush_input = [&] {
    if (pending_input.empty() || proc->eof()) return;
    try {
      pending_input.erase(0, proc->write_some(pending_input));
    } catch (const Error&) {
      pending_input.clear();  // the terminal is gone: the shell exited
    }
  };

  // Start-up: up to the first prompt (or, when the tape changed PS1, a quiet half second).
  std::string startup;
  auto last_output = Clock::now();
  for (;;) {
    if (seconds_since(spawned) > o.startup_timeout)
      throw Error(fmt::format("the shell showed no prompt within {:g} s", o.startup_timeout),
                  tape.name, "is bash working? (tapes.startup_timeout)");
    std::string text = pump(20);
    flush_input();
    if (!text.empty()) {
      startup += text;
      last_output = Clock::now();
    }
    if (proc->eof()) throw Error("the shell exited as it started: " + trim(startup), tape.name);
    if (at_prompt(screen) || (!startup.empty() && seconds_since(last_output) > 0.5)) break;
  }
  rec.startup_seconds = seconds_since(spawned);
  if (!startup.empty()) rec.events.push_back({0.0, 'o', startup});

  const auto t0 = Clock::now();
  double last_nominal = 0, last_real = 0, floor_time = 0;
  // The answer to the last key press (its echo, a redraw): the next key waits for it, so that
  // every answer is logged with the key press that caused it even when the machine is busy.
  bool awaiting = false, answered = false;
  double last_output_real = 0;
  size_t next = 0;
  auto record_output = [&](const std::string& text, double real) {
    const double delay = real - last_real;
    double t = last_nominal + (delay < o.response_window ? 0.0 : delay);
    // Never after the next scripted key press, never before what was logged already.
    const double cap = next < steps.size() ? steps[next].time : nominal;
    t = std::max(floor_time, std::min(t, std::max(floor_time, cap)));
    floor_time = t;
    if (!rec.events.empty() && rec.events.back().type == 'o' && rec.events.back().time == t)
      rec.events.back().data += text;
    else
      rec.events.push_back({t, 'o', text});
    answered = true;
    last_output_real = real;
  };
  constexpr double kQuiet = 0.005;  // s without output after which an answer is complete

  for (;;) {
    check_timeout();
    const double now = seconds_since(t0);
    bool ready = next < steps.size() && now >= steps[next].time;
    if (ready && steps[next].kind == Step::kKey && awaiting)
      ready = (answered && now - last_output_real >= kQuiet) || now - last_real >= o.response_window;
    if (ready) {
      const Step& s = steps[next];
      floor_time = std::max(floor_time, s.time);
      if (s.kind == Step::kMarker) {
        rec.events.push_back({s.time, 'm', s.name});
      } else if (!proc->eof()) {
        std::string bytes = screen.key_input(s.key);
        pending_input += bytes;
        flush_input();
        rec.keys.push_back({s.time, s.name, bytes});
        rec.max_lateness = std::max(rec.max_lateness, now - s.time);
        last_nominal = s.time;
        last_real = now;
        awaiting = true;
        answered = false;
      }
      ++next;
      continue;
    }
    if (next >= steps.size() && now >= nominal) break;
    if (proc->eof()) {
      // The shell is gone (the tape typed `exit`): nothing more can be typed; the display
      // commands still count.
      rec.shell_exited = true;
      for (; next < steps.size(); ++next)
        if (steps[next].kind == Step::kMarker) rec.events.push_back({steps[next].time, 'm', steps[next].name});
      break;
    }
    const double wake = next < steps.size() ? steps[next].time : nominal;
    int ms = static_cast<int>(std::ceil((wake - now) * 1000));
    ms = std::clamp(ms, 0, pending_input.empty() ? 50 : 5);
    if (next < steps.size() && now >= steps[next].time) ms = 2;  // waiting for an answer
    std::string text = pump(ms);
    if (!text.empty()) record_output(text, seconds_since(t0));
    flush_input();
  }
  rec.events.push_back({std::max(nominal, floor_time), 'm', "end"});
  rec.final_text = screen.text();
  if (!proc->eof()) {
    const pid_t fg = ::tcgetpgrp(proc->master_fd());
    rec.busy_at_end = fg > 0 && fg != proc->pid();
  }
  rec.wall_seconds = seconds_since(spawned);
  proc.reset();  // kills the terminal's session and reaps the shell
  reaper.run();
  return rec;
}

}  // namespace nc::term
