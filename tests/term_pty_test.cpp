// term: PtyProcess — running programs on a pseudo-terminal, sizes, input, and killing all.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "nc/core/error.h"
#include "nc/term/pty.h"
#include "test_util.h"

namespace nc::term {
namespace {

// Reads until `needle` appears (or the child's output ends, or `timeout_ms` passes).
std::string read_until(PtyProcess& p, const std::string& needle, int timeout_ms = 10000) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.find(needle) == std::string::npos && !p.eof() &&
         std::chrono::steady_clock::now() < deadline)
    out += p.read(50);
  return out;
}

// Alive and not a zombie: a killed process whose parent is gone may linger as a zombie until
// PID 1 reaps it, but it no longer runs.
bool running(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

PtyOptions bash_options() {
  PtyOptions o;
  o.argv = {"bash", "--norc", "--noprofile", "-i"};
  o.env = {{"PS1", "> "}, {"TERM", "dumb"}, {"PATH", "/usr/bin:/bin"}, {"HOME", "/tmp"}};
  return o;
}

TEST(Pty, EchoOutputAndExitStatus) {
  PtyOptions o;
  o.argv = {"/bin/echo", "hello"};
  auto p = PtyProcess::spawn(o);
  std::string out = read_until(*p, "hello");
  EXPECT_NE(out.find("hello"), std::string::npos) << out;
  EXPECT_EQ(p->wait(5000), 0);
  EXPECT_TRUE(p->exited());
  // After the child is gone the terminal reads EOF.
  read_until(*p, "\x01", 2000);
  EXPECT_TRUE(p->eof());

  o.argv = {"sh", "-c", "exit 3"};
  EXPECT_EQ(PtyProcess::spawn(o)->wait(5000), 3);
}

TEST(Pty, InteractiveShellComputes) {
  auto p = PtyProcess::spawn(bash_options());
  read_until(*p, "> ");
  p->write("echo $((6*7))\r");
  std::string out = read_until(*p, "42");
  EXPECT_NE(out.find("42"), std::string::npos) << out;
  p->write("exit 5\r");
  EXPECT_EQ(p->wait(5000), 5);
}

TEST(Pty, SizeAndResize) {
  PtyOptions o = bash_options();
  o.cols = 100;
  o.rows = 30;
  auto p = PtyProcess::spawn(o);
  read_until(*p, "> ");
  p->write("stty size\r");
  std::string out = read_until(*p, "30 100");
  EXPECT_NE(out.find("30 100"), std::string::npos) << out;
  p->resize(132, 43);
  EXPECT_EQ(p->cols(), 132);
  p->write("stty size\r");
  out = read_until(*p, "43 132");
  EXPECT_NE(out.find("43 132"), std::string::npos) << out;
  EXPECT_THROW(p->resize(0, 10), Error);
}

TEST(Pty, KillGroupKillsBackgroundChildren) {
  // A non-interactive shell (its background job shares the process group) and an interactive
  // one (job control gives the job its own group; the session scan finds it).
  for (bool interactive : {false, true}) {
    PtyOptions o = bash_options();
    if (!interactive) o.argv = {"bash", "-c", "sleep 1000 & echo bg=$!; wait"};
    auto p = PtyProcess::spawn(o);
    if (interactive) {
      read_until(*p, "> ");
      p->write("sleep 1000 & echo bg=$!\r");
    }
    // "bg=<digits>" (the terminal also echoes the command line, "bg=$!").
    std::string out;
    pid_t bg = 0;
    for (int i = 0; i < 200 && bg == 0 && !p->eof(); ++i) {
      out += p->read(50);
      for (size_t at = out.find("bg="); at != std::string::npos; at = out.find("bg=", at + 1))
        if (at + 3 < out.size() && std::isdigit(static_cast<unsigned char>(out[at + 3])) &&
            out.find('\n', at) != std::string::npos)
          bg = static_cast<pid_t>(std::stol(out.substr(at + 3)));
    }
    ASSERT_GT(bg, 0) << out;
    pid_t shell = p->pid();
    EXPECT_TRUE(running(bg));
    EXPECT_FALSE(session_processes(shell).empty());

    p->kill_group();
    EXPECT_EQ(p->wait(5000), 128 + SIGKILL);
    for (int i = 0; i < 100 && running(bg); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(running(bg)) << "interactive=" << interactive;
    EXPECT_TRUE(session_processes(shell).empty());
  }
}

TEST(Pty, DestructorLeavesNothingRunning) {
  PtyOptions o;
  o.argv = {"sh", "-c", "sleep 1000 & sleep 1000"};
  pid_t shell;
  {
    auto p = PtyProcess::spawn(o);
    shell = p->pid();
    for (int i = 0; i < 100 && session_processes(shell).size() < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_GE(session_processes(shell).size(), 2u);
  }
  for (int i = 0; i < 100 && !session_processes(shell).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(session_processes(shell).empty());
  EXPECT_FALSE(running(shell));
}

TEST(Pty, MissingProgramIsAClearError) {
  PtyOptions o;
  o.argv = {"nc-no-such-program-xyz"};
  try {
    PtyProcess::spawn(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run 'nc-no-such-program-xyz': No such file or directory"),
              std::string::npos)
        << e.what();
  }
  // A path that exists but cannot be executed fails in the child and comes back through the pipe.
  test::TempDir dir;
  const std::string plain = dir.file("not-executable");
  test::write_text(plain, "just text\n");
  ::chmod(plain.c_str(), 0644);
  o.argv = {plain};
  try {
    PtyProcess::spawn(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run '" + plain + "': Permission denied"), std::string::npos)
        << e.what();
  }
  o.argv = {"/bin/true"};
  o.cwd = "/no/such/dir";
  EXPECT_THROW(PtyProcess::spawn(o), Error);
  o.argv = {};
  EXPECT_THROW(PtyProcess::spawn(o), Error);
}

TEST(Pty, ResourceLimitsApplyInTheChild) {
  PtyOptions o;
  o.argv = {"sh", "-c", "ulimit -t; ulimit -v"};
  o.limit_cpu_seconds = 7;
  o.limit_address_space_bytes = uint64_t(512) << 20;
  auto p = PtyProcess::spawn(o);
  std::string out = read_until(*p, "524288");
  EXPECT_NE(out.find("7"), std::string::npos) << out;
  EXPECT_NE(out.find("524288"), std::string::npos) << out;
  EXPECT_EQ(p->wait(5000), 0);
}

TEST(Pty, EnvironmentAndWorkingDirectory) {
  PtyOptions o;
  o.argv = {"sh", "-c", "echo \"v=$NC_PTY_TEST\"; pwd; echo \"home=${HOME:-unset}\""};
  o.env = {{"NC_PTY_TEST", "x1"}};
  o.cwd = "/tmp";
  auto p = PtyProcess::spawn(o);
  std::string out = read_until(*p, "home=");
  out += read_until(*p, "\n", 2000);
  EXPECT_NE(out.find("v=x1"), std::string::npos) << out;
  EXPECT_NE(out.find("/tmp"), std::string::npos) << out;
  EXPECT_NE(out.find("home=unset"), std::string::npos) << out;  // not inherited by default
}

}  // namespace
}  // namespace nc::term
