// nc data record end to end: a real command recorded into a cast that nc and asciinema read.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "nc/core/file_util.h"
#include "nc/term/asciicast.h"
#include "nc/term/pty.h"
#include "test_util.h"

namespace nc {
namespace {
using namespace term;

// Runs nc with stdin from /dev/null, so that a test run from a terminal does not hand the
// recorder that terminal.
test::RunResult run_nc_no_stdin(const std::vector<std::string>& args) {
  int saved = ::dup(STDIN_FILENO);
  int null_fd = ::open("/dev/null", O_RDONLY);
  ::dup2(null_fd, STDIN_FILENO);
  ::close(null_fd);
  test::RunResult r = test::run_nc(args);
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  return r;
}

// Everything `argv` prints on a terminal (asciinema cat insists on having one).
std::string terminal_output(const std::vector<std::string>& argv) {
  PtyOptions o;
  o.argv = argv;
  o.inherit_env = true;
  auto p = PtyProcess::spawn(o);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!p->eof() && std::chrono::steady_clock::now() < deadline) out += p->read(100);
  return out;
}

TEST(CliDataRecord, RecordsACommand) {
  test::TempDir dir;
  const std::string cast_path = dir.file("sub/green.cast");
  auto r = run_nc_no_stdin({"data", "record", "--out", cast_path, "--cols", "100", "--rows", "30",
                            "--title", "green test", "--", "bash", "-c",
                            "printf \"\\033[1;32mgreen\\033[0m\\n\"; echo done; exit 3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("green"), std::string::npos) << r.out;  // mirrored as it runs
  EXPECT_NE(r.err.find("exited with status 3"), std::string::npos) << r.err;

  Cast c = read_cast(cast_path);
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.header.version, 2);
  EXPECT_EQ(c.header.width, 100);
  EXPECT_EQ(c.header.height, 30);
  EXPECT_EQ(c.header.title, "green test");
  EXPECT_EQ(c.header.env.at("TERM"), "xterm-256color");
  EXPECT_TRUE(c.header.env.count("SHELL"));
  EXPECT_GT(c.header.timestamp, 1.6e9);
  std::string output;
  double prev = 0;
  for (const auto& e : c.events) {
    EXPECT_EQ(e.type, 'o');
    EXPECT_GE(e.time, prev);
    prev = e.time;
    output += e.data;
  }
  EXPECT_NE(output.find("\x1b[1;32mgreen\x1b[0m"), std::string::npos) << output;
  EXPECT_NE(output.find("done"), std::string::npos) << output;
  EXPECT_LT(c.duration(), 30.0);

  // Debian's asciinema (2.x) reads it.
  if (access("/usr/bin/asciinema", X_OK) == 0) {
    std::string cat = terminal_output({"/usr/bin/asciinema", "cat", cast_path});
    EXPECT_NE(cat.find("done"), std::string::npos) << cat;
  }
}

TEST(CliDataRecord, IdleTimeLimitAndDefaults) {
  test::TempDir dir;
  const std::string cast_path = dir.file("idle.cast");
  auto r = run_nc_no_stdin({"data", "record", "-o", cast_path, "--idle-time-limit", "0.2", "--", "sh",
                            "-c", "echo a; sleep 1; echo b"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Cast c = read_cast(cast_path);
  EXPECT_EQ(c.header.width, 80);  // stdout is not a terminal here
  EXPECT_EQ(c.header.height, 24);
  EXPECT_EQ(c.header.idle_time_limit, 0.2);
  ASSERT_FALSE(c.events.empty());
  EXPECT_LT(c.duration(), 0.8);  // the one-second pause was cut to 0.2
  std::string output;
  for (const auto& e : c.events) output += e.data;
  EXPECT_NE(output.find("b"), std::string::npos);
}

TEST(CliDataRecord, Errors) {
  test::TempDir dir;
  auto r = run_nc_no_stdin({"data", "record", "--out", dir.file("x.cast"), "--", "nc-no-such-program-xyz"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot run 'nc-no-such-program-xyz'"), std::string::npos) << r.err;
  EXPECT_FALSE(file_exists(dir.file("x.cast")));

  r = run_nc_no_stdin({"data", "record", "--out", dir.file("x.cast")});
  EXPECT_EQ(r.exit_code, 2);  // no command
  r = run_nc_no_stdin({"data", "record", "--out", dir.file("x.cast"), "--cols", "0", "--", "true"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_nc_no_stdin({"data"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace nc
