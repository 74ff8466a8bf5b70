// nc data render / inspect end to end: shards, previews, PNG frames, resolved config, errors.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "nc/core/file_util.h"
#include "test_util.h"

namespace nc {
namespace {

using test::run_nc;

TEST(CliDataRender, RendersInspectsAndDumpsFrames) {
  test::TempDir dir;
  const std::string out = dir.file("shards");
  auto r = run_nc({"data", "render", test::source_path("data/casts/basics.cast"), "--out", out, "--set",
                   "clips.frames=9", "--set", "clips.preview_mp4=true", "--set", "render.font_size=10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rendered"), std::string::npos) << r.out;
  EXPECT_TRUE(file_exists(out + "/shards.json"));
  EXPECT_TRUE(file_exists(out + "/config.yaml"));
  EXPECT_TRUE(file_exists(out + "/previews/basics_0001.mp4"));
  auto summary = nlohmann::json::parse(read_file(out + "/summary.json"));
  EXPECT_GE(summary["clips"].get<int>(), 1);

  auto listing = run_nc({"data", "inspect", out});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  EXPECT_NE(listing.out.find("total: "), std::string::npos);

  auto one = run_nc({"data", "inspect", out, "--clip", "basics_0001", "--frames", dir.file("png")});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("caption:"), std::string::npos);
  EXPECT_NE(one.out.find("Hello, Neural Computer"), std::string::npos) << one.out;
  EXPECT_TRUE(file_exists(dir.file("png/basics_0001_0000.png")));
  EXPECT_TRUE(file_exists(dir.file("png/basics_0001_0008.png")));

  auto by_index = run_nc({"data", "inspect", out, "--clip", "0"});
  EXPECT_EQ(by_index.exit_code, 0) << by_index.err;
}

TEST(CliDataRender, ErrorsAreOneLine) {
  test::TempDir dir;
  auto r = run_nc({"data", "render", dir.file("missing.cast"), "--out", dir.file("o")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.cast"), std::string::npos) << r.err;
  r = run_nc({"data", "inspect", dir.file("nothing")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no such shard"), std::string::npos) << r.err;
  r = run_nc({"data", "render", test::source_path("data/casts"), "--out", dir.file("o"), "--set", "clips.frames=0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("clips.frames"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nc
