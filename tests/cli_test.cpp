// The nc binary end to end: exit codes and one-line errors.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "nc/core/file_util.h"
#include "test_util.h"

namespace nc {
namespace {

using test::run_nc;

int lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

TEST(Cli, HelpListsSubcommands) {
  auto r = run_nc({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* sub : {"version", "config", "bench", "data"})
    EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  for (const char* sub : {"version", "config", "bench"}) {
    auto h = run_nc({sub, "--help"});
    EXPECT_EQ(h.exit_code, 0) << sub;
    EXPECT_NE(h.out.find("Usage"), std::string::npos) << sub;
  }
}

TEST(Cli, VersionReportsTorchAndBlas) {
  auto r = run_nc({"version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("LibTorch"), std::string::npos);
  EXPECT_NE(r.out.find("BLAS"), std::string::npos);
  EXPECT_NE(r.out.find("CUDA"), std::string::npos);
  auto j = run_nc({"version", "--json"});
  EXPECT_EQ(j.exit_code, 0);
  EXPECT_TRUE(nlohmann::json::parse(j.out).contains("blas"));
}

TEST(Cli, UnknownSubcommandAndFlagAreOneLineUsageErrors) {
  auto r = run_nc({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("unknown subcommand 'frobnicate'"), std::string::npos) << r.err;

  r = run_nc({"versoin"});
  EXPECT_NE(r.err.find("did you mean 'version'"), std::string::npos) << r.err;

  r = run_nc({"version", "--frob"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("--frob"), std::string::npos) << r.err;

  r = run_nc({"config", "nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown subcommand 'nope'"), std::string::npos) << r.err;

  r = run_nc({});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, ConfigShowResolvesFileAndOverrides) {
  auto r = run_nc({"config", "show", "--config", test::source_path("configs/tiny.yaml"), "--set",
                   "run.seed=42", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["run"]["seed"], 42);
}

TEST(Cli, BadConfigIsAOneLineErrorNamingKeyAndFile) {
  test::TempDir dir;
  test::write_text(dir.file("bad.yaml"), "run:\n  seeed: 1\n");
  auto r = run_nc({"config", "show", "--config", dir.file("bad.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("bad.yaml:2: run.seeed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'run.seed'"), std::string::npos) << r.err;

  r = run_nc({"config", "show", "--set", "run.threads=-1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("run.threads"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("out of range"), std::string::npos) << r.err;
}

TEST(Cli, BenchGemmWritesJson) {
  test::TempDir dir;
  auto r = run_nc({"bench", "gemm", "--sizes", "64", "--repeats", "1", "--out", dir.file("g.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(read_file(dir.file("g.json")));
  EXPECT_GT(j["results"][0]["gflops"].get<double>(), 0);
}

}  // namespace
}  // namespace nc
