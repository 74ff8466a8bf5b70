// bench: `nc bench train` and `nc bench rollout` end to end on the tiny config, made as small as
// they go (the numbers themselves are in docs/BENCHMARKS.md; here, that they are produced and
// consistent).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "nc/core/file_util.h"
#include "test_util.h"

namespace nc {
namespace {

TEST(BenchTrain, OneRankRunAndLoaderAreMeasured) {
  test::TempDir dir;
  auto r = test::run_nc({"bench", "train", "--config", test::source_path("configs/tiny.yaml"), "--ranks", "1",
                         "--steps", "3", "--warmup", "1", "--clips", "4", "--loader-batches", "3", "--set",
                         "run.threads=1", "--set", "data.frames=5", "--set", "data.height=32", "--set", "data.width=48",
                         "--out", dir.file("train.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 rank(s):"), std::string::npos) << r.out;
  const auto doc = nlohmann::json::parse(read_file(dir.file("train.json")));
  ASSERT_EQ(doc["runs"].size(), 1u);
  const auto& run = doc["runs"][0];
  EXPECT_EQ(run["ranks"], 1);
  EXPECT_EQ(run["timed_steps"], 2);
  // batch 1 per step: samples/s is the inverse of the step time.
  EXPECT_NEAR(run["samples_per_s"].get<double>() * run["step_s"].get<double>(), 1.0, 1e-9);
  EXPECT_GT(doc["loader"]["batches_per_s"].get<double>(), 0);
  EXPECT_NEAR(doc["loader"]["ratio"].get<double>(),
              doc["loader"]["batches_per_s"].get<double>() * run["step_s"].get<double>(), 1e-6);
  EXPECT_EQ(doc["config"]["data"]["width"], 48);
  EXPECT_EQ(doc["config"]["data"]["val_every"], 0);  // every clip trains
}

TEST(BenchTrain, BadArgumentsAreClearErrors) {
  auto r = test::run_nc({"bench", "train", "--steps", "2", "--warmup", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--steps must exceed --warmup"), std::string::npos) << r.err;
}

TEST(BenchRollout, RowsPerSamplerAndStepsWithDecodeSeparated) {
  test::TempDir dir;
  auto r = test::run_nc({"bench", "rollout", "--config", test::source_path("configs/tiny.yaml"), "--steps", "1", "2",
                         "--samplers", "euler", "--chunks", "1", "--set", "data.frames=5", "--set", "run.threads=1",
                         "--set", "data.height=32", "--set", "data.width=48",
                         "--out", dir.file("rollout.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(read_file(dir.file("rollout.json")));
  ASSERT_EQ(doc["results"].size(), 2u);
  EXPECT_EQ(doc["chunk_frames"], 5);
  for (const auto& row : doc["results"]) {
    EXPECT_EQ(row["sampler"], "euler");
    const double total_ms = row["chunk_sample_ms"].get<double>() + row["chunk_decode_ms"].get<double>() +
                            row["chunk_condition_ms"].get<double>();
    EXPECT_GT(row["chunk_decode_ms"].get<double>(), 0);
    // 4 new frames per chunk: frames/s is 4 over the chunk's whole time, and larger without the decode.
    EXPECT_NEAR(row["frames_per_s"].get<double>(), 4.0 / (total_ms / 1e3), 1e-6 * row["frames_per_s"].get<double>());
    EXPECT_GT(row["frames_per_s_without_decode"].get<double>(), row["frames_per_s"].get<double>());
  }
  r = test::run_nc({"bench", "rollout", "--samplers", "heun", "--steps", "1", "--set", "data.frames=5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown sampler 'heun'"), std::string::npos) << r.err;
}

TEST(BenchStream, RowsPerStepsAndMemoryOverALongStream) {
  test::TempDir dir;
  auto r = test::run_nc({"bench", "stream", "--config", test::source_path("configs/tiny.yaml"), "--steps", "1", "2",
                         "--frames", "3", "--window", "2", "--seconds", "2", "--set", "data.frames=5", "--set",
                         "run.threads=1", "--set", "data.height=32", "--set", "data.width=48", "--out",
                         dir.file("stream.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(read_file(dir.file("stream.json")));
  ASSERT_EQ(doc["results"].size(), 2u);
  EXPECT_EQ(doc["window"], 2);
  for (const auto& row : doc["results"]) {
    EXPECT_GT(row["frames_per_s"].get<double>(), 0);
    EXPECT_GT(row["input_latency_ms"].get<double>(), 0);
    EXPECT_GT(row["cache_kib"].get<double>(), 0);
  }
  // The long stream's samples: once its window (2 frames) is full, the cache stays that size.
  const auto& memory = doc["memory"];
  ASSERT_GE(memory.size(), 3u);
  EXPECT_EQ(memory[1]["cache_kib"], memory.back()["cache_kib"]);
  EXPECT_GT(memory.back()["frames"].get<int>(), 0);

  // A model that follows actions streams with them (a click for the latency row).
  r = test::run_nc({"bench", "stream", "--config", test::source_path("configs/tiny.yaml"), "--steps", "1", "--frames",
                    "2", "--set", "data.frames=5", "--set", "run.threads=1", "--set", "data.height=32", "--set",
                    "data.width=48", "--set", "model.action.injection=residual", "--out", dir.file("actions.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto with_actions = nlohmann::json::parse(read_file(dir.file("actions.json")));
  EXPECT_EQ(with_actions["actions"], "residual");
  EXPECT_GT(with_actions["results"][0]["frames_per_s"].get<double>(), 0);
}

}  // namespace
}  // namespace nc
