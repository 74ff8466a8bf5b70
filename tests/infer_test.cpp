// infer: the samplers on a problem with a known answer. For data x0 ~ N(mu, s^2) the exact
// velocity field is known in closed form, so the probability-flow ODE maps noise to data
// exactly; a good solver with few steps must land where a fine Euler integration lands.
// And frame-by-frame streams of a causal DiT.
#include <gtest/gtest.h>

#include <algorithm>

#include <ATen/ATen.h>

#include "nc/config.h"
#include "nc/core/error.h"
#include "nc/gui/synthetic_actions.h"
#include "nc/infer/frame_stream.h"
#include "nc/infer/sampler.h"
#include "test_util.h"

namespace nc::infer {
namespace {

constexpr double kMu = 0.7, kS = 0.3;

at::Tensor exact_velocity(const at::Tensor& x, double sigma) {
  const double a = 1.0 - sigma;
  const double var = a * a * kS * kS + sigma * sigma;
  const at::Tensor centred = (x - a * kMu) / var;
  const at::Tensor x0 = kMu + a * kS * kS * centred;
  const at::Tensor eps = sigma * centred;
  return eps - x0;
}

TEST(Sampler, ScheduleIsShiftedAndEndsAtZero) {
  auto s = sigma_schedule(4, 1.0);
  EXPECT_EQ(s, (std::vector<double>{1.0, 0.75, 0.5, 0.25, 0.0}));
  auto shifted = sigma_schedule(2, 5.0);
  EXPECT_DOUBLE_EQ(shifted[0], 1.0);
  EXPECT_NEAR(shifted[1], 5 * 0.5 / (1 + 4 * 0.5), 1e-12);
  EXPECT_DOUBLE_EQ(shifted[2], 0.0);
}

TEST(Sampler, SolversMapNoiseToTheDataDistribution) {
  at::manual_seed(0);
  const at::Tensor noise = at::randn({20000}, at::kDouble);
  SamplerOptions fine;
  fine.sampler = "euler";
  fine.steps = 4000;
  fine.shift = 1.0;
  const at::Tensor reference = sample(exact_velocity, noise, fine);
  EXPECT_NEAR(reference.mean().item<double>(), kMu, 0.01);
  EXPECT_NEAR(reference.std().item<double>(), kS, 0.01);

  auto mean_error = [&](const SamplerOptions& o) { return (sample(exact_velocity, noise, o) - reference).abs().mean().item<double>(); };
  SamplerOptions unipc, euler, first_order;
  unipc.shift = euler.shift = first_order.shift = 1.0;
  unipc.steps = euler.steps = first_order.steps = 10;
  euler.sampler = "euler";
  first_order.order = 1;
  const double e_unipc = mean_error(unipc), e_euler = mean_error(euler), e_first = mean_error(first_order);
  EXPECT_LT(e_unipc, 0.35 * e_euler) << "unipc " << e_unipc << " euler " << e_euler;
  EXPECT_LT(e_first, e_euler) << "the corrector should help: " << e_first << " vs " << e_euler;
  // Second order: doubling the steps cuts the error far more than Euler's factor of two.
  unipc.steps = 20;
  EXPECT_LT(mean_error(unipc), 0.25 * e_unipc);
  EXPECT_LT(mean_error(unipc), 0.005);
}

TEST(FrameStream, LongStreamsKeepMemoryFlatAndMatchGenerate) {
  const Config c = config::load<Config>(test::source_path("configs/tiny.yaml"),
                                        {"model.dit.causal=true", "data.frames=9", "run.threads=1"});
  at::manual_seed(0);
  RolloutEngine engine(c, "", at::kCPU, /*untrained=*/true);
  test::randomize_untrained_dit(*engine.dit());
  const at::Tensor first = at::rand({3, 32, 32}) * 2 - 1;
  SamplerOptions s;
  s.sampler = "euler";
  s.steps = 2;
  s.cfg = 1;
  s.window = 2;
  s.context_noise = 0.1;
  FrameStream stream(engine, first, "The user runs `ls`.", s, 7);
  std::vector<at::Tensor> frames = {stream.next()};
  EXPECT_TRUE(at::equal(frames[0], first.unsqueeze(1))) << "the given frame comes first";
  std::vector<int64_t> bytes;
  for (int i = 0; i < 10; ++i) {
    frames.push_back(stream.next());
    EXPECT_EQ(frames.back().size(1), 4) << "a latent frame of the tiny VAE decodes to 4 frames";
    bytes.push_back(stream.cache().bytes());
    EXPECT_EQ(stream.cache().frames, 2);
  }
  EXPECT_EQ(stream.latent_frames(), 11);
  EXPECT_EQ(bytes.front(), bytes.back()) << "the key/value cache stays at its window";
  const at::Tensor streamed = at::cat(frames, 1);
  EXPECT_TRUE(at::isfinite(streamed).all().item<bool>());
  EXPECT_GT((streamed.narrow(1, 1, 40) - first.unsqueeze(1)).abs().mean().item<double>(), 1e-3);

  // generate() of a causal model is the same stream, cut to the frames asked for.
  RolloutRequest r;
  r.first_frame = first;
  r.caption = "The user runs `ls`.";
  r.frames = 39;
  r.seed = 7;
  const at::Tensor video = engine.generate(r, s);
  ASSERT_EQ(video.size(1), 39);
  EXPECT_TRUE(at::allclose(video, streamed.narrow(1, 0, 39), 1e-5, 1e-5));

  // Guidance: the unconditional branch (the empty caption) keeps its own cache.
  SamplerOptions guided = s;
  guided.cfg = 3;
  FrameStream with_guidance(engine, first, "The user runs `ls`.", guided, 7);
  with_guidance.next();
  EXPECT_GT((with_guidance.next() - frames[1]).abs().max().item<double>(), 1e-4) << "guidance changes the frames";
  {
    at::NoGradGuard no_grad;  // every caption, the empty one included, now conditions the same
    engine.dit()->text_embedding_2->weight.zero_();
    engine.dit()->text_embedding_2->bias.zero_();
  }
  FrameStream a(engine, first, "The user runs `ls`.", guided, 7), b(engine, first, "The user runs `ls`.", s, 7);
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(at::allclose(a.next(), b.next(), 1e-5, 1e-5)) << "guidance without a text signal changes nothing, frame " << i;

  // A sink keeps the given frame; the default window shrinks so that the attended span stays
  // the training clip's 3 latent frames.
  SamplerOptions anchored = s;
  anchored.window = 0;
  anchored.sink = 1;
  FrameStream sunk(engine, first, "x", anchored, 7);
  for (int i = 0; i < 5; ++i) sunk.next();
  EXPECT_EQ(sunk.cache().sink, 1);
  EXPECT_EQ(sunk.cache().window, 1);
  EXPECT_EQ(sunk.cache().frames, 2);
}

// rollout.precision bf16: the DiT runs under bf16 autocast (here on the CPU): the frames differ
// from float32's, and stay close to them.
TEST(FrameStream, Bf16PrecisionStaysCloseToFloat32) {
  const Config c = config::load<Config>(test::source_path("configs/tiny.yaml"),
                                        {"model.dit.causal=true", "data.frames=9", "run.threads=1"});
  at::manual_seed(4);
  RolloutEngine engine(c, "", at::kCPU, /*untrained=*/true);
  test::randomize_untrained_dit(*engine.dit());
  const at::Tensor first = at::rand({3, 32, 32}) * 2 - 1;
  SamplerOptions fp32;
  fp32.sampler = "euler";
  fp32.steps = 2;
  fp32.cfg = 1;
  SamplerOptions bf16 = fp32;
  bf16.precision = "bf16";
  FrameStream a(engine, first, "x", fp32, 3), b(engine, first, "x", bf16, 3);
  a.next(), b.next();
  double worst = 0;
  for (int i = 0; i < 3; ++i) worst = std::max(worst, (a.next() - b.next()).abs().max().item<double>());
  EXPECT_GT(worst, 0) << "bf16 arithmetic differs somewhere";
  EXPECT_LT(worst, 0.1) << "but stays close (frames in [-1, 1])";
}

// A causal model with actions streams each latent frame from the actions of the pixel frames
// it makes: frames before a changed action stay equal, the frames it makes differ, and
// generate() with a clip's actions is the same stream.
TEST(FrameStream, EachLatentFrameFollowsItsActions) {
  const Config c = config::load<Config>(
      test::source_path("configs/tiny.yaml"),
      {"model.dit.causal=true", "data.frames=9", "run.threads=1", "model.action.injection=internal",
       "model.action.mouse=none", "model.action.dim=16", "model.action.heads=2"});
  at::manual_seed(1);
  RolloutEngine engine(c, "", at::kCPU, /*untrained=*/true);
  test::randomize_untrained_dit(*engine.dit());
  gui::SyntheticActionsOptions square;
  square.frames = 9;
  square.press_probability = 1.0;
  auto actions_of = [&](int index) {
    return model::ActionInputs::from_tensors(gui::synthetic_actions_clip(square, index).tensors,
                                             engine.dit()->action_options())
        .unsqueeze_batch();
  };
  const model::ActionInputs a = actions_of(0), b = actions_of(1);
  ASSERT_EQ(a.frames(), 9);
  const at::Tensor first = at::rand({3, 32, 32}) * 2 - 1;
  SamplerOptions s;
  s.sampler = "euler";
  s.steps = 2;
  s.cfg = 1;
  auto stream_with = [&](const model::ActionInputs& second_step) {
    FrameStream stream(engine, first, "A square.", s, 3, a.frames_slice(0, 1));
    std::vector<at::Tensor> frames = {stream.next(), stream.next(a.frames_slice(1, 4)),
                                      stream.next(second_step.frames_slice(5, 4))};
    EXPECT_EQ(stream.cache().actions.size(1), 2) << "a feature per cached frame, in the window (3 latent frames less one)";
    return at::cat(frames, 1);
  };
  const at::Tensor same = stream_with(a), other = stream_with(b);
  ASSERT_EQ(same.size(1), 9);
  EXPECT_TRUE(at::equal(same.narrow(1, 0, 5), other.narrow(1, 0, 5))) << "the past does not see later actions";
  EXPECT_GT((same.narrow(1, 5, 4) - other.narrow(1, 5, 4)).abs().max().item<double>(), 1e-3);

  RolloutRequest r;
  r.first_frame = first;
  r.caption = "A square.";
  r.frames = 9;
  r.seed = 3;
  r.actions = a;
  EXPECT_TRUE(at::allclose(engine.generate(r, s), same, 1e-5, 1e-5));
  r.actions = a.frames_slice(0, 5);
  EXPECT_THROW(engine.generate(r, s), Error) << "the actions cover 5 of 9 frames";

  FrameStream stream(engine, first, "A square.", s, 3, a.frames_slice(0, 1));
  stream.next();
  EXPECT_THROW(stream.next(), Error) << "a latent frame needs its actions";
  EXPECT_THROW(stream.next(a.frames_slice(1, 3)), Error) << "3 frames' actions for a 4-frame step";
  EXPECT_THROW(FrameStream(engine, first, "x", s, 3), Error) << "the given frame's actions";
}

}  // namespace
}  // namespace nc::infer
