#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/safetensors.h"
#include "test_util.h"

namespace nc {
namespace {

using test::TempDir;

std::string with_header(const std::string& header_json, const std::string& data) {
  uint64_t n = header_json.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + header_json + data;
}

std::string error_opening(const std::string& path) {
  try {
    safetensors::File::open(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, RoundTripEveryDtype) {
  TempDir dir;
  at::manual_seed(0);
  safetensors::NamedTensors tensors = {
      {"f32", at::randn({3, 4})},
      {"f64", at::randn({2, 2}, at::kDouble)},
      {"f16", at::randn({5}).to(at::kHalf)},
      {"bf16", at::randn({2, 3, 2}).to(at::kBFloat16)},
      {"i64", at::arange(10, at::kLong)},
      {"i32", at::randint(-100, 100, {4}, at::kInt)},
      {"i16", at::randint(-100, 100, {4}, at::kShort)},
      {"i8", at::randint(-100, 100, {3}, at::kChar)},
      {"u8", at::randint(0, 255, {7}, at::kByte)},
      {"bool", at::randint(0, 2, {6}, at::kLong).to(at::kBool)},
      {"scalar", at::randn({})},
      {"empty", at::randn({0, 3})},
      {"transposed", at::randn({3, 5}).t()},
  };
  std::map<std::string, std::string> meta = {{"format", "pt"}, {"step", "12"}};
  safetensors::save(dir.file("a.safetensors"), tensors, meta);

  auto f = safetensors::File::open(dir.file("a.safetensors"));
  EXPECT_EQ(f.metadata(), meta);
  EXPECT_EQ(f.tensors().size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    ASSERT_TRUE(f.contains(name)) << name;
    at::Tensor loaded = f.load(name), viewed = f.view(name);
    EXPECT_EQ(loaded.scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(loaded.sizes(), t.sizes()) << name;
    EXPECT_TRUE(at::equal(loaded, t)) << name;
    EXPECT_TRUE(at::equal(viewed, t)) << name;
  }
  EXPECT_TRUE(!file_exists(dir.file("a.safetensors.tmp-" + std::to_string(getpid()))));
}

TEST(Safetensors, ViewOutlivesFileAndIsCopyOnWrite) {
  TempDir dir;
  at::Tensor original = at::arange(8, at::kFloat);
  safetensors::save(dir.file("a.safetensors"), {{"x", original}});
  at::Tensor view;
  {
    auto f = safetensors::File::open(dir.file("a.safetensors"));
    view = f.view("x");
  }
  view.mul_(2);  // the mapping is private: this must not crash nor change the file
  EXPECT_TRUE(at::equal(view, original * 2));
  auto again = safetensors::File::open(dir.file("a.safetensors"));
  EXPECT_TRUE(at::equal(again.load("x"), original));
}

TEST(Safetensors, LayoutMatchesTheFormat) {
  std::string bytes = safetensors::serialize({{"b", at::arange(2, at::kFloat)}, {"a", at::ones({1}, at::kByte)}});
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);  // data starts 8-aligned
  std::string header = bytes.substr(8, n);
  auto j = nlohmann::json::parse(header);
  EXPECT_EQ(j["b"]["dtype"], "F32");
  EXPECT_EQ(j["b"]["data_offsets"], (std::vector<int>{0, 8}));
  EXPECT_EQ(j["a"]["data_offsets"], (std::vector<int>{8, 9}));
  EXPECT_EQ(bytes.size(), 8 + n + 9);
}

TEST(Safetensors, ReadsAHandWrittenFile) {
  TempDir dir;
  float values[2] = {1.5f, -2.0f};
  std::string data(reinterpret_cast<const char*>(values), 8);
  write_file_atomic(dir.file("h.safetensors"),
                    with_header(R"({"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data));
  auto f = safetensors::File::open(dir.file("h.safetensors"));
  at::Tensor w = f.load("w");
  EXPECT_FLOAT_EQ(w[0].item<float>(), 1.5f);
  EXPECT_FLOAT_EQ(w[1].item<float>(), -2.0f);
  EXPECT_EQ(f.metadata().at("k"), "v");
}

TEST(Safetensors, CorruptFilesGiveClearErrors) {
  TempDir dir;
  const std::string good = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string data8(8, '\0');
  struct Case {
    const char* name;
    std::string bytes;
    const char* expect;
  };
  uint64_t huge = 1ull << 40;
  std::vector<Case> cases = {
      {"empty", "", "too short"},
      {"short", "abc", "too short"},
      {"huge_header", std::string(reinterpret_cast<const char*>(&huge), 8) + "{}", "implausible"},
      {"header_past_end", with_header(good, data8).substr(0, 20), "truncated"},
      {"data_truncated", with_header(good, data8.substr(0, 4)), "truncated"},
      {"not_json", with_header("{not json}", ""), "not valid JSON"},
      {"not_object", with_header("[1,2]", ""), "not a JSON object"},
      {"bad_dtype", with_header(R"({"w":{"dtype":"F8","shape":[2],"data_offsets":[0,2]}})", "ab"), "unsupported dtype"},
      {"size_mismatch", with_header(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data8), "need 12"},
      {"negative_dim", with_header(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data8), "negative"},
      {"reversed_offsets", with_header(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}})", data8), "begin after"},
      {"overlap", with_header(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})", data8), "overlaps"},
      {"gap", with_header(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}})", data8), "gap"},
      {"trailing", with_header(good, data8 + "xx"), "no tensor describes"},
      {"bad_meta", with_header(R"({"__metadata__":{"k":1}})", ""), "must be strings"},
      {"missing_offsets", with_header(R"({"w":{"dtype":"F32","shape":[2]}})", data8), "data_offsets"},
      {"overflow", with_header(R"({"w":{"dtype":"F64","shape":[4611686018427387904,8],"data_offsets":[0,8]}})", data8), "overflow"},
  };
  for (const auto& c : cases) {
    std::string path = dir.file(std::string(c.name) + ".safetensors");
    write_file_atomic(path, c.bytes);
    std::string msg = error_opening(path);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.name << ": " << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << c.name << ": " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << c.name;
  }
  EXPECT_NE(error_opening(dir.file("does-not-exist")).find("cannot open"), std::string::npos);
}

TEST(Safetensors, EveryTruncationAndByteFlipIsHandled) {
  TempDir dir;
  std::string good = safetensors::serialize({{"a", at::randn({3})}, {"b", at::arange(4, at::kLong)}},
                                            {{"m", "x"}});
  const std::string path = dir.file("t.safetensors");
  for (size_t len = 0; len < good.size(); ++len) {
    write_file_atomic(path, good.substr(0, len));
    EXPECT_FALSE(error_opening(path).empty()) << "truncated to " << len << " bytes was accepted";
  }
  std::mt19937 rng(1);
  for (int i = 0; i < 300; ++i) {
    std::string bad = good;
    size_t pos = rng() % std::min<size_t>(bad.size(), 120);
    bad[pos] = static_cast<char>(rng());
    write_file_atomic(path, bad);
    try {
      auto f = safetensors::File::open(path);
      for (const auto& t : f.tensors()) f.load(t.name);
    } catch (const Error&) {
    }
  }
}

TEST(Safetensors, WriteErrors) {
  TempDir dir;
  std::string msg;
  try {
    safetensors::save(dir.file("no/such/dir/x.safetensors"), {{"a", at::ones({1})}});
  } catch (const Error& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("cannot create"), std::string::npos) << msg;
  try {
    safetensors::save(dir.file("x.safetensors"), {{"a", at::ones({1})}, {"a", at::ones({1})}});
    msg.clear();
  } catch (const Error& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("duplicate tensor name 'a'"), std::string::npos) << msg;
  EXPECT_FALSE(file_exists(dir.file("x.safetensors")));
}

}  // namespace
}  // namespace nc
