// infer: the samplers on a problem with a known answer. For data x0 ~ N(mu, s^2) the exact
// velocity field is known in closed form, so the probability-flow ODE maps noise to data
// exactly; a good solver with few steps must land where a fine Euler integration lands.
// And frame-by-frame streams of a causal DiT.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "nc/config.h"
#include "nc/core/error.h"
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
  {
    at::NoGradGuard no_grad;
    engine.dit()->head->head->weight.normal_(0, 0.1);  // an untrained head outputs zeros
  }
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

  s.cfg = 3;
  EXPECT_THROW(FrameStream(engine, first, "x", s, 7), Error);
}

}  // namespace
}  // namespace nc::infer
