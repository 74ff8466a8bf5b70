// model: the attention wrapper, 3-D RoPE, the Wan2.1 DiT (tiny configs; Wan sizes on the meta
// device against the committed parameter lists), gradient checkpointing, flow matching.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "nc/core/error.h"
#include "nc/core/safetensors.h"
#include "nc/core/torch_compat.h"
#include "nc/model/attention.h"
#include "nc/model/dit.h"
#include "nc/model/dit_options.h"
#include "nc/model/flow_matching.h"
#include "nc/model/grad_checkpoint.h"
#include "nc/model/rope.h"
#include "test_util.h"

namespace nc::model {
namespace {

double max_rel_err(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor d = (a.to(at::kDouble) - b.to(at::kDouble)).abs().max();
  const double scale = b.to(at::kDouble).abs().max().item<double>();
  return d.item<double>() / std::max(scale, 1e-12);
}

// softmax(q k^T * scale + bias) v written out in float64, one (batch, head) at a time.
at::Tensor naive_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const at::Tensor& mask, double scale) {
  const auto B = q.size(0), H = q.size(1), Lq = q.size(2), Lk = k.size(2);
  at::Tensor out = at::zeros({B, H, Lq, v.size(3)}, at::kDouble);
  at::Tensor m;
  if (mask.defined()) m = mask.expand({B, H, Lq, Lk});
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h) {
      at::Tensor logits = q[b][h].to(at::kDouble).mm(k[b][h].to(at::kDouble).t()) * scale;
      if (m.defined()) {
        if (m.scalar_type() == at::kBool)
          logits = logits.masked_fill(m[b][h].logical_not(), -INFINITY);
        else
          logits = logits + m[b][h].to(at::kDouble);
      }
      const at::Tensor p = logits.exp() / logits.exp().sum(-1, true);  // no max-shift: small values
      out[b][h] = p.mm(v[b][h].to(at::kDouble));
    }
  }
  return out;
}

// A random bool mask [B, 1, Lq, Lk] (True = attend) where every row keeps key 0.
at::Tensor random_mask(int64_t B, int64_t Lq, int64_t Lk) {
  at::Tensor m = at::rand({B, 1, Lq, Lk}) < 0.5;
  m.select(3, 0).fill_(true);
  return m;
}

TEST(Attention, MatchesNaiveWithAndWithoutMasks) {
  at::manual_seed(0);
  struct Shape {
    int64_t B, H, Lq, Lk, D;
  };
  for (const Shape s : {Shape{1, 1, 5, 7, 8}, Shape{2, 3, 16, 16, 16}, Shape{2, 2, 9, 33, 32},
                        Shape{1, 4, 1, 3, 6}}) {
    const at::Tensor q = at::randn({s.B, s.H, s.Lq, s.D});
    const at::Tensor k = at::randn({s.B, s.H, s.Lk, s.D});
    const at::Tensor v = at::randn({s.B, s.H, s.Lk, s.D + 2});
    const double scale = 1.0 / std::sqrt(static_cast<double>(s.D));
    const at::Tensor ref = naive_attention(q, k, v, {}, scale);
    EXPECT_LT(max_rel_err(compat::attention(q, k, v), ref), 1e-5) << s.Lq << "x" << s.Lk;
    EXPECT_LT(max_rel_err(compat::attention_math(q, k, v, {}), ref), 1e-5);

    const at::Tensor mask = random_mask(s.B, s.Lq, s.Lk);
    const at::Tensor ref_m = naive_attention(q, k, v, mask, scale);
    EXPECT_LT(max_rel_err(compat::attention(q, k, v, mask), ref_m), 1e-5);
    EXPECT_LT(max_rel_err(compat::attention_math(q, k, v, mask), ref_m), 1e-5);

    const at::Tensor bias = at::randn({s.Lq, s.Lk});  // broadcast over B and H
    const at::Tensor ref_b = naive_attention(q, k, v, bias, scale);
    EXPECT_LT(max_rel_err(compat::attention(q, k, v, bias), ref_b), 1e-5);

    const at::Tensor ref_s = naive_attention(q, k, v, mask, 0.3);
    EXPECT_LT(max_rel_err(compat::attention(q, k, v, mask, 0.3), ref_s), 1e-5);
    EXPECT_LT(max_rel_err(compat::attention_math(q, k, v, mask, 0.3), ref_s), 1e-5);
  }
}

TEST(Attention, BoolMaskTrueMeansAttend) {
  at::manual_seed(1);
  const at::Tensor q = at::randn({1, 2, 4, 8}), k = at::randn({1, 2, 6, 8});
  at::Tensor v = at::randn({1, 2, 6, 8});
  at::Tensor mask = at::ones({1, 1, 1, 6}, at::kBool);
  mask[0][0][0][5] = false;  // key 5 hidden from every query
  const at::Tensor before = compat::attention(q, k, v, mask);
  v.select(2, 5).fill_(100.0);
  EXPECT_TRUE(at::allclose(compat::attention(q, k, v, mask), before));
  // Only key 2 visible: the output is v[2] exactly.
  at::Tensor only2 = at::zeros({1, 1, 1, 6}, at::kBool);
  only2[0][0][0][2] = true;
  const at::Tensor out = compat::attention(q, k, v, only2);
  EXPECT_TRUE(at::allclose(out, v.select(2, 2).unsqueeze(2).expand_as(out), 1e-5, 1e-6));
}

TEST(Autocast, GuardsSwitchCpuAutocast) {
  const at::Tensor x = at::randn({2, 4}), w = at::randn({3, 4});
  EXPECT_EQ(at::linear(x, w).scalar_type(), at::kFloat);
  {
    compat::AutocastGuard bf16(at::kCPU);
    EXPECT_TRUE(compat::autocast_enabled(at::kCPU));
    EXPECT_EQ(at::linear(x, w).scalar_type(), at::kBFloat16);
    {
      compat::NoAutocastGuard off;
      EXPECT_EQ(at::linear(x, w).scalar_type(), at::kFloat);
    }
    EXPECT_EQ(at::linear(x, w).scalar_type(), at::kBFloat16);
  }
  EXPECT_FALSE(compat::autocast_enabled(at::kCPU));
  EXPECT_EQ(at::linear(x, w).scalar_type(), at::kFloat);
}

// ---- RoPE -------------------------------------------------------------------------------------

TEST(Rope, SplitsLikeWan) {
  EXPECT_EQ(rope_split(128), (std::array<int64_t, 3>{44, 42, 42}));
  EXPECT_EQ(rope_split(16), (std::array<int64_t, 3>{8, 4, 4}));
  EXPECT_EQ(rope_split(6), (std::array<int64_t, 3>{2, 2, 2}));
  EXPECT_THROW(Rope3d(4), Error);
  EXPECT_THROW(Rope3d(16, 8).tables(RopeGrid{4, 1, 1, 5, 0, 0}, at::kCPU), Error);
}

TEST(Rope, SinglePairClosedForm) {
  const int64_t d = 16;  // t: 8 dims (4 pairs), h: 4 (2 pairs), w: 4 (2 pairs)
  const Rope3d rope(d, 64);
  // One token at (f, h, w) = (5, 3, 7) through the offsets.
  const RopeTables tab = rope.tables(RopeGrid{1, 1, 1, 5, 3, 7}, at::kCPU);
  const int64_t axis_start[3] = {0, 8, 12}, axis_dim[3] = {8, 4, 4}, pos[3] = {5, 3, 7};
  for (int axis = 0; axis < 3; ++axis) {
    for (int64_t i = 0; i < axis_dim[axis] / 2; ++i) {
      at::Tensor x = at::zeros({1, 1, 1, d});
      const int64_t e = axis_start[axis] + 2 * i;
      x[0][0][0][e] = 1.5;
      x[0][0][0][e + 1] = -0.5;
      const at::Tensor y = apply_rope(x, tab);
      const double a = pos[axis] * std::pow(10000.0, -2.0 * i / axis_dim[axis]);
      EXPECT_NEAR(y[0][0][0][e].item<double>(), 1.5 * std::cos(a) + 0.5 * std::sin(a), 1e-5);
      EXPECT_NEAR(y[0][0][0][e + 1].item<double>(), 1.5 * std::sin(a) - 0.5 * std::cos(a), 1e-5);
      EXPECT_NEAR(y.abs().sum().item<double>() - std::abs(y[0][0][0][e].item<double>()) -
                      std::abs(y[0][0][0][e + 1].item<double>()),
                  0.0, 1e-6);  // other pairs untouched
    }
  }
}

TEST(Rope, DotProductDependsOnlyOnOffsetPerAxis) {
  at::manual_seed(2);
  const int64_t d = 32;
  const Rope3d rope(d, 128);
  const at::Tensor q = at::randn({1, 1, 3, d}), k = at::randn({1, 1, 3, d});
  auto grid_at = [](int axis, int64_t p) {
    RopeGrid g;
    (axis == 0 ? g.frame_offset : axis == 1 ? g.height_offset : g.width_offset) = p;
    return g;
  };
  auto dot = [&](int axis, int64_t a, int64_t b) {
    const at::Tensor qa = apply_rope(q, rope.tables(grid_at(axis, a), at::kCPU));
    const at::Tensor kb = apply_rope(k, rope.tables(grid_at(axis, b), at::kCPU));
    return (qa * kb).sum(-1);  // per head
  };
  for (int axis = 0; axis < 3; ++axis) {
    const at::Tensor d1 = dot(axis, 3, 10), d2 = dot(axis, 40, 47), d3 = dot(axis, 0, 7);
    EXPECT_LT(max_rel_err(d1, d2), 1e-5) << "axis " << axis;
    EXPECT_LT(max_rel_err(d1, d3), 1e-5) << "axis " << axis;
    EXPECT_GT(max_rel_err(d1, dot(axis, 3, 11)), 1e-4) << "axis " << axis;  // offset matters
  }
  // Norms are preserved and padding tokens beyond the grid pass unchanged.
  const at::Tensor x = at::randn({2, 7, 2, d});
  const RopeTables tab = rope.tables(RopeGrid{1, 2, 3}, at::kCPU);  // 6 tokens
  const at::Tensor y = apply_rope(x, tab);
  EXPECT_TRUE(at::allclose(y.norm(2, -1), x.norm(2, -1), 1e-5, 1e-5));
  EXPECT_TRUE(at::equal(y.narrow(1, 6, 1), x.narrow(1, 6, 1)));
}

// ---- the DiT ----------------------------------------------------------------------------------

struct Batch {
  at::Tensor x, t, context, clip, y;
};

Batch tiny_batch(const DitOptions& o, int64_t B = 2) {
  Batch b;
  b.x = at::randn({B, o.out_dim, 3, 4, 4});
  b.t = at::rand({B}) * 1000;
  b.context = at::randn({B, 5, o.text_dim});
  if (o.is_i2v()) {
    b.clip = at::randn({B, 257, o.clip_dim});
    b.y = at::randn({B, o.in_dim - o.out_dim, 3, 4, 4});
  }
  return b;
}

// The zero-initialised head makes every output 0 at init; tests that look at how the output
// depends on the inputs give it random weights first.
void randomize_head(Dit& dit) {
  at::NoGradGuard no_grad;
  dit->head->head->weight.normal_(0, 0.1);
  dit->head->head->bias.normal_(0, 0.1);
}

at::Tensor run(Dit& dit, const Batch& b, const DitForwardOptions& extra = {}) {
  return dit->forward(b.x, b.t, b.context, b.clip, b.y, extra);
}

TEST(Dit, OutputShapesT2vAndI2v) {
  at::manual_seed(3);
  for (const std::string type : {"t2v", "i2v"}) {
    const DitOptions o = DitOptions::tiny(type);
    Dit dit(o);
    const Batch b = tiny_batch(o);
    const at::Tensor out = run(dit, b);
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 16, 3, 4, 4})) << type;
    EXPECT_EQ(out.scalar_type(), at::kFloat);
    EXPECT_TRUE(at::all(out == 0).item<bool>()) << "zero-initialised head";
    randomize_head(dit);
    EXPECT_TRUE(at::isfinite(run(dit, b)).all().item<bool>());
  }
}

TEST(Dit, RejectsWrongInputs) {
  at::manual_seed(4);
  Dit t2v(DitOptions::tiny("t2v"));
  Dit i2v(DitOptions::tiny("i2v"));
  const Batch b = tiny_batch(DitOptions::tiny("i2v"));
  EXPECT_THROW(t2v->forward(b.x, b.t, b.context, b.clip, b.y), Error);        // t2v with y
  EXPECT_THROW(i2v->forward(b.x, b.t, b.context), Error);                     // i2v without
  EXPECT_THROW(t2v->forward(b.x.narrow(3, 0, 3), b.t, b.context), Error);     // odd H
  EXPECT_THROW(t2v->forward(b.x, b.t, at::randn({2, 9, 32})), Error);         // > text_len
  DitOptions bad = DitOptions::tiny();
  bad.num_heads = 3;
  EXPECT_THROW(Dit{bad}, Error);
  bad = DitOptions::tiny();
  bad.num_heads = 8;  // head dim 4: no room for the h and w RoPE parts
  EXPECT_THROW(bad.validate(), Error);
}

TEST(Dit, DeterministicUnderSeed) {
  auto make = [](uint64_t seed) {
    at::manual_seed(seed);
    const DitOptions o = DitOptions::tiny("i2v");
    Dit dit(o);
    randomize_head(dit);
    return run(dit, tiny_batch(o));
  };
  const at::Tensor a = make(11), b = make(11), c = make(12);
  EXPECT_TRUE(at::equal(a, b));
  EXPECT_FALSE(at::allclose(a, c));
}

TEST(Dit, ImageConditioningConditions) {
  at::manual_seed(5);
  const DitOptions o = DitOptions::tiny("i2v");
  Dit dit(o);
  randomize_head(dit);
  Batch b = tiny_batch(o);
  const at::Tensor base = run(dit, b);
  Batch no_frame = b;
  no_frame.y = b.y.clone();
  no_frame.y.narrow(1, 4, 16).zero_();  // the first-frame latent channels
  EXPECT_GT(max_rel_err(run(dit, no_frame), base), 1e-3);
  Batch no_clip = b;
  no_clip.clip = at::zeros_like(b.clip);
  EXPECT_GT(max_rel_err(run(dit, no_clip), base), 1e-3);
  Batch other_text = b;
  other_text.context = at::randn_like(b.context);
  EXPECT_GT(max_rel_err(run(dit, other_text), base), 1e-3);
}

TEST(Dit, ScreenSkipAddsTheGatedGivenLatent) {
  at::manual_seed(5);
  DitOptions o = DitOptions::tiny("i2v");
  o.i2v_skip = true;
  EXPECT_THROW(o.validate(), Error);  // needs i2v_fill first
  o.i2v_fill = "first";
  o.validate();
  Dit dit(o);
  const Batch b = tiny_batch(o);
  EXPECT_TRUE(at::all(run(dit, b) == 0).item<bool>()) << "the gate starts at zero: the plain model";
  {
    at::NoGradGuard no_grad;
    dit->i2v_skip.copy_(at::linspace(0, 1.5, o.out_dim) / DitImpl::kScreenGateScale);
  }
  const at::Tensor given = b.y.narrow(1, 4, o.out_dim);  // after the 4 mask channels
  const at::Tensor expected = at::linspace(0, 1.5, o.out_dim).view({1, -1, 1, 1, 1}) * given;
  EXPECT_LT((run(dit, b) - expected).abs().max().item<double>(), 1e-6);
  dit->zero_grad();
  run(dit, b).sum().backward();
  EXPECT_GT(dit->i2v_skip.grad().abs().sum().item<double>(), 0);
}

TEST(Dit, ContextMaskHidesPaddingAndFrameOffsetIsRelative) {
  at::manual_seed(6);
  const DitOptions o = DitOptions::tiny("t2v");
  Dit dit(o);
  randomize_head(dit);
  Batch b = tiny_batch(o);
  DitForwardOptions extra;
  extra.context_mask = at::ones({2, 5}, at::kBool);
  extra.context_mask[0].narrow(0, 3, 2).fill_(false);  // sample 0: only 3 real tokens
  const at::Tensor masked = run(dit, b, extra);
  Batch changed = b;
  changed.context = b.context.clone();
  changed.context[0].narrow(0, 3, 2).normal_();  // what is masked does not matter
  EXPECT_LT(max_rel_err(run(dit, changed, extra), masked), 1e-5);
  // Wan's default: no mask, the zero padding is attended, so the mask changes the output.
  EXPECT_GT(max_rel_err(run(dit, b), masked), 1e-4);
  // Shifting every frame position by the same offset changes no relative position.
  DitForwardOptions shifted;
  shifted.frame_offset = 9;
  EXPECT_LT(max_rel_err(run(dit, b, shifted), run(dit, b)), 1e-4);
}

TEST(Dit, BlockCausalSelfAttentionMask) {
  at::manual_seed(7);
  const DitOptions o = DitOptions::tiny("t2v");
  Dit dit(o);
  randomize_head(dit);
  Batch b = tiny_batch(o, 1);
  // 3 latent frames x (2 x 2) tokens: token i may see token j when frame(j) <= frame(i).
  const at::Tensor frame = at::arange(12) / 4;
  DitForwardOptions extra;
  extra.self_attn_mask = frame.unsqueeze(1) >= frame.unsqueeze(0);  // [L, L], True = attend
  const at::Tensor out = run(dit, b, extra);
  Batch later = b;
  later.x = b.x.clone();
  later.x.narrow(2, 2, 1).normal_();  // change the last frame only
  const at::Tensor out2 = run(dit, later, extra);
  EXPECT_LT(max_rel_err(out2.narrow(2, 0, 2), out.narrow(2, 0, 2)), 1e-5);
  EXPECT_GT(max_rel_err(out2.narrow(2, 2, 1), out.narrow(2, 2, 1)), 1e-3);
}

// Causal mode (model.dit.causal): a tiny i2v model without CLIP tokens, as rollouts run it.
DitOptions causal_options() {
  DitOptions o = DitOptions::tiny("i2v");
  o.image_context = false;
  o.causal = true;
  return o;
}

TEST(Dit, CausalModelHidesTheFutureAndTakesATimestepPerFrame) {
  at::manual_seed(9);
  const DitOptions o = causal_options();
  Dit dit(o);
  randomize_head(dit);
  Batch b = tiny_batch(o, 1);
  b.clip = at::Tensor();
  const at::Tensor per_frame = at::tensor({0.0f, 300.0f, 900.0f}).unsqueeze(0);
  const at::Tensor out = dit->forward(b.x, per_frame, b.context, {}, b.y);
  // Changing the last frame (its latent or its timestep) leaves the earlier frames' outputs alone.
  Batch later = b;
  later.x = b.x.clone();
  later.x.narrow(2, 2, 1).normal_();
  const at::Tensor changed = dit->forward(later.x, per_frame, b.context, {}, b.y);
  EXPECT_LT(max_rel_err(changed.narrow(2, 0, 2), out.narrow(2, 0, 2)), 1e-5);
  EXPECT_GT(max_rel_err(changed.narrow(2, 2, 1), out.narrow(2, 2, 1)), 1e-3);
  const at::Tensor retimed = dit->forward(b.x, at::tensor({0.0f, 300.0f, 100.0f}).unsqueeze(0), b.context, {}, b.y);
  EXPECT_LT(max_rel_err(retimed.narrow(2, 0, 2), out.narrow(2, 0, 2)), 1e-5);
  EXPECT_GT(max_rel_err(retimed.narrow(2, 2, 1), out.narrow(2, 2, 1)), 1e-3);
  // The same timestep for every frame is the [B] form.
  const at::Tensor same = dit->forward(b.x, at::full({1, 3}, 420.0f), b.context, {}, b.y);
  EXPECT_LT(max_rel_err(same, dit->forward(b.x, at::full({1}, 420.0f), b.context, {}, b.y)), 1e-5);
  EXPECT_THROW(dit->forward(b.x, at::zeros({1, 2}), b.context, {}, b.y), Error);  // 2 timesteps, 3 frames
}

TEST(Dit, CachedFramesEqualTheFullCausalPass) {
  at::manual_seed(10);
  const DitOptions o = causal_options();
  Dit dit(o);
  randomize_head(dit);
  dit->eval();
  at::NoGradGuard no_grad;
  const at::Tensor x = at::randn({1, o.out_dim, 4, 4, 4}), y = at::randn({1, o.in_dim - o.out_dim, 4, 4, 4});
  const at::Tensor context = at::randn({1, 5, o.text_dim});
  // Three context frames at timestep 50 (lightly noised), the fourth being denoised at 700.
  const at::Tensor full = dit->forward(x, at::tensor({50.0f, 50.0f, 50.0f, 700.0f}).unsqueeze(0), context, {}, y);
  DitKvCache cache;
  for (int64_t f = 0; f < 3; ++f) {
    const at::Tensor out = dit->forward_cached(x.narrow(2, f, 1), at::full({1}, 50.0f), context, y.narrow(2, f, 1),
                                               cache, /*commit=*/true);
    EXPECT_LT(max_rel_err(out, full.narrow(2, f, 1)), 1e-4) << "frame " << f;
  }
  EXPECT_EQ(cache.frames, 3);
  EXPECT_EQ(cache.k.size(), static_cast<size_t>(o.num_layers));
  for (int repeat = 0; repeat < 2; ++repeat) {  // a query without commit leaves the cache as it was
    const at::Tensor last =
        dit->forward_cached(x.narrow(2, 3, 1), at::full({1}, 700.0f), context, y.narrow(2, 3, 1), cache, false);
    EXPECT_LT(max_rel_err(last, full.narrow(2, 3, 1)), 1e-4);
  }
  EXPECT_EQ(cache.frames, 3);
  Dit bidirectional(DitOptions::tiny("i2v"));
  DitKvCache other;
  EXPECT_THROW(bidirectional->forward_cached(x.narrow(2, 0, 1), at::zeros({1}), context, y.narrow(2, 0, 1), other, true),
               Error);
}

TEST(DitKvCache, TheWindowBoundsMemory) {
  at::manual_seed(11);
  const DitOptions o = causal_options();
  Dit dit(o);
  dit->eval();
  at::NoGradGuard no_grad;
  const at::Tensor context = at::randn({1, 5, o.text_dim});
  DitKvCache cache(2);
  std::vector<int64_t> bytes;
  for (int f = 0; f < 12; ++f) {
    dit->forward_cached(at::randn({1, o.out_dim, 1, 4, 4}), at::zeros({1}), context,
                        at::randn({1, o.in_dim - o.out_dim, 1, 4, 4}), cache, true);
    bytes.push_back(cache.bytes());
    EXPECT_EQ(cache.frames, std::min(f + 1, 2));
  }
  EXPECT_EQ(bytes[1], 2 * bytes[0]);
  EXPECT_EQ(bytes.back(), bytes[1]);  // flat after the window fills
  EXPECT_EQ(cache.k[0].size(1), 2 * 4);  // 2 frames of 2 x 2 tokens

  // A sink of one frame: the first frame stays ahead of a window of 2, the oldest of the
  // others leaves; held in order (sink, then the newest two).
  DitKvCache anchored(2, 1);
  std::vector<at::Tensor> keys;  // each pushed frame's keys in block 0
  for (int f = 0; f < 6; ++f) {
    dit->forward_cached(at::randn({1, o.out_dim, 1, 4, 4}), at::zeros({1}), context,
                        at::randn({1, o.in_dim - o.out_dim, 1, 4, 4}), anchored, true);
    keys.push_back(anchored.k[0].narrow(1, anchored.k[0].size(1) - 4, 4).clone());
    EXPECT_EQ(anchored.frames, std::min(f + 1, 3));
  }
  EXPECT_TRUE(at::equal(anchored.k[0], at::cat({keys[0], keys[4], keys[5]}, 1)));
}

std::map<std::string, at::Tensor> grads_of(Dit& dit) {
  std::map<std::string, at::Tensor> g;
  for (const auto& item : dit->named_parameters())
    g[item.key()] = item.value().grad().defined() ? item.value().grad().clone() : at::Tensor();
  return g;
}

TEST(Dit, GradientsReachEveryParameter) {
  at::manual_seed(8);
  const DitOptions o = DitOptions::tiny("i2v");
  Dit dit(o);
  randomize_head(dit);
  dit->train();
  const at::Tensor out = run(dit, tiny_batch(o));
  out.pow(2).mean().backward();
  for (const auto& [name, g] : grads_of(dit)) {
    ASSERT_TRUE(g.defined()) << name;
    EXPECT_GT(g.abs().sum().item<double>(), 0.0) << name;
  }
}

TEST(Dit, GradientCheckpointingChangesNothing) {
  DitOptions o = DitOptions::tiny("i2v");
  at::manual_seed(9);
  Dit plain(o);
  randomize_head(plain);
  o.gradient_checkpointing = true;
  Dit ckpt(o);
  {
    at::NoGradGuard no_grad;
    const auto src = plain->named_parameters();
    for (auto& item : ckpt->named_parameters()) item.value().copy_(src[item.key()]);
  }
  plain->train();
  ckpt->train();
  at::manual_seed(10);
  const Batch b = tiny_batch(o);
  const at::Tensor noise = at::randn({2, 16, 3, 4, 4});
  const at::Tensor out_plain = run(plain, b), out_ckpt = run(ckpt, b);
  EXPECT_LT(max_rel_err(out_ckpt, out_plain), 1e-6);
  (out_plain - noise).pow(2).mean().backward();
  (out_ckpt - noise).pow(2).mean().backward();
  const auto g_plain = grads_of(plain), g_ckpt = grads_of(ckpt);
  for (const auto& [name, g] : g_plain) {
    ASSERT_TRUE(g_ckpt.at(name).defined()) << name;
    EXPECT_LT(max_rel_err(g_ckpt.at(name), g), 1e-5) << name;
  }
}

// Under autocast the checkpointed blocks must still send gradients to the float32 weights
// (autocast's weight cache would otherwise hand the recomputation grad-less bf16 copies).
TEST(Dit, CheckpointingUnderCpuAutocast) {
  DitOptions o = DitOptions::tiny("i2v");
  at::manual_seed(14);
  Dit plain(o);
  randomize_head(plain);
  o.gradient_checkpointing = true;
  Dit ckpt(o);
  {
    at::NoGradGuard no_grad;
    const auto src = plain->named_parameters();
    for (auto& item : ckpt->named_parameters()) item.value().copy_(src[item.key()]);
  }
  plain->train();
  ckpt->train();
  const Batch b = tiny_batch(o);
  const at::Tensor ref = run(plain, b);
  at::Tensor out_plain, out_ckpt;
  {
    compat::AutocastGuard bf16(at::kCPU);
    out_plain = run(plain, b);
    out_ckpt = run(ckpt, b);
    out_plain.pow(2).mean().backward();
    out_ckpt.pow(2).mean().backward();  // recomputation happens here, under autocast too
  }
  EXPECT_EQ(out_ckpt.scalar_type(), at::kFloat);
  EXPECT_LT(max_rel_err(out_plain, ref), 0.1);  // bf16 matmuls
  EXPECT_LT(max_rel_err(out_ckpt, out_plain), 1e-6);
  // Inside the blocks the gradients are identical. The text and CLIP projections feed every
  // block through bf16 tensors, and their per-block gradients are summed in another order
  // when the blocks are checkpointed: equal to bf16 rounding (eps 2^-8) only.
  const auto g_plain = grads_of(plain), g_ckpt = grads_of(ckpt);
  for (const auto& [name, g] : g_plain) {
    ASSERT_TRUE(g_ckpt.at(name).defined()) << name;
    const bool bf16_sum = name.rfind("text_embedding.", 0) == 0 || name.rfind("img_emb.", 0) == 0;
    EXPECT_LT(max_rel_err(g_ckpt.at(name), g), bf16_sum ? 2e-2 : 1e-5) << name;
  }
}

TEST(GradCheckpoint, InputsAndParamsGetGradients) {
  at::manual_seed(11);
  const at::Tensor w = at::randn({4, 4}).requires_grad_();
  const at::Tensor x = at::randn({3, 4}).requires_grad_();
  const at::Tensor c = at::randn({3, 4});  // captured constant
  int calls = 0;
  auto fn = [&](const std::vector<at::Tensor>& in) {
    ++calls;
    return (in[0].mm(w).tanh() * c).sum(1);
  };
  const at::Tensor ref = fn({x});
  ref.sum().backward();
  const at::Tensor gx = x.grad().clone(), gw = w.grad().clone();
  x.grad().zero_();
  w.grad().zero_();
  calls = 0;
  const at::Tensor out = grad_checkpoint(fn, {x}, {w});
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(at::allclose(out, ref));
  out.sum().backward();
  EXPECT_EQ(calls, 2);  // recomputed once in backward
  EXPECT_TRUE(at::allclose(x.grad(), gx));
  EXPECT_TRUE(at::allclose(w.grad(), gw));
}

// A fixture written by a float32 CPU re-typing of Wan2.1's WanModel.forward (wan/modules/
// model.py at 9737cba; the script is not in this repository, docs/MODELS.md says how it was
// made): random weights under Wan's names, inputs, and Wan's output. Loading the weights by
// name and matching the output checks the names, the patch/unpatchify layouts, the RoPE pair
// order and split, the sinusoid order, the modulation order and the i2v cross-attention.
TEST(DitWan, MatchesWanReferenceForwardTinyI2v) {
  const auto file =
      safetensors::File::open(test::source_path("tests/data/wan21_dit_tiny_i2v_reference.safetensors"));
  DitOptions o = DitOptions::tiny("i2v");
  Dit dit(o);
  size_t loaded = 0;
  {
    at::NoGradGuard no_grad;
    for (auto& item : dit->named_parameters()) {
      ASSERT_TRUE(file.contains(item.key())) << item.key();
      const at::Tensor w = file.load(item.key());
      ASSERT_EQ(w.sizes(), item.value().sizes()) << item.key();
      item.value().copy_(w);
      ++loaded;
    }
  }
  EXPECT_EQ(loaded + 6, file.tensors().size());  // + 5 inputs and the output
  dit->eval();
  const at::Tensor out = dit->forward(file.load("input.x"), file.load("input.t"),
                                      file.load("input.context"), file.load("input.clip_fea"),
                                      file.load("input.y"));
  const at::Tensor ref = file.load("output");
  EXPECT_LT(max_rel_err(out, ref), 1e-5);
  // With the stored weights, a different first frame gives a different answer (not a fluke).
  EXPECT_GT(max_rel_err(dit->forward(file.load("input.x"), file.load("input.t"),
                                     file.load("input.context"), file.load("input.clip_fea"),
                                     at::zeros_like(file.load("input.y"))),
                        ref),
            1e-2);
}

// ---- Wan sizes on the meta device -------------------------------------------------------------

struct WanList {
  std::map<std::string, std::vector<int64_t>> shapes;
  int64_t total = 0;
};

WanList read_list(const std::string& relative) {
  std::ifstream in(test::source_path(relative));
  EXPECT_TRUE(in.good()) << relative;
  WanList list;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {  // "# tensors N parameters M" carries the total
      const auto at = line.find(" parameters ");
      if (line.rfind("# tensors ", 0) == 0 && at != std::string::npos)
        list.total = std::stoll(line.substr(at + 12));
      continue;
    }
    std::istringstream fields(line);
    std::string name, shape;
    fields >> name >> shape;
    std::vector<int64_t> dims;
    std::istringstream parts(shape);
    for (std::string p; std::getline(parts, p, 'x');) dims.push_back(std::stoll(p));
    list.shapes[name] = dims;
  }
  return list;
}

void expect_matches_list(const DitOptions& o, const std::string& list_file) {
  const WanList wan = read_list(list_file);
  ASSERT_GT(wan.total, 0) << list_file;
  Dit dit(o, at::TensorOptions().device(at::kMeta));
  std::map<std::string, std::vector<int64_t>> ours;
  for (const auto& item : dit->named_parameters()) {
    EXPECT_TRUE(item.value().is_meta()) << item.key();
    ours[item.key()] = item.value().sizes().vec();
  }
  for (const auto& [name, shape] : wan.shapes) {
    auto it = ours.find(name);
    if (it == ours.end()) {
      ADD_FAILURE() << list_file << ": missing " << name;
      continue;
    }
    EXPECT_EQ(it->second, shape) << name;
  }
  for (const auto& [name, shape] : ours)
    EXPECT_TRUE(wan.shapes.count(name)) << list_file << ": extra " << name;
  const int64_t count = dit->parameter_count();
  EXPECT_LE(std::abs(static_cast<double>(count - wan.total)), 0.01 * wan.total);
  EXPECT_EQ(count, wan.total) << "exact count";
}

TEST(DitWan, T2v1_3bNamesShapesAndCountOnMeta) {
  expect_matches_list(DitOptions::wan_1_3b("t2v"), "tests/data/wan21_dit_1.3b_t2v_tensors.txt");
}

TEST(DitWan, I2v14bNamesShapesAndCountOnMeta) {
  expect_matches_list(DitOptions::wan_14b("i2v"), "tests/data/wan21_dit_14b_i2v_tensors.txt");
}

TEST(DitOptionsTest, FactoriesAndConfigKeys) {
  for (const auto& o : {DitOptions::tiny(), DitOptions::tiny("i2v"), DitOptions::small(),
                        DitOptions::wan_1_3b(), DitOptions::wan_14b("i2v")})
    EXPECT_NO_THROW(o.validate());
  EXPECT_EQ(DitOptions::wan_14b("i2v").in_dim, 36);
  EXPECT_EQ(DitOptions::wan_14b("i2v").head_dim(), 128);
  const auto keys = config::list_keys<DitOptions>();
  EXPECT_EQ(keys.size(), 23u);
  for (const char* k : {"dim", "num_layers", "image_context", "weights", "i2v_fill", "i2v_skip", "causal"})
    EXPECT_NE(std::find_if(keys.begin(), keys.end(),
                           [&](const auto& e) { return e.path == k; }),
              keys.end())
        << k;
  config::Document doc;
  config::apply_override(doc, "num_heads=5");
  EXPECT_THROW(config::bind<DitOptions>(doc), Error);  // 1536 % 5 != 0
}

// ---- flow matching ----------------------------------------------------------------------------

// prediction: x0 against velocity: the targets, the conversions back, and one Euler step from
// pure noise with a perfect x0 prediction landing on x0.
TEST(FlowMatching, X0PredictionConvertsToTheSameVelocity) {
  at::manual_seed(13);
  const at::Tensor x0 = at::randn({2, 3, 1, 2, 2}), eps = at::randn({2, 3, 1, 2, 2});
  const at::Tensor sigma = at::tensor({0.25f, 0.8f});
  const at::Tensor xt = add_noise(x0, eps, sigma);
  FlowMatchingOptions v, x;
  x.prediction = "x0";
  EXPECT_TRUE(at::equal(prediction_target(v, x0, eps), eps - x0));
  EXPECT_TRUE(at::equal(prediction_target(x, x0, eps), x0));
  EXPECT_TRUE(at::allclose(velocity_from_prediction(x, x0, xt, sigma), eps - x0, 1e-4, 1e-5));
  EXPECT_TRUE(at::equal(velocity_from_prediction(v, eps - x0, xt, sigma), eps - x0));
  EXPECT_TRUE(at::allclose(x0_from_prediction(v, eps - x0, xt, sigma), x0, 1e-5, 1e-5));
  EXPECT_TRUE(at::equal(x0_from_prediction(x, x0, xt, sigma), x0));
  const at::Tensor one = at::ones({}), step = eps + velocity_from_prediction(x, x0, eps, one) * -1.0;
  EXPECT_TRUE(at::allclose(step, x0, 1e-5, 1e-5));
  EXPECT_THROW(velocity_from_prediction(x, x0, xt, at::zeros({})), std::exception);
}

TEST(FlowMatching, NoiseTargetAndX0Identities) {
  at::manual_seed(12);
  const at::Tensor x0 = at::randn({3, 4, 2, 2, 2}), eps = at::randn({3, 4, 2, 2, 2});
  const at::Tensor sigma = at::tensor({0.0f, 0.3f, 1.0f});
  const at::Tensor xt = add_noise(x0, eps, sigma);
  EXPECT_TRUE(at::allclose(xt[0], x0[0]));
  EXPECT_TRUE(at::allclose(xt[2], eps[2]));
  EXPECT_TRUE(at::allclose(xt[1], 0.7 * x0[1] + 0.3 * eps[1], 1e-5, 1e-6));
  const at::Tensor v = velocity_target(x0, eps);
  EXPECT_TRUE(at::allclose(v, eps - x0));
  EXPECT_TRUE(at::allclose(x0_from_velocity(xt, v, sigma), x0, 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(timesteps_from_sigmas(sigma), at::tensor({0.0f, 300.0f, 1000.0f})));
  // The loss: plain mean, and the mean over a mask.
  EXPECT_NEAR(flow_matching_loss(v, at::zeros_like(v)).item<double>(),
              v.pow(2).mean().item<double>(), 1e-6);
  at::Tensor mask = at::zeros({3, 1, 1, 1, 1});
  mask[1] = 1;
  EXPECT_NEAR(flow_matching_loss(v, at::zeros_like(v), mask).item<double>(),
              v[1].pow(2).mean().item<double>(), 1e-6);
}

TEST(FlowMatching, ShiftValues) {
  EXPECT_DOUBLE_EQ(shift_sigma(0.5, 5.0), 2.5 / 3.0);
  EXPECT_DOUBLE_EQ(shift_sigma(0.25, 3.0), 0.5);
  EXPECT_DOUBLE_EQ(shift_sigma(0.0, 5.0), 0.0);
  EXPECT_DOUBLE_EQ(shift_sigma(1.0, 5.0), 1.0);
  EXPECT_DOUBLE_EQ(shift_sigma(0.37, 1.0), 0.37);
  const at::Tensor s = shift_sigma(at::tensor({0.1, 0.5, 0.9}, at::kDouble), 5.0);
  EXPECT_NEAR(s[0].item<double>(), 0.5 / 1.4, 1e-12);
  EXPECT_NEAR(s[2].item<double>(), 4.5 / 4.6, 1e-12);
}

TEST(FlowMatching, SigmaSamplingRangesAndMeans) {
  FlowMatchingOptions o;
  o.shift = 1.0;
  auto draw = [&](const FlowMatchingOptions& opts, uint64_t seed) {
    return sample_sigmas(opts, 8192, at::detail::createCPUGenerator(seed));
  };
  o.sigma_sampling = "uniform";
  const at::Tensor u = draw(o, 1);
  EXPECT_GE(u.min().item<double>(), 0.0);
  EXPECT_LT(u.max().item<double>(), 1.0);
  EXPECT_NEAR(u.mean().item<double>(), 0.5, 0.02);
  o.sigma_sampling = "logit_normal";
  const at::Tensor ln = draw(o, 1);
  EXPECT_GT(ln.min().item<double>(), 0.0);
  EXPECT_LT(ln.max().item<double>(), 1.0);
  EXPECT_NEAR(ln.mean().item<double>(), 0.5, 0.02);  // symmetric around sigmoid(0)
  EXPECT_NEAR(ln.std().item<double>(), 0.208, 0.02);  // std of sigmoid(N(0, 1)) ~ 0.2083
  EXPECT_TRUE(at::equal(ln, draw(o, 1)));
  EXPECT_FALSE(at::equal(ln, draw(o, 2)));
  o.shift = 5.0;  // mass moves towards noise: E ~ 0.77 for logit-normal(0, 1)
  const at::Tensor sh = draw(o, 1);
  EXPECT_TRUE(at::allclose(sh, shift_sigma(ln, 5.0)));
  EXPECT_GT(sh.mean().item<double>(), 0.7);
  EXPECT_LT(sh.max().item<double>(), 1.0);
}

TEST(FlowMatching, ConditionDropout) {
  at::manual_seed(13);
  FlowMatchingOptions o;
  Conditions c;
  c.context = at::randn({4, 5, 8});
  c.clip_fea = at::randn({4, 257, 8});
  c.y = at::randn({4, 20, 2, 2, 2});
  Conditions all = c;
  o.text_dropout = o.image_dropout = 1.0;
  drop_conditions(all, o, at::detail::createCPUGenerator(0));
  EXPECT_TRUE(at::all(all.text_dropped).item<bool>());
  EXPECT_EQ(all.context.abs().sum().item<double>(), 0.0);
  EXPECT_EQ(all.clip_fea.abs().sum().item<double>(), 0.0);
  EXPECT_EQ(all.y.narrow(1, 4, 16).abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(at::equal(all.y.narrow(1, 0, 4), c.y.narrow(1, 0, 4)));  // mask channels stay
  Conditions none = c;
  o.text_dropout = o.image_dropout = 0.0;
  drop_conditions(none, o, at::detail::createCPUGenerator(0));
  EXPECT_TRUE(at::equal(none.context, c.context));
  EXPECT_TRUE(at::equal(none.y, c.y));
  // Per sample, with the drawn flags.
  const at::Tensor drop = sample_drop(10000, 0.1, at::kCPU, at::detail::createCPUGenerator(3));
  EXPECT_NEAR(drop.to(at::kFloat).mean().item<double>(), 0.1, 0.01);
  const at::Tensor z = zero_dropped(at::ones({3, 2}), at::tensor({0, 1, 0}).to(at::kBool));
  EXPECT_TRUE(at::equal(z.sum(1), at::tensor({2.0f, 0.0f, 2.0f})));
}

}  // namespace
}  // namespace nc::model
