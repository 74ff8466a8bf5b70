// model/action: the alignment of per-frame actions to latent steps, the shared action encoder
// (v1, v2, Fourier mouse), the contextual mask, and the four injection modes of the DiT: equal
// to the plain DiT at initialisation, following the actions once trained, blind to actions
// outside their windows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "nc/core/error.h"
#include "nc/gui/keys.h"
#include "nc/gui/synthetic_actions.h"
#include "nc/model/action_contrastive.h"
#include "nc/model/action_encoder.h"
#include "nc/model/action_injection.h"
#include "nc/model/dit.h"

namespace nc::model {
namespace {

// D = 1 features r_f = f + 1, so every window mean is a hand-computable number.
TEST(ActionAlignment, MatchesHandComputedWindows) {
  const at::Tensor r = at::arange(1, 10, at::kFloat).view({1, 9, 1});  // F = 9
  // c = 4, w = 1, lag = 1: p = 4, step t averages frames 4t-4 .. 4t-1.
  //   t = 0: frames -4..-1, all padding -> 0;  t = 1: frames 0..3 -> (1+2+3+4)/4 = 2.5;
  //   t = 2: frames 4..7 -> (5+6+7+8)/4 = 6.5
  at::Tensor got = align_to_latent_steps(r, 3, 4, 1, 1);
  EXPECT_TRUE(at::allclose(got.flatten(), at::tensor({0.0f, 2.5f, 6.5f})));
  // c = 4, w = 2, lag = 0: p = 8, step t averages frames 4t-7 .. 4t (zero padding counts in 1/p).
  //   t = 0: frame 0 -> 1/8;  t = 1: frames 0..4 -> 15/8;  t = 2: frames 1..8 -> 44/8
  got = align_to_latent_steps(r, 3, 4, 2, 0);
  EXPECT_TRUE(at::allclose(got.flatten(), at::tensor({1.0f / 8, 15.0f / 8, 44.0f / 8})));
  // The matrix itself: row 1 of (c = 2, w = 1, lag = 0) covers frames 1, 2 with weight 1/2.
  const at::Tensor m = alignment_matrix(2, 3, 2, 1, 0);
  EXPECT_TRUE(at::equal(m, at::tensor({0.5f, 0.0f, 0.0f, 0.0f, 0.5f, 0.5f}).view({2, 3})));
  EXPECT_THROW(alignment_matrix(2, 3, 0, 1, 0), Error);
  // One step at a time from a partial history equals the whole alignment's row; frames before
  // the history count as none.
  const at::Tensor all = align_to_latent_steps(r, 3, 4, 2, 0);
  for (int64_t t = 0; t < 3; ++t) {
    const int64_t end = 4 * t + 1, first = std::max<int64_t>(0, end - alignment_frames(4, 2, 0));
    EXPECT_TRUE(at::allclose(align_latent_step(r.narrow(1, first, end - first), first, t, 4, 2, 0),
                             all.narrow(1, t, 1)))
        << "step " << t;
  }
  EXPECT_NEAR(align_latent_step(r.narrow(1, 5, 4), 5, 2, 4, 2, 0).item<float>(), (6 + 7 + 8 + 9) / 8.0f, 1e-6);
}

// Meta v2 slots of F frames: a click in frame 1 slot 0, a scroll + a shortcut in frame 2,
// nothing elsewhere.
ActionInputs meta_inputs(int64_t frames, int64_t slots = 2) {
  ActionInputs in;
  auto z = [&] { return at::zeros({1, frames, slots}, at::kLong); };
  in.types = z(), in.button = z(), in.click_count = z(), in.drag = z();
  in.scroll_direction = z(), in.scroll_amount = z(), in.shortcut = z();
  in.types[0][1][0] = 1, in.button[0][1][0] = 1, in.click_count[0][1][0] = 2;
  in.types[0][2][0] = 2, in.scroll_direction[0][2][0] = 3, in.scroll_amount[0][2][0] = 4;
  in.types[0][2][1] = 4, in.shortcut[0][2][1] = 170;
  return in;
}

ActionOptions encoder_options(const std::string& encoder, const std::string& mouse = "none") {
  ActionOptions o;
  o.injection = "internal";
  o.encoder = encoder;
  o.mouse = mouse;
  o.dim = 8;
  return o;
}

TEST(ActionEncoder, MetaSlotsEmbedByTypeAndAggregate) {
  at::manual_seed(0);
  c10::NoGradGuard no_grad;
  ActionOptions o = encoder_options("v2");
  ActionEncoder enc(o, 16);
  const at::Tensor r = enc->encode_frames(meta_inputs(4))[0];  // [F, D]
  EXPECT_TRUE(at::all(r[0] == 0).item<bool>()) << "no action: zero";
  EXPECT_TRUE(at::all(r[3] == 0).item<bool>());
  const at::Tensor click = enc->type_embedding[1] + enc->button_embedding[1] + enc->click_embedding[2] +
                           enc->drag_embedding[0];
  EXPECT_TRUE(at::allclose(r[1], click, 1e-5, 1e-6));
  const at::Tensor scroll = enc->type_embedding[2] + enc->scroll_embedding[3] +
                            enc->scroll_amount->weight.flatten() * std::log1p(4.0);
  const at::Tensor shortcut = enc->type_embedding[4] + enc->shortcut_embedding[170];
  EXPECT_TRUE(at::allclose(r[2], (scroll + shortcut) / 2, 1e-5, 1e-6)) << "mean of the two valid slots";

  // Attention aggregation: a frame with one valid slot is that slot; two slots are a convex mix.
  o.aggregation = "attention";
  ActionEncoder att(o, 16);
  const at::Tensor ra = att->encode_frames(meta_inputs(4))[0];
  const at::Tensor click_a = att->type_embedding[1] + att->button_embedding[1] + att->click_embedding[2] +
                             att->drag_embedding[0];
  EXPECT_TRUE(at::allclose(ra[1], click_a, 1e-5, 1e-6));
  EXPECT_TRUE(at::all(ra[0] == 0).item<bool>());

  // Typed text from bytes: the mean of the byte embeddings ("ab" = bytes 97, 98 -> ids 98, 99).
  ActionInputs in = meta_inputs(4);
  in.types[0][3][0] = 3;
  in.text_bytes = at::zeros({1, 4, 2, 4}, at::kLong);
  in.text_bytes[0][3][0][0] = 98, in.text_bytes[0][3][0][1] = 99;
  const at::Tensor typed = enc->encode_frames(in)[0][3];
  const at::Tensor expected = enc->type_embedding[3] + (enc->byte_embedding[98] + enc->byte_embedding[99]) / 2;
  EXPECT_TRUE(at::allclose(typed, expected, 1e-5, 1e-6));

  ActionInputs bad = meta_inputs(4);
  bad.button[0][1][0] = 9;
  try {
    enc->encode_frames(bad);
    FAIL() << "an out-of-range button id must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("action_button"), std::string::npos) << e.what();
  }
}

TEST(ActionEncoder, RawV1AndFourierMouse) {
  at::manual_seed(1);
  c10::NoGradGuard no_grad;
  ActionEncoder enc(encoder_options("v1", "fourier"), 16);
  ActionInputs in;
  in.raw_actions = at::zeros({1, 3, 182}, at::kByte);
  in.raw_actions[0][1][0] = 1;
  in.mouse_trajectories = at::tensor({0.25f, 0.75f, 0.5f, 0.5f, 2.0f, -1.0f}).view({1, 3, 2});
  in.cursor_valid = at::tensor({1, 1, 0}, at::kByte).view({1, 3});
  const at::Tensor r = enc->encode_frames(in)[0];
  // The Fourier path by hand: p = 2 xy - 1, angle = 2 pi p B, MLP([sin, cos]).
  auto mouse = [&](float x, float y) {
    const at::Tensor p = at::tensor({2 * x - 1, 2 * y - 1}).view({1, 2});
    const at::Tensor angle = p.matmul(enc->mouse->projection) * (2 * M_PI);
    const at::Tensor f = at::cat({angle.sin(), angle.cos()}, -1);
    return enc->mouse->mlp_out->forward(at::silu(enc->mouse->mlp_in->forward(f)))[0];
  };
  const at::Tensor raw1 = enc->raw_out->forward(at::silu(enc->raw_in->weight.select(1, 0)));
  EXPECT_TRUE(at::allclose(r[0], mouse(0.25f, 0.75f), 1e-5, 1e-6)) << "no event: the mouse alone";
  EXPECT_TRUE(at::allclose(r[1], raw1 + mouse(0.5f, 0.5f), 1e-5, 1e-6));
  EXPECT_TRUE(at::all(r[2] == 0).item<bool>()) << "unknown cursor, no event";
  // The projection is fixed by the seed.
  ActionEncoder again(encoder_options("v1", "fourier"), 16);
  EXPECT_TRUE(at::equal(again->mouse->projection, enc->mouse->projection));
  EXPECT_FALSE(enc->mouse->projection.requires_grad());
}

// Fig. 12 for 3 frames of 1 token, 3 actions, frame_window 1, step_lag 1.
TEST(ContextualMask, MatchesHandWrittenMatrix) {
  //                  V0 V1 V2 A0 A1 A2
  const std::vector<int> expected = {1, 1, 0, 1, 0, 0,   // V0: V2V |i-t|<=1, V2A j in [0, 0]
                                     1, 1, 1, 1, 1, 0,   // V1: V2A [0, 1]
                                     0, 1, 1, 0, 1, 1,   // V2: V2A [1, 2]
                                     0, 1, 1, 1, 0, 0,   // A0: A2V t >= 1, A2A diagonal
                                     0, 0, 1, 0, 1, 0,   // A1: t >= 2
                                     0, 0, 0, 0, 0, 1};  // A2: no frame t >= 3
  const at::Tensor m = contextual_mask(3, 1, 3, 1, 1);
  EXPECT_TRUE(at::equal(m, at::tensor(expected).view({6, 6}).to(at::kBool))) << m;
  // Two tokens per frame: each token carries its frame's row and column.
  const at::Tensor m2 = contextual_mask(3, 2, 3, 1, 1);
  ASSERT_EQ(m2.sizes(), (std::vector<int64_t>{9, 9}));
  for (int64_t r = 0; r < 9; ++r)
    for (int64_t c = 0; c < 9; ++c) {
      const int64_t fr = r < 6 ? r / 2 : r - 3, fc = c < 6 ? c / 2 : c - 3;
      EXPECT_EQ(m2[r][c].item<bool>(), m[fr][fc].item<bool>()) << r << "," << c;
    }
  // frame_window -1: every frame sees every frame.
  EXPECT_TRUE(at::all(contextual_mask(3, 1, 3, -1, 0).slice(0, 0, 3).slice(1, 0, 3)).item<bool>());
}

// ---- the DiT with actions ---------------------------------------------------------------------

constexpr int64_t kSteps = 4, kFrames = (kSteps - 1) * 4 + 1;  // 13 pixel frames, c = 4

DitOptions dit_options(int layers = 2) {
  DitOptions o = DitOptions::tiny("t2v");
  o.num_layers = layers;
  return o;
}

ActionOptions mode_options(const std::string& mode, int lag = 0) {
  ActionOptions a;
  a.injection = mode;
  a.dim = 16;
  a.heads = 2;
  a.lag = lag;
  a.blocks = mode == "internal" || mode == "residual" ? std::vector<int>{0} : std::vector<int>{};
  return a;
}

ActionInputs random_actions(uint64_t seed) {
  at::manual_seed(static_cast<int64_t>(seed));
  ActionInputs in;
  in.types = at::randint(0, 5, {1, kFrames, 2}, at::kLong);
  in.button = at::randint(0, 4, {1, kFrames, 2}, at::kLong);
  in.click_count = at::randint(0, 4, {1, kFrames, 2}, at::kLong);
  in.drag = at::randint(0, 2, {1, kFrames, 2}, at::kLong);
  in.scroll_direction = at::randint(0, 5, {1, kFrames, 2}, at::kLong);
  in.scroll_amount = at::randint(0, 5, {1, kFrames, 2}, at::kLong);
  in.shortcut = at::randint(0, 2705, {1, kFrames, 2}, at::kLong);
  in.mouse_trajectories = at::rand({1, kFrames, 2});
  return in;
}

// The same actions with pixel frame f changed (a different click and cursor position).
ActionInputs change_frame(const ActionInputs& in, int64_t f) {
  ActionInputs out = in;
  out.types = in.types.clone(), out.button = in.button.clone(), out.mouse_trajectories = in.mouse_trajectories.clone();
  out.types[0][f][0] = 1;
  out.button[0][f][0] = (in.button[0][f][0].item<int64_t>() + 1) % 4;
  out.types[0][f][1] = 0;
  out.mouse_trajectories[0][f][0] = 1.0f - in.mouse_trajectories[0][f][0].item<float>();
  return out;
}

struct Inputs {
  at::Tensor x, t, context;
};
Inputs dit_inputs() {
  at::manual_seed(7);
  return {at::randn({1, 16, kSteps, 4, 4}), at::tensor({500.0f}), at::randn({1, 8, 32})};
}

at::Tensor run(Dit& dit, const Inputs& in, const ActionInputs& actions = {}) {
  c10::NoGradGuard no_grad;
  DitForwardOptions extra;
  extra.actions = actions;
  return dit->forward(in.x, in.t, in.context, {}, {}, extra);
}

// Moves every parameter a little (the head is zero at init; action paths are zero too).
void perturb(torch::nn::Module& m, bool actions_only) {
  c10::NoGradGuard no_grad;
  for (auto& p : m.named_parameters()) {
    const bool is_action = p.key().find("action") != std::string::npos || p.key().find("context_gate") != std::string::npos;
    if (!actions_only || is_action) p.value().add_(at::randn_like(p.value()) * 0.2);
  }
}

const std::vector<std::string> kModes = {"external", "contextual", "residual", "internal"};

TEST(DitActions, EachModeEqualsThePlainDitAtInitialisation) {
  at::manual_seed(11);
  Dit plain(dit_options());
  perturb(*plain, false);
  const Inputs in = dit_inputs();
  const at::Tensor expected = run(plain, in);
  const auto plain_params = plain->named_parameters();
  for (const auto& mode : kModes) {
    Dit dit(dit_options(), at::TensorOptions(), mode_options(mode));
    {
      c10::NoGradGuard no_grad;
      for (auto& p : dit->named_parameters())
        if (const at::Tensor* src = plain_params.find(p.key())) p.value().copy_(*src);
    }
    EXPECT_GT(dit->parameter_count(), plain->parameter_count()) << mode;
    const at::Tensor got = run(dit, in, random_actions(1));
    EXPECT_TRUE(at::allclose(got, expected, 1e-5, 1e-6)) << mode << ": " << (got - expected).abs().max();
  }
}

TEST(DitActions, WithoutInjectionTheParametersStayWans) {
  Dit plain(dit_options());
  Dit none(dit_options(), at::TensorOptions(), ActionOptions{});
  EXPECT_EQ(plain->parameter_count(), none->parameter_count());
  for (const auto& p : none->named_parameters()) EXPECT_EQ(p.key().find("action"), std::string::npos) << p.key();
  Dit internal(dit_options(), at::TensorOptions(), mode_options("internal"));
  EXPECT_NE(internal->named_parameters().find("blocks.0.action_attn.q.weight"), nullptr);
  EXPECT_EQ(internal->named_parameters().find("blocks.1.action_attn.q.weight"), nullptr) << "blocks: [0]";
  ActionOptions bad = mode_options("internal");
  bad.blocks = {5};
  EXPECT_THROW(Dit(dit_options(), at::TensorOptions(), bad), Error);
  EXPECT_THROW(run(internal, dit_inputs()), Error) << "actions are required";
}

// Once trained (perturbed), every mode follows the actions; actions in the last `lag` pixel
// frames lie in no latent step's window (windows end at a_t - lag), so they change nothing.
TEST(DitActions, EachModeFollowsActionsButNotFramesPastItsWindows) {
  const Inputs in = dit_inputs();
  const ActionInputs base = random_actions(2);
  for (const std::string encoder : {"v2", "v1"}) {
    for (const auto& mode : kModes) {
      at::manual_seed(12);
      ActionOptions a = mode_options(mode, /*lag=*/2);
      a.encoder = encoder;
      ActionInputs actions = base;
      if (encoder == "v1") actions.raw_actions = (at::rand({1, kFrames, 182}) < 0.1).to(at::kByte);
      Dit dit(dit_options(), at::TensorOptions(), a);
      perturb(*dit, false);
      const at::Tensor out = run(dit, in, actions);
      ActionInputs inside = change_frame(actions, 5), past = change_frame(actions, kFrames - 1);
      if (encoder == "v1") {
        inside.raw_actions = actions.raw_actions.clone(), past.raw_actions = actions.raw_actions.clone();
        inside.raw_actions[0][5][3] = 1 - actions.raw_actions[0][5][3];
        past.raw_actions[0][kFrames - 1][3] = 1 - actions.raw_actions[0][kFrames - 1][3];
      }
      EXPECT_GT((run(dit, in, inside) - out).abs().max().item<double>(), 1e-4) << encoder << " " << mode;
      EXPECT_TRUE(at::equal(run(dit, in, past), out)) << encoder << " " << mode << ": leak from frame past the windows";
    }
  }
}

// One block, step_lag 0: an action at latent step j reaches only frame j's output in the
// contextual (V2A), residual and internal modes (self-attention runs before the action enters;
// the rest of the block and the head are per token). External's causal temporal attention
// keeps Δz of the steps before j unchanged.
TEST(DitActions, ActionsReachOnlyTheirWindow) {
  const Inputs in = dit_inputs();
  const ActionInputs actions = random_actions(3);
  const ActionInputs changed = change_frame(actions, 8);  // frames 5..8 form latent step 2 (lag 0)
  for (const std::string mode : {"contextual", "residual", "internal"}) {
    at::manual_seed(13);
    Dit dit(dit_options(1), at::TensorOptions(), mode_options(mode));
    perturb(*dit, false);
    const at::Tensor diff = (run(dit, in, changed) - run(dit, in, actions)).abs().amax({0, 1, 3, 4});  // per frame
    EXPECT_EQ(diff[0].item<float>(), 0.0f) << mode;
    EXPECT_EQ(diff[1].item<float>(), 0.0f) << mode;
    EXPECT_GT(diff[2].item<float>(), 1e-4) << mode;
    EXPECT_EQ(diff[3].item<float>(), 0.0f) << mode;
  }
  at::manual_seed(14);
  ActionOptions a = mode_options("external");
  ExternalActionModule ext(16, a);
  perturb(*ext, false);
  c10::NoGradGuard no_grad;
  const at::Tensor u = at::randn({1, kSteps, a.dim});
  at::Tensor u2 = u.clone();
  u2[0][2] += 1.0;
  const at::Tensor diff = (ext->forward(in.x, u2) - ext->forward(in.x, u)).abs().amax({0, 1, 3, 4});
  EXPECT_EQ(diff[0].item<float>(), 0.0f);
  EXPECT_EQ(diff[1].item<float>(), 0.0f);
  EXPECT_GT(diff[2].item<float>(), 1e-4);
  EXPECT_GT(diff[3].item<float>(), 1e-4) << "later steps see earlier actions through the causal attention";
}

TEST(DitActions, GradientsReachTheActionPaths) {
  at::manual_seed(15);
  for (const auto& mode : kModes) {
    Dit dit(dit_options(), at::TensorOptions(), mode_options(mode));
    perturb(*dit, false);
    const Inputs in = dit_inputs();
    DitForwardOptions extra;
    extra.actions = random_actions(4);
    dit->forward(in.x, in.t, in.context, {}, {}, extra).square().mean().backward();
    for (const auto& p : dit->named_parameters()) {
      if (p.key().find("action_encoder") == std::string::npos) continue;
      if (p.key().find("text_proj") != std::string::npos || p.key().find("byte_embedding") != std::string::npos)
        continue;  // typed text: no type-3 text in these inputs
      ASSERT_TRUE(p.value().grad().defined()) << mode << " " << p.key();
      EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << mode << " " << p.key();
    }
  }
}

// Causal mode, one latent frame at a time: with every mode that streams (external, residual,
// internal), the cached pass given each step's aligned action feature (from a history of only
// the frames its window needs) equals the full causal pass with the clip's actions; a frame
// that follows different actions differs, and the cache keeps one feature per frame.
TEST(DitActions, CachedCausalFramesFollowTheirActionsAsTheFullPass) {
  const Inputs in = dit_inputs();
  const ActionInputs actions = random_actions(5);
  const at::Tensor t = at::tensor({40.0f, 40.0f, 40.0f, 600.0f}).unsqueeze(0);  // context, then the frame made
  for (const std::string mode : {"external", "residual", "internal"}) {
    at::manual_seed(16);
    DitOptions o = dit_options();
    o.causal = true;
    ActionOptions a = mode_options(mode, /*lag=*/1);
    a.window = 2;
    a.step_lag = 1;
    Dit dit(o, at::TensorOptions(), a);
    perturb(*dit, false);
    dit->eval();
    c10::NoGradGuard no_grad;
    DitForwardOptions extra;
    extra.actions = actions;
    const at::Tensor full = dit->forward(in.x, t, in.context, {}, {}, extra);
    const at::Tensor per_frame = dit->action_encoder->encode_frames(actions);  // [1, 13, D]
    const int64_t keep = alignment_frames(4, a.window, a.lag);
    EXPECT_EQ(keep, 9);
    DitKvCache cache;
    for (int64_t f = 0; f < kSteps; ++f) {
      // The stream's history: the frames up to a_f = 4f, at most `keep` of them.
      const int64_t end = 4 * f + 1, first = std::max<int64_t>(0, end - keep);
      const at::Tensor feature = align_latent_step(per_frame.narrow(1, first, end - first), first, f, 4, a.window, a.lag);
      const at::Tensor out = dit->forward_cached(in.x.narrow(2, f, 1), t.narrow(1, f, 1).flatten(), in.context, {},
                                                 cache, /*commit=*/f < kSteps - 1, feature);
      EXPECT_LT((out - full.narrow(2, f, 1)).abs().max().item<double>(), 1e-4) << mode << " frame " << f;
      if (f == kSteps - 1) {
        const at::Tensor other = dit->forward_cached(in.x.narrow(2, f, 1), t.narrow(1, f, 1).flatten(), in.context, {},
                                                     cache, false, feature + 1.0);
        EXPECT_GT((other - out).abs().max().item<double>(), 1e-4) << mode << ": the frame follows its action";
        EXPECT_THROW(dit->forward_cached(in.x.narrow(2, f, 1), t.narrow(1, f, 1).flatten(), in.context, {}, cache, false),
                     Error)
            << "the action feature is required";
      }
    }
    EXPECT_EQ(cache.actions.size(1), kSteps - 1);
    EXPECT_EQ(cache.inputs.defined(), mode == "external");
  }
}

// InfoNCE on hand-computable features: two matched unit vectors at temperature 1 give
// log(1 + e^-1) each way; one valid step has no negative (zero); matched beats shuffled.
TEST(ActionContrastive, InfoNceMatchesHandValuesAndMasksStepsWithoutActions) {
  const at::Tensor f = at::tensor({1.0f, 0.0f, 0.0f, 3.0f}).view({1, 2, 2});  // norms differ: normalised
  const at::Tensor valid = at::ones({1, 2}, at::kBool);
  const double expected = std::log(1 + std::exp(-1.0));
  EXPECT_NEAR(temporal_infonce(f, f, valid, 1.0).item<double>(), expected, 1e-6);
  EXPECT_NEAR(temporal_infonce(f, f.flip({1}), valid, 1.0).item<double>(), std::log(1 + std::exp(1.0)), 1e-6);
  const at::Tensor one = at::tensor({1, 0}).to(at::kBool).view({1, 2});
  const at::Tensor g = f.clone().requires_grad_(true);
  const at::Tensor zero = temporal_infonce(g, f, one, 1.0);
  EXPECT_EQ(zero.item<double>(), 0.0);
  zero.backward();  // still part of the graph
  // Three steps: a step masked out of the batch changes nothing.
  const at::Tensor f3 = at::cat({f, at::tensor({5.0f, 5.0f}).view({1, 1, 2})}, 1);
  const at::Tensor a3 = at::cat({f, at::tensor({-1.0f, 7.0f}).view({1, 1, 2})}, 1);
  EXPECT_NEAR(temporal_infonce(f3, a3, at::tensor({1, 1, 0}).to(at::kBool).view({1, 3}), 1.0).item<double>(), expected,
              1e-6);
  // Negatives come from the same sequence: a second sequence does not add to the first's; the
  // result is the mean over sequences.
  const at::Tensor two = at::cat({f, f.flip({1})}, 0);
  EXPECT_NEAR(temporal_infonce(two, at::cat({f, f}, 0), at::ones({2, 2}, at::kBool), 1.0).item<double>(),
              (expected + std::log(1 + std::exp(1.0))) / 2, 1e-6);

  ActionOptions o = mode_options("internal");
  o.mouse = "none";
  o.temporal_stride = 1;
  ActionInputs in;
  in.types = at::zeros({1, 4, 2}, at::kLong);
  in.types[0][2][1] = 4;  // a shortcut in frame 2 only
  EXPECT_TRUE(at::equal(steps_with_actions(in, o, 4), at::tensor({0, 0, 1, 0}).to(at::kBool).view({1, 4})));
  o.lag = 1;  // step t sees frame t - 1
  EXPECT_TRUE(at::equal(steps_with_actions(in, o, 4), at::tensor({0, 0, 0, 1}).to(at::kBool).view({1, 4})));
}

// The DiT exposes per-step frame and action features, and has projection heads only when the
// loss is on.
TEST(ActionContrastive, DitGivesFeaturesAndHeadsOnlyWhenTheLossIsOn) {
  ActionOptions a = mode_options("internal");
  EXPECT_EQ(Dit(dit_options(), at::TensorOptions(), a)->named_parameters().find("action_contrastive.frame.weight"),
            nullptr);
  a.contrastive_weight = 0.5;
  a.contrastive_dim = 8;
  Dit dit(dit_options(), at::TensorOptions(), a);
  ASSERT_NE(dit->named_parameters().find("action_contrastive.frame.weight"), nullptr);
  const Inputs in = dit_inputs();
  DitForwardOptions extra;
  extra.actions = random_actions(2);
  DitForwardOptions::Features features;
  extra.features = &features;
  c10::NoGradGuard no_grad;
  dit->forward(in.x, in.t, in.context, {}, {}, extra);
  EXPECT_EQ(features.frames.sizes(), (std::vector<int64_t>{1, kSteps, dit->options().dim}));
  EXPECT_EQ(features.actions.sizes(), (std::vector<int64_t>{1, kSteps, 16}));
  EXPECT_EQ(dit->action_contrastive_frame->forward(features.frames).size(2), 8);
  EXPECT_EQ(features.tokens.size(2), features.grid_height * features.grid_width);
  EXPECT_TRUE(at::allclose(features.tokens.mean(2), features.frames));
  EXPECT_EQ(dit->named_parameters().find("action_future.weight"), nullptr);
  a.future_weight = 1;
  Dit future(dit_options(), at::TensorOptions(), a);
  ASSERT_NE(future->named_parameters().find("action_future.weight"), nullptr);
  EXPECT_EQ(future->action_future->forward(features.actions).sizes(), features.frames.sizes());
}

// The future-prediction loss: squared error over valid steps and channels, and no gradient into
// the frame features it predicts.
TEST(ActionContrastive, FuturePredictionMatchesHandValuesAndStopsTheTargetsGradient) {
  const at::Tensor predicted =
      at::tensor({1.0f, 2.0f, 9.0f, 9.0f}).view({1, 2, 2}).requires_grad_(true);
  const at::Tensor frames =
      at::tensor({0.0f, 0.0f, 0.0f, 0.0f}).view({1, 2, 2}).requires_grad_(true);
  const at::Tensor valid = at::tensor({1, 0}).to(at::kBool).view({1, 2});
  const at::Tensor loss = future_prediction_loss(predicted, frames, valid);
  EXPECT_NEAR(loss.item<double>(), (1.0 + 4.0) / 2, 1e-6);  // step 1 masked out
  loss.backward();
  EXPECT_FALSE(frames.grad().defined() && frames.grad().abs().sum().item<double>() > 0);
  EXPECT_NEAR(predicted.grad()[0][0][1].item<double>(), 2.0 * 2.0 / 2, 1e-6);
  EXPECT_EQ(future_prediction_loss(predicted, frames, at::zeros({1, 2}, at::kBool)).item<double>(),
            0.0);
}

// The moving-square clips: the square moves by `step` exactly in the frames with an arrow key,
// the tensors are those of imported GUI clips, and the encoder reads them from a batch map.
TEST(SquareActions, KeysMoveTheSquareAndTensorsFeedTheEncoder) {
  gui::SyntheticActionsOptions o;
  o.frames = 9;
  o.size = 32;
  o.square = 6;
  o.step = 4;
  o.press_probability = 0.7;
  const data::Clip clip = gui::synthetic_actions_clip(o, 3);
  ASSERT_EQ(clip.frames.size(), 9u);
  auto corner = [&](int f) {  // top-left of the white square
    const auto& img = clip.frames[static_cast<size_t>(f)];
    for (int y = 0; y < img.height; ++y)
      for (int x = 0; x < img.width; ++x)
        if (img.rgb[(static_cast<size_t>(y) * img.width + x) * 3] == 240) return std::make_pair(x, y);
    return std::make_pair(-1, -1);
  };
  const at::Tensor& types = clip.tensors.at("action_types");
  int presses = 0;
  for (int f = 1; f < 9; ++f) {
    const auto [x0, y0] = corner(f - 1);
    const auto [x1, y1] = corner(f);
    const int moved = std::abs(x1 - x0) + std::abs(y1 - y0);
    if (types[f][0].item<int64_t>() == 0) {
      EXPECT_EQ(moved, 0) << "frame " << f;
      EXPECT_EQ(clip.tensors.at("raw_actions")[f].sum().item<int64_t>(), 0);
    } else {
      ++presses;
      EXPECT_LE(moved, 4) << "frame " << f;  // 4, or less at the border
      const int64_t id = clip.tensors.at("action_shortcut")[f][0].item<int64_t>();
      const int key = static_cast<int>(id - 1);  // no modifiers: id = 1 + key
      EXPECT_EQ(clip.tensors.at("raw_actions")[f][13 + key].item<int>(), 1);
      const std::string name = gui::key_names()[static_cast<size_t>(key)];
      EXPECT_TRUE(name == "Left" || name == "Right" || name == "Up" || name == "Down") << name;
    }
  }
  EXPECT_GT(presses, 0);
  EXPECT_EQ(types[0][0].item<int64_t>(), 0) << "the conditioning frame has no action";

  std::map<std::string, at::Tensor> batch;
  for (const auto& [name, t] : clip.tensors) batch[name] = t.unsqueeze(0);
  ActionOptions a = encoder_options("v2", "fourier");
  const ActionInputs in = ActionInputs::from_tensors(batch, a);
  EXPECT_EQ(in.frames(), 9);
  ActionEncoder enc(a, 16);
  EXPECT_EQ(enc->forward(in, 3).sizes(), (std::vector<int64_t>{1, 3, 8}));
  batch.erase("action_shortcut");
  try {
    ActionInputs::from_tensors(batch, a);
    FAIL() << "a missing tensor must be named";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("action_shortcut"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nc::model
