// data: the frame codec and clip shards (exact round trips, corrupt input, random access).
#include <gtest/gtest.h>

#include <random>

#include <ATen/ATen.h>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/data/frame_codec.h"
#include "nc/data/shard.h"
#include "test_util.h"

namespace nc::data {
namespace {

Image random_image(int w, int h, std::mt19937& rng, int flat_percent) {
  Image img(w, h, 30, 30, 46);
  for (size_t i = 0; i < img.rgb.size(); i += 3)
    if (static_cast<int>(rng() % 100) >= flat_percent)
      for (int c = 0; c < 3; ++c) img.rgb[i + c] = static_cast<uint8_t>(rng());
  return img;
}

TEST(FrameCodec, KeyAndDeltaFramesRoundTripExactly) {
  std::mt19937 rng(3);
  for (int flat : {0, 50, 95, 100}) {
    Image a = random_image(37, 21, rng, flat), b = a;
    for (int k = 0; k < 20; ++k) b.rgb[rng() % b.rgb.size()] = static_cast<uint8_t>(rng());
    const size_t n = 37 * 21;
    std::string ka, db;
    encode_frame(a.rgb.data(), nullptr, n, ka);
    encode_frame(b.rgb.data(), a.rgb.data(), n, db);
    std::vector<uint8_t> da(3 * n), dbb(3 * n);
    decode_frame(ka, nullptr, n, da.data(), "test");
    decode_frame(db, da.data(), n, dbb.data(), "test");
    EXPECT_EQ(da, a.rgb) << flat;
    EXPECT_EQ(dbb, b.rgb) << flat;
    if (flat == 100) {
      EXPECT_LT(ka.size(), 10u);  // one run
    }
  }
  // An unchanged frame is a handful of bytes whatever its size.
  Image big(640, 384, 1, 2, 3);
  std::string d;
  encode_frame(big.rgb.data(), big.rgb.data(), 640 * 384, d);
  EXPECT_LT(d.size(), 8u);
}

TEST(FrameCodec, CorruptStreamsThrow) {
  Image a(8, 4, 9, 9, 9);
  a.rgb[5] = 1;
  std::string coded;
  encode_frame(a.rgb.data(), nullptr, 32, coded);
  std::vector<uint8_t> out(96);
  for (size_t len = 0; len < coded.size(); ++len)
    EXPECT_THROW(decode_frame(std::string_view(coded).substr(0, len), nullptr, 32, out.data(), "t"), Error) << len;
  EXPECT_THROW(decode_frame(coded + "x", nullptr, 32, out.data(), "t"), Error);
  EXPECT_THROW(decode_frame(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10), nullptr, 32, out.data(), "t"),
               Error);
  std::mt19937 rng(5);
  for (int i = 0; i < 500; ++i) {  // random bytes: an error or a decode, never a crash
    std::string junk(rng() % 40, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    try {
      decode_frame(junk, nullptr, 32, out.data(), "t");
    } catch (const Error&) {
    }
  }
}

Clip make_clip(const std::string& id, int frames, std::mt19937& rng) {
  Clip c;
  c.id = id;
  c.fps = 15;
  Image f = random_image(24, 16, rng, 90);
  for (int k = 0; k < frames; ++k) {
    f.rgb[rng() % f.rgb.size()] ^= 0xFF;
    c.frames.push_back(f);
    c.text.push_back({"line " + std::to_string(k), "ünïcödé ✓"});
  }
  c.events = {{0.0, 'o', "\x1b[31mhi\x1b[0m"}, {0.5, 'i', "\r"}};
  c.captions = {"semantic", "regular", "detailed"};
  c.info["data_info"] = {{"version", 2}};
  c.info["meta"] = {{"videogen", {{"screen_clears", 1}}}};
  c.tensors["actions"] = at::arange(frames * 3, at::kFloat).reshape({frames, 3});
  c.tensors["mask"] = at::ones({frames}, at::kBool);
  return c;
}

TEST(Shard, RoundTripIsExact) {
  test::TempDir dir;
  std::mt19937 rng(7);
  std::vector<Clip> clips = {make_clip("a_0001", 5, rng), make_clip("a_0002", 1, rng), make_clip("b_0001", 9, rng)};
  ShardWriter w(dir.file("x.ncshard"));
  for (const auto& c : clips) w.add(c);
  w.finish();

  ShardReader r(dir.file("x.ncshard"));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(*r.find("b_0001"), 2u);
  EXPECT_FALSE(r.find("zzz"));
  for (size_t i = 0; i < clips.size(); ++i) {
    Clip back = r.clip(i);
    const Clip& c = clips[i];
    EXPECT_EQ(back.id, c.id);
    EXPECT_EQ(back.frames.size(), c.frames.size());
    for (size_t k = 0; k < c.frames.size(); ++k) EXPECT_TRUE(back.frames[k] == c.frames[k]) << k;
    EXPECT_EQ(back.text, c.text);
    EXPECT_EQ(back.events, c.events);
    EXPECT_EQ(back.captions, c.captions);
    EXPECT_EQ(back.info, c.info);
    EXPECT_TRUE(at::equal(back.tensors.at("actions"), c.tensors.at("actions")));
    EXPECT_TRUE(at::equal(back.tensors.at("mask"), c.tensors.at("mask")));
    at::Tensor frames = r.frames(i);
    EXPECT_EQ(frames.sizes(), (std::vector<int64_t>{int64_t(c.frames.size()), 16, 24, 3}));
    EXPECT_EQ(frames[0][1][2][0].item<uint8_t>(), c.frames[0].pixel(2, 1)[0]);
  }
  EXPECT_EQ(r.record(0)["caption"], "regular");
}

TEST(Shard, BadClipsAreRejectedBeforeWriting) {
  test::TempDir dir;
  std::mt19937 rng(1);
  ShardWriter w(dir.file("x.ncshard"));
  Clip c = make_clip("a", 3, rng);
  c.frames[1] = Image(5, 5);
  EXPECT_THROW(w.add(c), Error);
  c = make_clip("a", 3, rng);
  c.text.pop_back();
  EXPECT_THROW(w.add(c), Error);
  c.id.clear();
  EXPECT_THROW(w.add(c), Error);
}

TEST(Shard, UnfinishedAndCorruptShardsGiveClearErrors) {
  test::TempDir dir;
  std::mt19937 rng(2);
  {
    ShardWriter w(dir.file("gone.ncshard"));
    w.add(make_clip("a", 2, rng));
  }  // never finished: nothing under the real name
  EXPECT_FALSE(file_exists(dir.file("gone.ncshard")));

  ShardWriter w(dir.file("ok.ncshard"));
  w.add(make_clip("a", 3, rng));
  w.finish();
  const std::string good = read_file(dir.file("ok.ncshard"));
  auto error_of = [&](const std::string& bytes) {
    write_file_atomic(dir.file("bad.ncshard"), bytes);
    try {
      ShardReader r(dir.file("bad.ncshard"));
      for (size_t i = 0; i < r.size(); ++i) r.clip(i);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of("garbage").find("not a clip shard"), std::string::npos);
  EXPECT_NE(error_of(good.substr(0, good.size() - 5)).find("truncated"), std::string::npos);
  for (size_t len = 0; len < good.size(); len += 7) EXPECT_FALSE(error_of(good.substr(0, len)).empty()) << len;
  std::mt19937 flip(9);
  for (int i = 0; i < 200; ++i) {  // damaged bytes: an error or a clean read, never a crash
    std::string bad = good;
    bad[flip() % bad.size()] = static_cast<char>(flip());
    error_of(bad);
  }
}

TEST(Shard, SetWriterRotatesShardsAndWritesManifest) {
  test::TempDir dir;
  std::mt19937 rng(4);
  ShardSetWriter set(dir.file("out"), 2, {{"note", "test"}});
  for (int i = 0; i < 5; ++i) set.add(make_clip("c" + std::to_string(i), 2, rng));
  EXPECT_EQ(set.finish(), 5u);
  auto files = shard_files(dir.file("out"));
  ASSERT_EQ(files.size(), 3u);
  size_t total = 0;
  for (const auto& f : files) total += ShardReader(f).size();
  EXPECT_EQ(total, 5u);
  auto manifest = nlohmann::json::parse(read_file(dir.file("out/shards.json")));
  EXPECT_EQ(manifest["clips"], 5);
  EXPECT_EQ(manifest["info"]["note"], "test");
  EXPECT_THROW(shard_files(dir.file("nothing")), Error);
}

}  // namespace
}  // namespace nc::data
