// nc vae reconstruct and nc vae font-study end to end on a tiny checkpoint trained here from
// configs/vae-tiny.yaml (two steps), and their one-line errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nc/config.h"
#include "nc/core/file_util.h"
#include "nc/data/shard.h"
#include "nc/train/trainer.h"
#include "test_util.h"

namespace nc {
namespace {

using Json = nlohmann::json;
using test::run_nc;

// Clips of `frames` frames: a dark screen with light bars that grow line by line.
void write_text_shards(const std::string& dir, int clips, int frames, int width, int height) {
  data::ShardSetWriter w(dir, 4);
  for (int c = 0; c < clips; ++c) {
    data::Clip clip;
    clip.id = "clip_" + std::to_string(c);
    for (int k = 0; k < frames; ++k) {
      Image img(width, height, 30, 30, 46);
      for (int line = 0; line <= k % (height / 8); ++line)
        for (int x = 2; x < 2 + (7 * (line + c + 1)) % (width - 4); ++x)
          for (int y = line * 8 + 2; y < line * 8 + 6; ++y) std::fill_n(img.pixel(x, y), 3, uint8_t(220));
      clip.frames.push_back(img);
    }
    clip.captions = {"bars", "light bars on a dark screen", "light bars grow line by line"};
    w.add(clip);
  }
  w.finish();
}

// One tiny VAE run shared by the tests of this file (two steps of configs/vae-tiny.yaml).
class CliVae : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    write_text_shards(dir_->file("shards"), 3, 9, 32, 24);
    Config c = config::load<Config>(test::source_path("configs/vae-tiny.yaml"),
                                    {"data.train=" + dir_->file("shards"), "train.steps=2", "train.eval_every=0",
                                     "train.max_minutes=0", "run.threads=1", "data.val_every=0"});
    train::TrainerOptions o;
    o.run_dir = dir_->file("run");
    train::Trainer(c, o).run();
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string file(const std::string& name) { return dir_->file(name); }
  static test::TempDir* dir_;
};
test::TempDir* CliVae::dir_ = nullptr;

TEST_F(CliVae, ReconstructWritesScoresAndVideos) {
  auto r = run_nc({"vae", "reconstruct", "--ckpt", file("run"), "--shards", file("shards"), "--out", file("rec"),
                   "--clips", "2", "--frames", "5", "--set", "run.threads=1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json doc = Json::parse(read_file(file("rec/reconstruct.json")));
  ASSERT_EQ(doc["clips"].size(), 2u);
  // The latents' statistics, as the two overrides scripts pass on, one value per channel.
  const std::string overrides = read_file(file("rec/latent_overrides.txt"));
  ASSERT_EQ(doc["latent"]["std"].size(), 4u);
  EXPECT_EQ(overrides.rfind("model.vae.latent_mean=[", 0), 0u) << overrides;
  EXPECT_NE(overrides.find("\nmodel.vae.latent_std=["), std::string::npos) << overrides;
  EXPECT_GT(doc["latent"]["std"][0].get<double>(), 0);
  EXPECT_GT(doc["overall"]["flat_psnr"].get<double>(), 0);
  double sum = 0;
  for (const auto& c : doc["clips"]) {
    EXPECT_EQ(c["frames"], 5);
    EXPECT_EQ(c["width"], 32);
    EXPECT_EQ(c["height"], 24);
    EXPECT_TRUE(std::isfinite(c["psnr"].get<double>()));
    EXPECT_GT(c["psnr"].get<double>(), 0);
    EXPECT_LE(c["psnr_min"].get<double>(), c["psnr"].get<double>());
    EXPECT_GT(c["ssim"].get<double>(), -1);
    EXPECT_LE(c["ssim"].get<double>(), 1);
    EXPECT_TRUE(file_exists(file("rec/" + c["video"].get<std::string>())));
    sum += c["psnr"].get<double>();
  }
  EXPECT_NEAR(doc["overall"]["psnr"].get<double>(), sum / 2, 1e-9);
  EXPECT_EQ(doc["overall"]["frames"], 10);
  EXPECT_GT(doc["overall"]["encode_fps"].get<double>(), 0);
  const std::string md = read_file(file("rec/reconstruct.md"));
  EXPECT_NE(md.find("| clip_0 | 5 | 32x24 |"), std::string::npos) << md;
  EXPECT_NE(md.find("**overall** (2 clips)"), std::string::npos) << md;
  EXPECT_NE(r.out.find("**overall**"), std::string::npos);
  EXPECT_TRUE(file_exists(file("rec/config.yaml")));

  // Without --frames each clip gives the most 1 + 4k frames it has (9 of 9).
  r = run_nc({"vae", "reconstruct", "--ckpt", file("run"), "--shards", file("shards"), "--out", file("rec9"),
              "--clips", "1", "--no-videos", "--set", "run.threads=1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json doc9 = Json::parse(read_file(file("rec9/reconstruct.json")));
  EXPECT_EQ(doc9["clips"][0]["frames"], 9);
  EXPECT_EQ(doc9["clips"][0]["video"], "");
}

#ifdef NC_WITH_TERM
TEST_F(CliVae, FontStudyScoresBothSizes) {
  auto r = run_nc({"vae", "font-study", "--ckpt", file("run"), "--out", file("fs"), "--cols", "24", "--rows", "3",
                   "--frames", "1", "--set", "run.threads=1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json doc = Json::parse(read_file(file("fs/font_study.json")));
  ASSERT_EQ(doc["sizes"].size(), 2u);
  const Json& big = doc["sizes"][0];
  const Json& small = doc["sizes"][1];
  EXPECT_EQ(big["font_px"], 13.0);
  EXPECT_EQ(small["font_px"], 6.0);
  for (const Json* s : {&big, &small}) {
    EXPECT_EQ((*s)["width"].get<int>() % 8, 0);
    EXPECT_EQ((*s)["height"].get<int>() % 8, 0);
    EXPECT_TRUE(std::isfinite((*s)["psnr"].get<double>()));
    EXPECT_TRUE(file_exists(file("fs/" + (*s)["png"].get<std::string>())));
    EXPECT_TRUE(file_exists(file("fs/" + (*s)["video"].get<std::string>())));
  }
  EXPECT_GT(big["width"].get<int>(), small["width"].get<int>());
  EXPECT_GT(big["height"].get<int>(), small["height"].get<int>());
#ifdef NC_WITH_OCR
  EXPECT_EQ(doc["ocr"], "tesseract");
  // Tesseract reads the clean 13 px rendering well: the ceiling the reconstruction is held to.
  EXPECT_GT(big["ocr_char_acc_original"].get<double>(), 0.8) << doc.dump(2);
  EXPECT_GE(big["ocr_char_acc"].get<double>(), 0.0);
  EXPECT_LE(big["ocr_char_acc"].get<double>(), 1.0);
#else
  EXPECT_EQ(doc["ocr"], "not built");
  EXPECT_TRUE(big["ocr_char_acc"].is_null());
#endif
  const std::string md = read_file(file("fs/font_study.md"));
  EXPECT_NE(md.find("| 13 px |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 6 px |"), std::string::npos) << md;

  r = run_nc({"vae", "font-study", "--ckpt", file("run"), "--out", file("fs2"), "--cols", "24", "--rows", "3",
              "--frames", "1", "--sizes", "9", "--no-ocr", "--no-videos", "--set", "run.threads=1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json doc2 = Json::parse(read_file(file("fs2/font_study.json")));
  EXPECT_EQ(doc2["ocr"], "off");
  ASSERT_EQ(doc2["sizes"].size(), 1u);
  EXPECT_TRUE(doc2["sizes"][0]["ocr_char_acc"].is_null());
  EXPECT_EQ(doc2["sizes"][0]["png"], "");
}
#endif

TEST_F(CliVae, ErrorsAreOneLine) {
  auto expect_error = [](const std::vector<std::string>& args, const std::string& text) {
    auto r = run_nc(args);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    // The error is the last line of stderr, whole (log lines may come before it).
    const size_t start = r.err.rfind('\n', r.err.size() - 2);
    const std::string last = r.err.substr(start == std::string::npos ? 0 : start + 1);
    EXPECT_NE(last.find("error: "), std::string::npos) << r.err;
    EXPECT_NE(last.find(text), std::string::npos) << r.err;
  };
  const std::vector<std::string> base = {"vae", "reconstruct", "--ckpt", file("run"), "--shards", file("shards")};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  expect_error(with({"--out", file("e1"), "--frames", "6"}), "--frames: frame count 6 is not 1 + 4k");
  expect_error(with({"--out", file("e2"), "--frames", "13", "--clip", "clip_2"}),
               "clip 'clip_2' has 9 frames, fewer than the 13 asked for");
  expect_error({"vae", "reconstruct", "--ckpt", file("nothing"), "--shards", file("shards"), "--out", file("e4")},
               "checkpoint not found");
#ifdef NC_WITH_TERM
  expect_error({"vae", "font-study", "--ckpt", file("run"), "--out", file("e6"), "--frames", "3"},
               "frame count 3 is not 1 + 4k");
#endif

  // Odd frame sizes: clips of 30x24 frames are not multiples of 8.
  write_text_shards(file("odd"), 1, 5, 30, 24);
  expect_error({"vae", "reconstruct", "--ckpt", file("run"), "--shards", file("odd"), "--out", file("e8")},
               "clip 'clip_0' has 30x24 frames, not multiples of the VAE's stride 8");
}

}  // namespace
}  // namespace nc
