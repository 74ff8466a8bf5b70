// The model section: shipped configs load, consistency rules hold, and the Wan-shaped configs
// have Wan2.1's parameter counts (built on the meta device: nothing is allocated).
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "nc/config.h"
#include "nc/model/dit.h"
#include "test_util.h"

namespace nc {
namespace {

TEST(ModelConfig, ShippedConfigsLoadAndAreConsistent) {
  for (const char* name : {"configs/tiny.yaml", "configs/small.yaml", "configs/wan-1.3b.yaml", "configs/wan-14b.yaml"})
    EXPECT_NO_THROW(config::load<Config>(test::source_path(name), {})) << name;
}

TEST(ModelConfig, MismatchedWidthsAreErrorsNamingTheKey) {
  try {
    config::load<Config>(test::source_path("configs/tiny.yaml"), {"model.dit.text_dim=64"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.dit.text_dim"), std::string::npos) << e.what();
  }
  EXPECT_THROW(config::load<Config>(test::source_path("configs/tiny.yaml"), {"model.dit.in_dim=4"}), Error);
}

TEST(ModelConfig, ScreenSkipNeedsX0Prediction) {
  const std::vector<std::string> skip = {"model.dit.i2v_fill=first", "model.dit.i2v_skip=true"};
  try {
    config::load<Config>(test::source_path("configs/tiny.yaml"), skip);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.dit.i2v_skip"), std::string::npos) << e.what();
  }
  std::vector<std::string> x0 = skip;
  x0.push_back("model.flow.prediction=x0");
  EXPECT_NO_THROW(config::load<Config>(test::source_path("configs/tiny.yaml"), x0));
}

TEST(ModelConfig, PerFrameNoiseNeedsACausalModel) {
  try {
    config::load<Config>(test::source_path("configs/tiny.yaml"), {"model.flow.frame_noise=per_frame"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.flow.frame_noise"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(config::load<Config>(test::source_path("configs/tiny.yaml"),
                                       {"model.flow.frame_noise=per_frame", "model.dit.causal=true"}));
}

TEST(ModelConfig, WanShapesHaveWansParameterCounts) {
  // Wan2.1's own module definitions give these totals (tests/data/wan21_dit_*_tensors.txt).
  const std::pair<const char*, double> cases[] = {{"configs/wan-1.3b.yaml", 1418996800.0},
                                                  {"configs/wan-14b.yaml", 16394878784.0}};
  for (const auto& [name, expected] : cases) {
    Config c = config::load<Config>(test::source_path(name), {});
    model::Dit dit(c.model.dit, at::TensorOptions().device(at::kMeta));
    const double n = static_cast<double>(dit->parameter_count());
    EXPECT_LT(std::abs(n - expected) / expected, 0.01) << name << ": " << n;
  }
}

TEST(ModelConfig, SummaryCommandReportsEveryComponent) {
  auto r = test::run_nc({"model", "summary", "--config", test::source_path("configs/wan-1.3b.yaml"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["dit"]["parameters"], 1418996800);
  EXPECT_EQ(j["text"]["parameters"], 5680910336);
  EXPECT_EQ(j["vae"]["parameters"], 126892531);
  EXPECT_TRUE(j["dit"]["groups"].contains("blocks"));
}

}  // namespace
}  // namespace nc
