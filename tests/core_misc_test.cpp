// core: errors, strings, files, progress, system info, device choice.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "nc/core/bench.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/progress.h"
#include "nc/core/run_config.h"
#include "nc/core/strings.h"
#include "nc/core/system_info.h"
#include "test_util.h"

namespace nc {
namespace {

TEST(Error, ComposesOneLine) {
  Error e("bad value\nsecond line", "cfg.yaml:3: a.b", "use 1");
  EXPECT_STREQ(e.what(), "cfg.yaml:3: a.b: bad value second line (use 1)");
  EXPECT_STREQ(Error("x").within("outer").what(), "outer: x");
  EXPECT_STREQ(Error("x", "inner").within("outer").what(), "outer: inner: x");
  EXPECT_EQ(at_line("f", 0), "f");
  EXPECT_EQ(at_line("f", 7), "f:7");
}

TEST(Strings, EditDistanceAndClosest) {
  EXPECT_EQ(edit_distance(std::string("kitten"), std::string("sitting")), 3u);
  EXPECT_EQ(edit_distance(std::string(""), std::string("abc")), 3u);
  EXPECT_EQ(edit_distance(std::u32string(U"héllo"), std::u32string(U"hello")), 1u);
  EXPECT_EQ(closest_match("optm", {"optim", "steps"}), "optim");
  EXPECT_EQ(closest_match("zzzzzz", {"optim", "steps"}), "");
  EXPECT_EQ(split("a.b..c", '.'), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(trim("  x y \n"), "x y");
}

TEST(Files, AtomicWriteReplacesWhole) {
  test::TempDir dir;
  write_file_atomic(dir.file("f"), "one");
  write_file_atomic(dir.file("f"), "two two");
  EXPECT_EQ(read_file(dir.file("f")), "two two");
  {
    AtomicFileWriter w(dir.file("f"));
    w.write("partial", 7);
  }  // destroyed without commit: the old content stays, no temporary is left
  EXPECT_EQ(read_file(dir.file("f")), "two two");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
  EXPECT_THROW(read_file(dir.file("missing")), Error);
}

TEST(Progress, PlainLinesWhenNotATerminal) {
  test::TempDir dir;
  FILE* f = std::fopen(dir.file("log").c_str(), "w");
  {
    Progress p("train", 4, "step");
    p.set_stream(f, /*is_tty=*/false);
    p.set_plain_interval(0);
    p.set_status("loss 0.5");
    p.advance();
    p.advance(3);
  }
  std::fclose(f);
  std::string log = read_file(dir.file("log"));
  EXPECT_EQ(log.find('\r'), std::string::npos);
  EXPECT_NE(log.find("train 1/4 (25%)"), std::string::npos) << log;
  EXPECT_NE(log.find("train 4/4 (100%)"), std::string::npos) << log;
  EXPECT_NE(log.find("loss 0.5"), std::string::npos) << log;
  EXPECT_NE(log.find("step/s"), std::string::npos) << log;
  EXPECT_EQ(Progress::format_duration(3725), "1:02:05");
  EXPECT_EQ(Progress::format_duration(65), "1:05");
}

TEST(Progress, TimeLimitBoundsTheEta) {
  test::TempDir dir;
  FILE* f = std::fopen(dir.file("log").c_str(), "w");
  {
    Progress p("train", 1000000, "step");
    p.set_stream(f, /*is_tty=*/false);
    p.set_plain_interval(0);
    p.set_time_limit(90);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    p.advance();  // ~50 steps/s: 5.5 hours by the step count, 1:30 by the limit
  }
  std::fclose(f);
  const std::string log = read_file(dir.file("log"));
  EXPECT_NE(log.find("ETA 1:30"), std::string::npos) << log;
}

TEST(SystemInfo, ReportsAnOptimizedBlasAndThreads) {
  apply_threads(0);
  SystemInfo info = system_info();
  EXPECT_FALSE(info.torch_version.empty());
  EXPECT_TRUE(info.blas.optimized) << info.blas.name << " " << info.blas.library;
  EXPECT_EQ(info.threads, available_cores());
  EXPECT_NE(to_text(info).find("BLAS"), std::string::npos);
}

TEST(Device, CpuAlwaysAndClearErrorsOtherwise) {
  EXPECT_EQ(pick_device("cpu").type(), c10::kCPU);
  EXPECT_THROW(pick_device("cuda:99"), Error);  // no machine has 100 GPUs
  EXPECT_THROW(pick_device("tpu"), Error);
}

TEST(Bench, GemmMeasuresSomething) {
  auto r = bench::gemm(64, 2);
  EXPECT_EQ(r.n, 64);
  EXPECT_GT(r.gflops, 0);
  EXPECT_THROW(bench::gemm(0, 1), Error);
}

}  // namespace
}  // namespace nc
