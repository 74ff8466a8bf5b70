// Cursor supervision (model/cursor_supervision.h, PAPER.md §1.3 and Exp 8): the reference
// stream, mask tags, the masked cursor loss, the soft-argmax position head and its targets
// against hand-computed values; the synthetic cursor clips against the cursor locator; the DiT
// stage with every cursor signal on, and a checkpoint with the reference stream that follows
// the logged cursor in its rollouts.
#include <gtest/gtest.h>

#include <cmath>

#include <ATen/ATen.h>

#include "nc/config.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/data/dataset.h"
#include "nc/eval/cursor_accuracy.h"
#include "nc/gui/cursor.h"
#include "nc/gui/synthetic_actions.h"
#include "nc/infer/rollout.h"
#include "nc/model/cursor_supervision.h"
#include "nc/train/checkpoint.h"
#include "nc/train/trainer.h"
#include "test_util.h"

namespace nc::model {
namespace {

TEST(CursorSupervision, ReferenceStreamIsTheFirstFrameThenTheSpriteAlone) {
  CursorSupervisionOptions o;
  o.size = 8;
  const at::Tensor first = at::rand({1, 3, 16, 20}).mul(2).sub(1);
  // Frame 1 at pixel (10, 6) (x = 10 / 19, y = 6 / 15), frame 2 invalid.
  const at::Tensor xy = at::tensor({0.0f, 0.0f, 10.0f / 19, 6.0f / 15, 0.5f, 0.5f}).view({1, 3, 2});
  const at::Tensor valid = at::tensor({1, 1, 0}, at::kByte).view({1, 3});
  const CursorReference r = cursor_reference(first, xy, valid, o);
  ASSERT_EQ(r.images.sizes(), (std::vector<int64_t>{1, 3, 3, 16, 20}));
  ASSERT_EQ(r.masks.sizes(), (std::vector<int64_t>{1, 1, 3, 16, 20}));
  EXPECT_LE((r.images.select(2, 0) - first).abs().max().item<float>(), 1.0f / 127.5f)
      << "frame 0 is the frame";
  EXPECT_EQ(r.masks.select(2, 0).min().item<float>(), 1.0f);
  // Frame 1: the sprite's alpha placed with its hotspot at (10, 6), all of it inside the frame.
  const gui::CursorSprite sprite = gui::arrow_cursor(8);
  double alpha = 0;
  for (int i = 0; i < sprite.width * sprite.height; ++i)
    alpha += sprite.rgba[static_cast<size_t>(i * 4 + 3)] / 255.0;
  EXPECT_NEAR(r.masks.select(2, 1).sum().item<double>(), alpha, 1e-3);
  const auto [ox, oy] = gui::sprite_origin(sprite, 10, 6);
  EXPECT_EQ(r.masks[0][0][1].slice(0, 0, oy).sum().item<float>(), 0.0f)
      << "nothing above the sprite";
  EXPECT_EQ(r.masks[0][0][1].slice(1, 0, ox).sum().item<float>(), 0.0f) << "nothing left of it";
  // Outside the sprite, the neutral background #808080.
  EXPECT_NEAR(r.images[0][0][1][15][0].item<float>(), 128 / 127.5f - 1, 1e-6);
  // An invalid frame: background only, mask 0.
  EXPECT_EQ(r.masks.select(2, 2).sum().item<float>(), 0.0f);
  EXPECT_NEAR((r.images.select(2, 2) - (128 / 127.5f - 1)).abs().max().item<float>(), 0.0f, 1e-6);
}

TEST(CursorSupervision, MaskTagsPoolTheFramesOfEachLatentStep) {
  at::Tensor masks = at::zeros({1, 1, 9, 8, 8});
  masks[0][0][0][1][1] = 1;     // frame 0 -> step 0, cell (0, 0)
  masks[0][0][5][3][6] = 0.5;   // frame 5 -> step 2 (frames 5..8), cell (0, 1)
  masks[0][0][4][7][0] = 0.25;  // frame 4 -> step 1 (frames 1..4), cell (1, 0)
  const at::Tensor tags = mask_tags(masks, 4, 4);
  ASSERT_EQ(tags.sizes(), (std::vector<int64_t>{1, 1, 3, 2, 2}));
  const at::Tensor expected =
      at::tensor({1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.25f, 0.0f, 0.0f, 0.5f, 0.0f, 0.0f})
          .view({1, 1, 3, 2, 2});
  EXPECT_TRUE(at::equal(tags, expected)) << tags;
  // Frame-wise (c = 1): one step per frame.
  EXPECT_EQ(mask_tags(masks, 1, 4).size(2), 9);
  EXPECT_THROW(mask_tags(masks.narrow(2, 0, 8), 4, 4), Error);
}

TEST(CursorSupervision, MaskedLossWeighsTaggedCellsAfterTheFirstStep) {
  // z = 2 channels, 3 steps, 1 x 2 cells; errors: step 0 huge (ignored), step 1 cell 0 = 1,
  // step 2 cell 1 = 2 (both channels).
  at::Tensor x0 = at::zeros({1, 2, 3, 1, 2});
  at::Tensor est = x0.clone();
  est.select(2, 0).fill_(100);
  est.select(2, 1).select(3, 0).fill_(1);
  est.select(2, 2).select(3, 1).fill_(2);
  at::Tensor tags = at::zeros({1, 1, 3, 1, 2});
  tags.select(2, 0).fill_(1);
  tags[0][0][1][0][0] = 1;
  tags[0][0][2][0][1] = 0.5;
  // sum(w err^2) = 2 channels * (1 * 1 + 0.5 * 4) = 6; sum(w) * z = 1.5 * 2 = 3 -> 2.
  EXPECT_NEAR(masked_cursor_loss(est, x0, tags).item<double>(), 2.0, 1e-6);
  EXPECT_EQ(masked_cursor_loss(est, x0, at::zeros_like(tags)).item<double>(), 0.0);
}

TEST(CursorSupervision, SoftArgmaxAndItsTargets) {
  // A 2 x 4 token grid; a hot token at row 1, column 2 -> centre (2.5 / 4, 1.5 / 2).
  at::Tensor logits = at::zeros({1, 2, 8});
  logits[0][0][1 * 4 + 2] = 50;
  const at::Tensor p = soft_argmax_positions(logits, 2, 4);
  EXPECT_NEAR(p[0][0][0].item<double>(), 2.5 / 4, 1e-5);
  EXPECT_NEAR(p[0][0][1].item<double>(), 1.5 / 2, 1e-5);
  EXPECT_NEAR(p[0][1][0].item<double>(), 0.5, 1e-6) << "uniform logits: the grid's centre";
  EXPECT_NEAR(p[0][1][1].item<double>(), 0.5, 1e-6);

  // Targets: each step's last frame (c = 4: frames 0, 4, 8).
  const at::Tensor xy = at::arange(18, at::kFloat).view({1, 9, 2}) / 100;
  at::Tensor valid = at::ones({1, 9}, at::kByte);
  valid[0][4] = 0;
  const auto [target, ok] = cursor_at_steps(xy, valid, 3, 4);
  EXPECT_TRUE(
      at::allclose(target, at::tensor({0.0f, 0.01f, 0.08f, 0.09f, 0.16f, 0.17f}).view({1, 3, 2})));
  EXPECT_TRUE(at::equal(ok, at::tensor({1.0f, 0.0f, 1.0f}).view({1, 3})));
  EXPECT_THROW(cursor_at_steps(xy, valid, 4, 4), Error);

  // The loss: mean squared coordinate error over valid steps (step 1 ignored).
  const at::Tensor pred = target + at::tensor({0.1f, 0.0f, 5.0f, 5.0f, 0.0f, 0.3f}).view({1, 3, 2});
  EXPECT_NEAR(cursor_position_loss(pred, target, ok).item<double>(), (0.01 + 0.09) / 4, 1e-6);
}

// The synthetic cursor clips: the arrow drawn at the logged position, found there by the
// evaluation's locator; moves of at most `step` per axis; the tensors of imported GUI clips.
TEST(SyntheticCursor, TheArrowIsWhereTheLogSays) {
  gui::SyntheticActionsOptions o;
  o.task = "cursor";
  o.frames = 9;
  o.size = 48;
  o.cursor_size = 12;
  o.step = 6;
  o.press_probability = 0.8;
  const data::Clip clip = gui::synthetic_actions_clip(o, 2);
  ASSERT_EQ(clip.frames.size(), 9u);
  for (const char* name : {"mouse_trajectories", "cursor_valid", "cursor_screen", "action_types",
                           "ref_patch_xy", "ref_mask_patch", "ref_image_patch"})
    EXPECT_TRUE(clip.tensors.count(name)) << name;
  const at::Tensor screen = clip.tensors.at("cursor_screen");
  eval::CursorOptions co;
  co.screen_width = co.screen_height = 48;
  co.size_px = 12;
  eval::CursorLocator locator(co);
  int moves = 0;
  for (int f = 0; f < 9; ++f) {
    const int x = screen[f][0].item<int>(), y = screen[f][1].item<int>();
    EXPECT_NEAR(clip.tensors.at("mouse_trajectories")[f][0].item<double>() * 47, x, 1e-4);
    const eval::CursorMatch m = locator.locate(clip.frames[static_cast<size_t>(f)]);
    ASSERT_TRUE(m.found) << "frame " << f;
    EXPECT_LE(std::hypot(m.x - x, m.y - y), 1.5)
        << "frame " << f << ": found (" << m.x << ", " << m.y << ")";
    if (f > 0) {
      const int dx = x - screen[f - 1][0].item<int>(), dy = y - screen[f - 1][1].item<int>();
      EXPECT_LE(std::abs(dx), 6);
      EXPECT_LE(std::abs(dy), 6);
      moves += (dx != 0 || dy != 0);
    }
  }
  EXPECT_GT(moves, 0);
  // The desktop stays: frames differ only where either frame's cursor is.
  const gui::CursorSprite sprite = gui::arrow_cursor(12);
  int changed = 0;
  for (size_t i = 0; i < clip.frames[0].rgb.size(); ++i)
    changed += clip.frames[0].rgb[i] != clip.frames[8].rgb[i];
  EXPECT_LE(changed, 2 * sprite.width * sprite.height * 3);
  gui::SyntheticActionsOptions bad = o;
  bad.cursor_size = 2;
  EXPECT_THROW(gui::write_synthetic_actions(bad, "/nonexistent/never"), Error);
}

Config cursor_config(const std::string& data, std::vector<std::string> extra) {
  std::vector<std::string> sets = {
      "data.train=" + data,        "data.frames=5",        "data.height=16",  "data.width=16",
      "data.batch_size=4",         "data.val_every=4",     "train.steps=3",   "train.log_every=1",
      "train.ckpt_every=3",        "train.eval_batches=1", "rollout.steps=2", "run.threads=1",
      "model.action.cursor.size=8"};
  sets.insert(sets.end(), extra.begin(), extra.end());
  return config::load<Config>(test::source_path("configs/cursor.yaml"), sets);
}

TEST(CursorSupervision, InDimCountsTheReferenceStream) {
  try {
    cursor_config("unused", {"model.action.cursor.reference=true"});
    FAIL() << "in_dim 17 with the reference stream must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dit.in_dim"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("must be 26"), std::string::npos) << e.what();
  }
  EXPECT_THROW(cursor_config("unused", {"model.action.cursor.loss_weight=1"}), Error)
      << "the loss needs reference";
}

// Every cursor signal on: training logs both cursor losses; the checkpoint's rollouts need the
// logged cursor and their frames depend on it (through the reference stream only: no injection).
TEST(CursorSupervision, TrainsWithEverySignalAndRolloutsFollowTheLoggedCursor) {
  test::TempDir dir;
  gui::SyntheticActionsOptions data;
  data.task = "cursor";
  data.clips = 8;
  data.frames = 5;
  data.size = 16;
  data.cursor_size = 8;
  gui::write_synthetic_actions(data, dir.file("data"));
  const Config config = cursor_config(
      dir.file("data"), {"model.action.injection=none", "model.action.cursor.reference=true",
                         "model.action.cursor.loss_weight=1", "model.dit.in_dim=26"});
  train::TrainerOptions trainer;
  trainer.run_dir = dir.file("run");
  train::Trainer(config, trainer).run();
  const std::string metrics = read_file(dir.file("run/metrics.jsonl"));
  for (const char* key : {"\"cursor_patch\"", "\"cursor_position\""})
    EXPECT_NE(metrics.find(key), std::string::npos) << key << " not logged:\n" << metrics;

  const auto ckpt = train::latest_checkpoint(dir.file("run"));
  ASSERT_TRUE(ckpt.has_value());
  const Config trained = config::load<Config>(*ckpt + "/config.yaml", {});
  infer::RolloutEngine engine(trained, *ckpt, at::kCPU);
  ASSERT_TRUE(engine.uses_actions()) << "the reference stream is drawn from the logged cursor";
  const data::Sample s = data::ShardDataset(dir.file("data")).get(0);
  const at::Tensor first = data::prepare_video(s.frames, 5, 16, 16).select(1, 0);
  infer::SamplerOptions sampler;
  sampler.steps = 2;
  EXPECT_THROW(engine.generate_chunk(first, "a cursor", 5, 1, sampler), Error);
  ActionInputs actions =
      ActionInputs::from_tensors(s.tensors, trained.model.action).unsqueeze_batch();
  const at::Tensor a = engine.generate_chunk(first, "a cursor", 5, 1, sampler, actions);
  actions.mouse_trajectories = (1 - actions.mouse_trajectories).contiguous();
  const at::Tensor b = engine.generate_chunk(first, "a cursor", 5, 1, sampler, actions);
  EXPECT_GT((a - b).abs().max().item<float>(), 1e-4)
      << "moving the logged cursor changes the frames";
}

}  // namespace
}  // namespace nc::model
