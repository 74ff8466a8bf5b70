// nc ablate (eval/ablation.h) and rollouts that follow actions (infer/rollout.h), end to end
// on a few moving-square clips with a 4-step budget: one row per mode with the parameter
// overhead, metrics from held-out rollouts, files that survive, rows reused on a rerun, and a
// checkpoint with actions that refuses to roll out without them and follows the ones it gets.
#include <gtest/gtest.h>

#include <fstream>

#include <ATen/ops/equal.h>

#include "nc/config.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/data/dataset.h"
#include "nc/eval/ablation.h"
#include "nc/gui/synthetic_actions.h"
#include "nc/infer/rollout.h"
#include "nc/train/checkpoint.h"
#include "test_util.h"

namespace nc::eval {
namespace {

Config square_config(const std::string& data) {
  return config::load<Config>(test::source_path("configs/square.yaml"),
                              {"data.train=" + data, "data.frames=5", "data.height=16", "data.width=16",
                               "data.batch_size=4", "data.val_every=4", "train.steps=4", "train.log_every=1",
                               "train.ckpt_every=4", "train.eval_batches=1", "rollout.steps=2", "run.threads=1"});
}

TEST(Ablation, OneRowPerModeFromHeldOutRolloutsThatFollowActions) {
  test::TempDir dir;
  gui::SyntheticActionsOptions square;
  square.clips = 24;
  square.frames = 5;
  square.size = 16;
  square.square = 4;
  gui::write_synthetic_actions(square, dir.file("data"));
  const Config config = square_config(dir.file("data"));

  AblationOptions o;
  o.modes = {"none", "internal"};
  o.out = dir.file("ablation");
  o.metrics = {"psnr", "ssim"};
  const auto doc = run_ablation(config, o, at::kCPU);
  ASSERT_EQ(doc["rows"].size(), 2u);
  const auto& none = doc["rows"][0];
  const auto& internal = doc["rows"][1];
  EXPECT_EQ(none["mode"], "none");
  EXPECT_EQ(internal["mode"], "internal");
  EXPECT_GT(internal["parameters"].get<int64_t>(), none["parameters"].get<int64_t>());
  for (const auto& row : doc["rows"]) {
    EXPECT_EQ(row["steps"].get<int64_t>(), 4);
    EXPECT_GT(row["step_seconds"].get<double>(), 0);
    EXPECT_GT(row["clips"].get<int64_t>(), 0);
    EXPECT_GT(row["psnr"].get<double>(), 0);
    EXPECT_GT(row["ssim"].get<double>(), -1);
  }
  const std::string md = read_file(dir.file("ablation/ablation.md"));
  EXPECT_NE(md.find("| none | " + std::to_string(none["parameters"].get<int64_t>()) + " |"), std::string::npos) << md;
  EXPECT_NE(md.find("| internal | " + std::to_string(internal["parameters"].get<int64_t>()) + " (+"), std::string::npos)
      << md;
  EXPECT_TRUE(file_exists(dir.file("ablation/internal/eval/eval.json")));
  EXPECT_TRUE(file_exists(dir.file("ablation/ablation.json")));

  // A finished mode is kept, not trained again.
  auto row = nlohmann::json::parse(read_file(dir.file("ablation/none/row.json")));
  row["steps"] = 12345;
  write_file_atomic(dir.file("ablation/none/row.json"), row.dump());
  o.modes = {"none"};
  EXPECT_EQ(run_ablation(config, o, at::kCPU)["rows"][0]["steps"].get<int64_t>(), 12345);

  // The internal checkpoint needs actions, and its frames depend on them.
  const auto ckpt = train::latest_checkpoint(dir.file("ablation/internal"));
  ASSERT_TRUE(ckpt.has_value());
  const Config trained = config::load<Config>(*ckpt + "/config.yaml", {});
  infer::RolloutEngine engine(trained, *ckpt, at::kCPU);
  ASSERT_TRUE(engine.uses_actions());
  const data::Sample s = data::ShardDataset(dir.file("data")).get(0);
  const at::Tensor first = data::prepare_video(s.frames, 5, 16, 16).select(1, 0);
  try {
    engine.generate_chunk(first, "", 5, 0, trained.rollout);
    FAIL() << "a rollout without actions must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("follows actions"), std::string::npos) << e.what();
  }
  const model::ActionInputs logged = model::ActionInputs::from_tensors(s.tensors, trained.model.action).unsqueeze_batch();
  model::ActionInputs other = logged;
  other.types = at::zeros_like(logged.types);  // no key pressed at all
  const at::Tensor a = engine.generate_chunk(first, "", 5, 0, trained.rollout, logged);
  const at::Tensor b = engine.generate_chunk(first, "", 5, 0, trained.rollout, other);
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{3, 5, 16, 16}));
  EXPECT_FALSE(at::equal(a, b)) << "the trained action path must change the frames";
}

TEST(Ablation, BadModesAndStagesAreNamed) {
  test::TempDir dir;
  Config config = square_config(dir.file("nowhere"));
  AblationOptions o;
  o.out = dir.file("out");
  o.modes = {"none", "sideways"};
  try {
    run_ablation(config, o, at::kCPU);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown injection mode 'sideways'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--modes"), std::string::npos) << e.what();
  }
  o.modes = {"none"};
  config.train.stage = "vae";
  try {
    run_ablation(config, o, at::kCPU);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("train.stage"), std::string::npos) << e.what();
  }
}

TEST(Ablation, VariantsAreParsedAndCheckedBeforeAnyTraining) {
  const AblationVariant v =
      parse_variant("fourier: model.action.mouse=fourier; model.action.cursor.position_weight=1;");
  EXPECT_EQ(v.name, "fourier");
  EXPECT_EQ(v.overrides, (std::vector<std::string>{"model.action.mouse=fourier",
                                                   "model.action.cursor.position_weight=1"}));
  for (const char* bad : {"no-colon", ":a=1", "x:novalue", "a/b:x=1"})
    EXPECT_THROW(parse_variant(bad), Error) << bad;

  test::TempDir dir;
  const Config config = square_config(dir.file("nowhere"));
  AblationOptions o;
  o.out = dir.file("out");
  o.variants = {parse_variant("ok:model.action.injection=internal"),
                parse_variant("typo:model.action.mouze=fourier")};
  try {
    run_ablation(config, o, at::kCPU);
    FAIL() << "an unknown key must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mouze"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(file_exists(dir.file("out/ok/row.json"))) << "nothing trained before the check";
  o.variants = {parse_variant("internal:model.action.injection=internal")};
  o.modes = {"internal"};
  EXPECT_THROW(run_ablation(config, o, at::kCPU), Error) << "two rows with one name";
}

}  // namespace
}  // namespace nc::eval
