#include <gtest/gtest.h>

#include "nc/config.h"
#include "nc/core/config.h"
#include "test_util.h"

namespace nc {
namespace {

using config::Document;
using test::TempDir;
using test::write_text;

struct OptimSection {
  double lr = 5e-5;
  std::string schedule = "cosine";
  std::vector<double> betas{0.9, 0.999};
  template <class V>
  void visit(V& v) {
    v("lr", lr, "learning rate", config::positive());
    v("schedule", schedule, "schedule", config::one_of({"cosine", "constant"}));
    v("betas", betas, "AdamW betas", config::between(0, 1));
  }
};

struct TrainSection {
  int64_t steps = 100;
  int warmup = 10;
  bool ema = false;
  OptimSection optim;
  template <class V>
  void visit(V& v) {
    v("steps", steps, "steps", config::at_least(1));
    v("warmup", warmup, "warmup steps", config::at_least(0));
    v("ema", ema, "keep an EMA");
    v("optim", optim, "optimizer");
  }
  void check(config::Checker& c) const {
    c.require(warmup <= steps, "warmup", "warmup must not exceed train.steps");
  }
};

struct TestConfig {
  std::string name = "x";
  TrainSection train;
  template <class V>
  void visit(V& v) {
    v("name", name, "name");
    v("train", train, "training");
  }
};

// Runs `fn`, expects an nc::Error, returns its one-line message.
template <class F>
std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg;
  }
  ADD_FAILURE() << "expected nc::Error";
  return "";
}

TEST(Config, DefaultsWithoutFile) {
  auto c = config::load<TestConfig>("", {});
  EXPECT_EQ(c.train.steps, 100);
  EXPECT_DOUBLE_EQ(c.train.optim.lr, 5e-5);
}

TEST(Config, YamlFileThenOverrides) {
  TempDir dir;
  write_text(dir.file("a.yaml"),
             "name: run1\ntrain:\n  steps: 500\n  optim:\n    lr: 1e-4\n    betas: [0.8, 0.95]\n");
  auto c = config::load<TestConfig>(dir.file("a.yaml"),
                                    {"train.steps=2e3", "train.optim.schedule=constant", "train.ema=true"});
  EXPECT_EQ(c.name, "run1");
  EXPECT_EQ(c.train.steps, 2000);
  EXPECT_DOUBLE_EQ(c.train.optim.lr, 1e-4);
  EXPECT_EQ(c.train.optim.betas, (std::vector<double>{0.8, 0.95}));
  EXPECT_EQ(c.train.optim.schedule, "constant");
  EXPECT_TRUE(c.train.ema);
}

TEST(Config, JsonFile) {
  TempDir dir;
  write_text(dir.file("a.json"), R"({"train": {"steps": 7, "warmup": 0, "optim": {"lr": 0.5}}})");
  auto c = config::load<TestConfig>(dir.file("a.json"), {});
  EXPECT_EQ(c.train.steps, 7);
  EXPECT_DOUBLE_EQ(c.train.optim.lr, 0.5);
}

TEST(Config, QuotedYamlScalarsStayStrings) {
  TempDir dir;
  write_text(dir.file("a.yaml"), "name: \"123\"\n");
  EXPECT_EQ(config::load<TestConfig>(dir.file("a.yaml"), {}).name, "123");
}

TEST(Config, UnknownKeyNamesKeyFileLineAndSuggests) {
  TempDir dir;
  write_text(dir.file("a.yaml"), "train:\n  steps: 5\n  optm:\n    lr: 1\n");
  std::string msg = error_of([&] { config::load<TestConfig>(dir.file("a.yaml"), {}); });
  EXPECT_NE(msg.find("a.yaml:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("train.optm"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'train.optim'"), std::string::npos) << msg;
}

TEST(Config, UnknownKeyFromSetNamesTheOverride) {
  std::string msg = error_of([] { config::load<TestConfig>("", {"train.stepz=3"}); });
  EXPECT_NE(msg.find("--set train.stepz=3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("train.steps"), std::string::npos) << msg;
}

TEST(Config, WrongTypeNamesKeyAndLine) {
  TempDir dir;
  write_text(dir.file("a.yaml"), "name: n\ntrain:\n  steps: lots\n");
  std::string msg = error_of([&] { config::load<TestConfig>(dir.file("a.yaml"), {}); });
  EXPECT_NE(msg.find("a.yaml:3: train.steps"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected an integer"), std::string::npos) << msg;

  msg = error_of([] { config::load<TestConfig>("", {"train.steps=1.5"}); });
  EXPECT_NE(msg.find("expected an integer"), std::string::npos) << msg;
  msg = error_of([] { config::load<TestConfig>("", {"train.ema=yes please"}); });
  EXPECT_NE(msg.find("expected true or false"), std::string::npos) << msg;
  msg = error_of([] { config::load<TestConfig>("", {"train=3"}); });
  EXPECT_NE(msg.find("expected a section"), std::string::npos) << msg;
  msg = error_of([] { config::load<TestConfig>("", {"train.optim.betas=0.5"}); });
  EXPECT_NE(msg.find("expected a list"), std::string::npos) << msg;
}

TEST(Config, OutOfRangeAndChoices) {
  std::string msg = error_of([] { config::load<TestConfig>("", {"train.optim.lr=0"}); });
  EXPECT_NE(msg.find("train.optim.lr"), std::string::npos) << msg;
  EXPECT_NE(msg.find("out of range (must be > 0)"), std::string::npos) << msg;

  msg = error_of([] { config::load<TestConfig>("", {"train.optim.betas=[0.9, 1.5]"}); });
  EXPECT_NE(msg.find("must be in [0, 1]"), std::string::npos) << msg;

  msg = error_of([] { config::load<TestConfig>("", {"train.optim.schedule=cosin"}); });
  EXPECT_NE(msg.find("did you mean 'cosine'"), std::string::npos) << msg;
}

TEST(Config, CrossFieldCheckNamesKey) {
  std::string msg = error_of([] { config::load<TestConfig>("", {"train.steps=5", "train.warmup=9"}); });
  EXPECT_NE(msg.find("train.warmup"), std::string::npos) << msg;
  EXPECT_NE(msg.find("must not exceed"), std::string::npos) << msg;
}

TEST(Config, BaseFileIsMergedUnderneath) {
  TempDir dir;
  write_text(dir.file("base.yaml"), "name: base\ntrain:\n  steps: 50\n  optim:\n    lr: 0.1\n");
  write_text(dir.file("child.yaml"), "base: base.yaml\ntrain:\n  optim:\n    lr: 0.2\n");
  auto c = config::load<TestConfig>(dir.file("child.yaml"), {});
  EXPECT_EQ(c.name, "base");
  EXPECT_EQ(c.train.steps, 50);
  EXPECT_DOUBLE_EQ(c.train.optim.lr, 0.2);

  write_text(dir.file("loop.yaml"), "base: loop.yaml\n");
  EXPECT_NE(error_of([&] { config::load_file(dir.file("loop.yaml")); }).find("cycle"),
            std::string::npos);
}

TEST(Config, SyntaxErrorsGiveFileAndLine) {
  TempDir dir;
  write_text(dir.file("bad.yaml"), "train:\n  steps: [1, 2\n  x: 3\n");
  std::string msg = error_of([&] { config::load_file(dir.file("bad.yaml")); });
  EXPECT_NE(msg.find("bad.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("invalid YAML"), std::string::npos) << msg;

  write_text(dir.file("bad.json"), "{\n  \"train\": {\n    \"steps\": 3,\n  }\n}\n");
  msg = error_of([&] { config::load_file(dir.file("bad.json")); });
  EXPECT_NE(msg.find("bad.json:4"), std::string::npos) << msg;

  msg = error_of([&] { config::load_file(dir.file("missing.yaml")); });
  EXPECT_NE(msg.find("not found"), std::string::npos) << msg;
  write_text(dir.file("list.yaml"), "- 1\n- 2\n");
  msg = error_of([&] { config::load_file(dir.file("list.yaml")); });
  EXPECT_NE(msg.find("top level"), std::string::npos) << msg;
}

TEST(Config, MalformedOverride) {
  EXPECT_NE(error_of([] { config::load<TestConfig>("", {"train.steps"}); }).find("KEY=VALUE"),
            std::string::npos);
  EXPECT_NE(error_of([] { config::load<TestConfig>("", {"train..steps=1"}); }).find("empty component"),
            std::string::npos);
  EXPECT_NE(error_of([] { config::load<TestConfig>("", {"name=a", "name.x=1"}); }).find("cannot set"),
            std::string::npos);
}

TEST(Config, ResolvedYamlRoundTrips) {
  TempDir dir;
  auto c = config::load<TestConfig>("", {"name=\"has: colon\"", "train.optim.lr=0.001", "train.steps=30"});
  auto json = config::to_json(c);
  config::write_yaml(dir.file("resolved.yaml"), json);
  auto again = config::load<TestConfig>(dir.file("resolved.yaml"), {});
  EXPECT_EQ(config::to_json(again), json);
  EXPECT_EQ(again.name, "has: colon");
}

TEST(Config, KeyListingCoversEveryLeaf) {
  auto keys = config::list_keys<TestConfig>();
  ASSERT_EQ(keys.size(), 7u);
  EXPECT_EQ(keys[4].path, "train.optim.lr");
  EXPECT_EQ(keys[4].type, "float");
  EXPECT_EQ(keys[4].constraint, "> 0");
}

TEST(Config, ShippedConfigsLoad) {
  for (const char* name : {"configs/tiny.yaml"}) {
    EXPECT_NO_THROW(config::load<Config>(test::source_path(name), {})) << name;
  }
}

TEST(Config, DeviceIsChecked) {
  std::string msg = error_of([] { config::load<Config>("", {"run.device=tpu"}); });
  EXPECT_NE(msg.find("run.device"), std::string::npos) << msg;
  EXPECT_EQ(pick_device("cpu").type(), c10::kCPU);
}

}  // namespace
}  // namespace nc
