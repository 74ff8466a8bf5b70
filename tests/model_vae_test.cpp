// model::Vae: Wan2.1's causal video VAE. Shapes, causality, chunked = whole-sequence passes,
// streaming, Wan's parameter names, Wan's own outputs on a formula-defined small model,
// weights round trip, input errors, gradients. Tiny widths and 16x16 frames keep it fast.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/Context.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/randn_like.h>
#include <ATen/ops/sin.h>
#include <ATen/ops/zeros.h>

#include "nc/core/error.h"
#include "nc/model/i2v.h"
#include "nc/model/vae.h"
#include "nc/model/weights.h"
#include "test_util.h"

namespace nc::model {
namespace {

// A tiny VAE in eval mode with every weight random: Wan starts the attention output projection
// at zero, which would hide the attention path from the comparisons below.
Vae tiny_vae(uint64_t seed = 1, VaeOptions options = VaeOptions::tiny()) {
  at::manual_seed(seed);
  Vae vae(options);
  vae->eval();
  at::NoGradGuard no_grad;
  for (auto& item : vae->named_parameters())
    if (item.key().find("proj.weight") != std::string::npos) item.value().uniform_(-0.3, 0.3);
  return vae;
}

at::Tensor random_video(int64_t frames, int64_t h = 16, int64_t w = 16, int64_t batch = 1) {
  return at::rand({batch, 3, frames, h, w}) * 2 - 1;
}

double max_diff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a - b).abs().max().item<double>();
}

template <class F>
std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected nc::Error";
  return "";
}

TEST(Vae, ShapesFor1And5And9Frames) {
  Vae vae = tiny_vae();
  at::NoGradGuard no_grad;
  for (int64_t frames : {1, 5, 9}) {
    const at::Tensor video = random_video(frames, 16, 24, 2);
    const at::Tensor latent = vae->encode(video);
    EXPECT_EQ(latent.sizes(), (std::vector<int64_t>{2, 4, (frames - 1) / 4 + 1, 2, 3})) << frames;
    const VaeDistribution d = vae->encode_distribution(video);
    EXPECT_EQ(d.mean.sizes(), latent.sizes());
    EXPECT_EQ(d.log_var.sizes(), latent.sizes());
    const at::Tensor decoded = vae->decode(latent);
    EXPECT_EQ(decoded.sizes(), video.sizes()) << frames;
    EXPECT_LE(decoded.abs().max().item<double>(), 1.0);
  }
}

TEST(Vae, EncoderIsCausal) {
  // Latent frame j sees video frames <= 4j: changing frame t leaves latent frames j < t/4 as
  // they were, and changes frame ceil(t/4).
  Vae vae = tiny_vae();
  at::NoGradGuard no_grad;
  const at::Tensor video = random_video(9);
  for (VaePass pass : {VaePass::kChunked, VaePass::kWhole}) {
    const at::Tensor base = vae->encode(video, pass);
    for (int64_t t : {1, 4, 5, 8}) {
      at::Tensor changed = video.clone();
      changed.narrow(2, t, 1).uniform_(-1, 1);
      const at::Tensor latent = vae->encode(changed, pass);
      const int64_t first_affected = (t + 3) / 4;
      for (int64_t j = 0; j < first_affected; ++j)
        EXPECT_LE(max_diff(latent.narrow(2, j, 1), base.narrow(2, j, 1)), 1e-6) << "t " << t << " j " << j;
      EXPECT_GT(max_diff(latent.narrow(2, first_affected, 1), base.narrow(2, first_affected, 1)), 1e-4) << t;
    }
  }
}

TEST(Vae, DecoderIsCausal) {
  // Latent frame j >= 1 becomes video frames 4j-3 .. 4j; earlier frames never see it.
  Vae vae = tiny_vae();
  at::NoGradGuard no_grad;
  const at::Tensor latent = at::randn({1, 4, 3, 2, 2});
  const at::Tensor base = vae->decode_unclamped(latent);
  for (int64_t j : {1, 2}) {
    at::Tensor changed = latent.clone();
    changed.narrow(2, j, 1).normal_();
    const at::Tensor video = vae->decode_unclamped(changed);
    const int64_t first_affected = 4 * j - 3;
    EXPECT_LE(max_diff(video.narrow(2, 0, first_affected), base.narrow(2, 0, first_affected)), 1e-6) << j;
    EXPECT_GT(max_diff(video.narrow(2, first_affected, 1), base.narrow(2, first_affected, 1)), 1e-4) << j;
  }
}

TEST(Vae, ChunkedEqualsWholeSequence) {
  Vae vae = tiny_vae();
  at::NoGradGuard no_grad;
  const at::Tensor video = random_video(9);
  const VaeDistribution chunked = vae->encode_distribution(video, VaePass::kChunked);
  const VaeDistribution whole = vae->encode_distribution(video, VaePass::kWhole);
  EXPECT_LE(max_diff(chunked.mean, whole.mean), 1e-5);
  EXPECT_LE(max_diff(chunked.log_var, whole.log_var), 1e-5);
  EXPECT_GT(chunked.mean.abs().max().item<double>(), 1e-3);

  const at::Tensor latent = at::randn({1, 4, 3, 2, 2});
  const at::Tensor a = vae->decode_unclamped(latent, VaePass::kChunked);
  const at::Tensor b = vae->decode_unclamped(latent, VaePass::kWhole);
  EXPECT_LE(max_diff(a, b), 1e-5 * std::max(1.0, b.abs().max().item<double>()));
}

// frame_wise: a clip is its frames, each encoded and decoded as if alone (an image VAE); the
// streams and both passes agree.
TEST(Vae, FrameWiseTreatsEachFrameAlone) {
  VaeOptions options = VaeOptions::tiny();
  options.temporal_downsample = {0, 0, 0};
  options.frame_wise = true;
  Vae vae = tiny_vae(2, options);
  at::NoGradGuard no_grad;
  const at::Tensor video = random_video(3, 16, 16, 2);
  const at::Tensor latent = vae->encode(video, VaePass::kWhole);
  ASSERT_EQ(latent.sizes(), (std::vector<int64_t>{2, 4, 3, 2, 2}));
  EXPECT_GT(max_diff(latent.select(2, 0), latent.select(2, 1)), 1e-3);
  for (int64_t t = 0; t < 3; ++t)
    EXPECT_LE(max_diff(latent.narrow(2, t, 1), vae->encode(video.narrow(2, t, 1))), 1e-5) << "frame " << t;
  EXPECT_LE(max_diff(latent, vae->encode(video, VaePass::kChunked)), 1e-5);

  const at::Tensor frames = vae->decode(latent, VaePass::kWhole);
  ASSERT_EQ(frames.sizes(), video.sizes());
  for (int64_t t = 0; t < 3; ++t)
    EXPECT_LE(max_diff(frames.narrow(2, t, 1), vae->decode(latent.narrow(2, t, 1))), 1e-5) << "frame " << t;
  VaeDecodeStream stream(vae);
  const at::Tensor streamed = at::cat({stream.push(latent.narrow(2, 0, 2)), stream.push(latent.narrow(2, 2, 1))}, 2);
  EXPECT_LE(max_diff(streamed, frames), 1e-5);

  // The i2v condition takes a shortcut (two frames encoded, not all): it must equal Wan's way.
  const at::Tensor first = video.select(2, 0);
  const at::Tensor wan_way =
      vae->encode(at::cat({first.unsqueeze(2), at::zeros({2, 3, 4, 16, 16})}, 2), VaePass::kWhole);
  const at::Tensor y = i2v_condition(vae, first, 5);
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{2, 1 + 4, 5, 2, 2}));
  EXPECT_LE(max_diff(y.narrow(1, 1, 4), wan_way), 1e-5);
  EXPECT_LE(max_diff(i2v_condition(vae, first, 5, false, vae->encode(video)).narrow(1, 1, 4).narrow(2, 0, 3),
                     wan_way.narrow(2, 0, 3)),
            1e-5);
  // model.dit.i2v_fill = first: the first frame's latent in every step, the mask as before.
  const at::Tensor repeated = i2v_condition(vae, first, 5, false, {}, /*repeat_first=*/true);
  for (int64_t t = 0; t < 5; ++t)
    EXPECT_LE(max_diff(repeated.narrow(1, 1, 4).select(2, t), wan_way.select(2, 0)), 1e-5) << "step " << t;
  EXPECT_TRUE(at::equal(repeated.narrow(1, 0, 1), y.narrow(1, 0, 1)));
}

TEST(Vae, StreamsEqualWholeCalls) {
  Vae vae = tiny_vae();
  at::NoGradGuard no_grad;
  const at::Tensor video = random_video(13);
  const at::Tensor latent = vae->encode(video);  // [1, 4, 4, 2, 2]

  // Encode: 1 + 4 + 8 frames, and 5 + 4 + 4.
  for (std::vector<int64_t> pushes : {std::vector<int64_t>{1, 4, 8}, std::vector<int64_t>{5, 4, 4}}) {
    VaeEncodeStream stream(vae);
    std::vector<at::Tensor> parts;
    int64_t t = 0;
    for (int64_t n : pushes) {
      parts.push_back(stream.push(video.narrow(2, t, n)));
      t += n;
    }
    EXPECT_EQ(stream.frames_in(), 13);
    EXPECT_LE(max_diff(at::cat(parts, 2), latent), 1e-6);
  }

  // Decode latent frames one by one (a rollout), and as 2 + 1 + 1.
  const at::Tensor decoded = vae->decode(latent);
  for (std::vector<int64_t> pushes : {std::vector<int64_t>{1, 1, 1, 1}, std::vector<int64_t>{2, 1, 1}}) {
    VaeDecodeStream stream(vae);
    std::vector<at::Tensor> parts;
    std::vector<int64_t> cache_bytes;
    int64_t t = 0;
    for (int64_t n : pushes) {
      parts.push_back(stream.push(latent.narrow(2, t, n)));
      cache_bytes.push_back(stream.cache_bytes());
      t += n;
    }
    EXPECT_EQ(parts[0].size(2), 1 + 4 * (pushes[0] - 1));
    EXPECT_EQ(parts[1].size(2), 4 * pushes[1]);
    EXPECT_LE(max_diff(at::cat(parts, 2), decoded), 1e-6);
    // Bounded memory: the cache does not grow with the frames decoded.
    EXPECT_EQ(cache_bytes[1], cache_bytes.back());
  }

  // reset() starts a new video; a different frame size is refused without one.
  VaeDecodeStream stream(vae);
  stream.push(latent.narrow(2, 0, 1));
  const std::string msg = error_of([&] { stream.push(at::randn({1, 4, 1, 3, 3})); });
  EXPECT_NE(msg.find("differ from the first push"), std::string::npos) << msg;
  stream.reset();
  EXPECT_LE(max_diff(stream.push(latent.narrow(2, 0, 1)), decoded.narrow(2, 0, 1)), 1e-6);
}

// Wan2.1's tensor names and shapes, from tests/data/wan21_vae_tensors.txt.
std::vector<std::pair<std::string, std::string>> wan_tensor_list() {
  std::ifstream in(test::source_path("tests/data/wan21_vae_tensors.txt"));
  EXPECT_TRUE(in.good());
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, shape;
    fields >> name >> shape;
    out.emplace_back(name, shape);
  }
  return out;
}

TEST(Vae, TensorNamesAndShapesAreWan21s) {
  // The full-size model on the meta device: shapes without storage.
  Vae vae(VaeOptions::wan21(), at::kMeta);
  std::vector<std::pair<std::string, std::string>> ours;
  int64_t values = 0;
  for (const auto& [name, tensor] : named_weights(*vae)) {
    EXPECT_TRUE(tensor.is_meta()) << name;
    std::string shape;
    for (int64_t d : tensor.sizes()) shape += (shape.empty() ? "" : "x") + std::to_string(d);
    ours.emplace_back(name, shape);
    values += tensor.numel();
  }
  const auto wan = wan_tensor_list();
  ASSERT_EQ(wan.size(), 194u);
  EXPECT_EQ(ours, wan);
  EXPECT_EQ(values, 126892531);
}

// The closed-form weights and input of scripts/vae_reference.py.
void formula_weights(Vae& vae) {
  at::NoGradGuard no_grad;
  int64_t k = 0;
  for (auto& [name, p] : named_weights(*vae)) {
    const at::Tensor i = at::arange(p.numel(), at::kDouble);
    at::Tensor v = at::sin(i * 0.37 + (0.71 * double(k++) + 0.1));
    if (name.size() >= 5 && name.compare(name.size() - 5, 5, "gamma") == 0)
      v = v * 0.2 + 1;
    else if (p.dim() >= 2)
      v = v * std::sqrt(3.0 / double(p.numel() / p.size(0)));
    else
      v = v * 0.1;
    p.copy_(v.reshape(p.sizes()));
  }
}

TEST(Vae, MatchesWan21Code) {
  // tests/data/vae_wan_reference.safetensors holds what Wan2.1's vae.py computes (encode with
  // its scale, decode) for the formula weights and video, in float64 (scripts/vae_reference.py).
  // We run in float64 too: float32 rounding alone moves the decoded frames by ~1e-4.
  VaeOptions options = VaeOptions::tiny();
  options.latent_mean = {0.1, -0.2, 0.3, -0.4};
  options.latent_std = {1.5, 0.5, 2.0, 1.0};
  Vae vae(options);
  vae->eval();
  formula_weights(vae);
  vae->to(at::kDouble);
  const at::Tensor i = at::arange(3 * 9 * 16 * 16, at::kDouble);
  const at::Tensor video = (at::sin(i * 0.05 + at::cos(i * 0.011) * 0.3) * 0.8)
                               .reshape({1, 3, 9, 16, 16})
                               .to(at::kFloat)
                               .to(at::kDouble);
  const auto ref = safetensors::File::open(test::source_path("tests/data/vae_wan_reference.safetensors"));
  auto expected = [&](const char* name) { return ref.load(name).to(at::kDouble); };
  at::NoGradGuard no_grad;
  for (VaePass pass : {VaePass::kChunked, VaePass::kWhole}) {
    // The reference is stored as float32: compare to that precision (decoded values reach +-6).
    const VaeDistribution d = vae->encode_distribution(video, pass);
    EXPECT_LE(max_diff(d.mean, expected("mean")), 1e-6);
    EXPECT_LE(max_diff(d.log_var, expected("log_var")), 1e-6);
    EXPECT_LE(max_diff(vae->encode(video, pass), expected("latent")), 1e-6);
    EXPECT_LE(max_diff(vae->decode_unclamped(expected("latent"), pass), expected("decoded")), 1e-6);
  }
}

TEST(Vae, WeightsRoundTripThroughSafetensors) {
  test::TempDir dir;
  Vae vae = tiny_vae(1);
  save_weights(*vae, dir.file("vae.safetensors"));
  Vae fresh = tiny_vae(2);
  const LoadReport report = load_weights(*fresh, dir.file("vae.safetensors"));
  EXPECT_EQ(report.loaded.size(), named_weights(*vae).size());
  EXPECT_TRUE(report.missing.empty());
  EXPECT_TRUE(report.unexpected.empty());

  at::NoGradGuard no_grad;
  const at::Tensor video = random_video(5);
  const at::Tensor latent = vae->encode(video);
  EXPECT_TRUE(latent.equal(fresh->encode(video)));
  EXPECT_TRUE(vae->decode(latent).equal(fresh->decode(latent)));

  // Another configuration's file is refused before anything is copied.
  VaeOptions other = VaeOptions::tiny();
  other.base_dim = 16;
  Vae wider = tiny_vae(3, other);
  const std::string msg = error_of([&] { load_weights(*wider, dir.file("vae.safetensors")); });
  EXPECT_NE(msg.find("encoder.conv1.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("shape [8, 3, 3, 3, 3] in the file, the model has [16, 3, 3, 3, 3]"), std::string::npos) << msg;
}

TEST(Vae, StrictLoadListsMissingAndUnexpected) {
  test::TempDir dir;
  Vae vae = tiny_vae();
  auto tensors = named_weights(*vae);
  tensors.erase(tensors.begin());               // encoder.conv1.weight
  tensors.emplace_back("extra.weight", at::zeros({2}));
  safetensors::save(dir.file("partial.safetensors"), tensors);
  Vae fresh = tiny_vae(2);
  const std::string msg = error_of([&] { load_weights(*fresh, dir.file("partial.safetensors")); });
  EXPECT_NE(msg.find("1 model tensors missing from the file (encoder.conv1.weight)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1 file tensors the model does not have (extra.weight)"), std::string::npos) << msg;
  const LoadReport report = load_weights(*fresh, dir.file("partial.safetensors"), /*strict=*/false);
  EXPECT_EQ(report.missing, std::vector<std::string>{"encoder.conv1.weight"});
  EXPECT_EQ(report.unexpected, std::vector<std::string>{"extra.weight"});
}

TEST(Vae, BadInputsAreClearErrors) {
  Vae vae = tiny_vae();
  at::NoGradGuard no_grad;
  auto encode_error = [&](const at::Tensor& video) { return error_of([&] { vae->encode(video); }); };

  std::string msg = encode_error(at::rand({3, 5, 16, 16}));
  EXPECT_NE(msg.find("expected a 5-D video [B, 3, T, H, W], got 4 dimensions"), std::string::npos) << msg;
  EXPECT_NE(msg.find("vae.encode: video [3, 5, 16, 16]"), std::string::npos) << msg;

  msg = encode_error(at::rand({1, 4, 5, 16, 16}));
  EXPECT_NE(msg.find("expected 3 colour channels, got 4"), std::string::npos) << msg;

  msg = encode_error(at::rand({1, 3, 6, 16, 16}));
  EXPECT_NE(msg.find("frame count 6 is not 1 + 4k"), std::string::npos) << msg;
  EXPECT_NE(msg.find("use 1, 5, 9, ... frames"), std::string::npos) << msg;

  msg = encode_error(at::rand({1, 3, 5, 12, 16}));
  EXPECT_NE(msg.find("height 12 and width 16 must be positive multiples of 8"), std::string::npos) << msg;

  msg = error_of([&] { vae->decode(at::randn({1, 16, 2, 2, 2})); });
  EXPECT_NE(msg.find("expected 4 latent channels (z_dim), got 16"), std::string::npos) << msg;
  msg = error_of([&] { vae->encode(at::Tensor()); });
  EXPECT_NE(msg.find("no video given"), std::string::npos) << msg;
  msg = error_of([&] { vae->decode(at::randn({4, 2, 2, 2})); });
  EXPECT_NE(msg.find("expected a 5-D latent"), std::string::npos) << msg;

  VaeEncodeStream stream(vae);
  stream.push(random_video(1));
  msg = error_of([&] { stream.push(random_video(3)); });
  EXPECT_NE(msg.find("frame count 3 is not a multiple of 4"), std::string::npos) << msg;
  EXPECT_EQ(stream.frames_in(), 1);
}

// A config root with a `vae` section.
struct VaeRoot {
  VaeOptions vae;
  template <class V>
  void visit(V& v) {
    v("vae", vae, "video VAE");
  }
};

TEST(Vae, BadOptionsAreClearErrors) {
  VaeOptions o = VaeOptions::tiny();
  o.temporal_downsample = {0, 1};
  std::string msg = error_of([&] { Vae vae(o, at::kMeta); });
  EXPECT_NE(msg.find("vae.temporal_downsample"), std::string::npos) << msg;
  EXPECT_NE(msg.find("one flag per level boundary: 3 for 4 levels, got 2"), std::string::npos) << msg;

  o = VaeOptions::tiny();
  o.frame_wise = true;
  msg = error_of([&] { Vae vae(o, at::kMeta); });
  EXPECT_NE(msg.find("vae.frame_wise"), std::string::npos) << msg;
  EXPECT_NE(msg.find("needs temporal_downsample all 0"), std::string::npos) << msg;

  o = VaeOptions::tiny();
  o.latent_std = {1, 1};
  msg = error_of([&] { Vae vae(o, at::kMeta); });
  EXPECT_NE(msg.find("latent_std needs z_dim = 4 values, got 2"), std::string::npos) << msg;

  o = VaeOptions::tiny();
  o.base_dim = 0;
  msg = error_of([&] { Vae vae(o, at::kMeta); });
  EXPECT_NE(msg.find("vae.base_dim"), std::string::npos) << msg;

  // The same declaration drives the config reader.
  const auto doc = config::parse_text(R"({"vae": {"z_dim": 8, "dim_mult": [1, 2]}})", "x.json", false);
  msg = error_of([&] { config::bind<VaeRoot>(doc); });
  EXPECT_NE(msg.find("vae.temporal_downsample"), std::string::npos) << msg;
  bool listed = false;
  for (const auto& key : config::list_keys<VaeOptions>()) listed |= key.path == "latent_mean";
  EXPECT_TRUE(listed);
}

TEST(Vae, GradientsReachEveryParameter) {
  // One training step of a tiny VAE: reconstruction + KL through the chunked passes.
  Vae vae = tiny_vae();
  vae->train();
  const at::Tensor video = random_video(5);
  const VaeDistribution d = vae->encode_distribution(video);
  const at::Tensor z = d.mean + (d.log_var * 0.5).exp() * at::randn_like(d.mean);
  const at::Tensor recon = vae->decode_unclamped(vae->normalize(z));
  const at::Tensor kl = ((d.mean * d.mean + d.log_var.exp() - d.log_var - 1) * 0.5).mean();
  const at::Tensor loss = (recon - video).pow(2).mean() + kl * 1e-3;
  loss.backward();
  for (const auto& item : vae->named_parameters()) {
    const at::Tensor& grad = item.value().grad();
    ASSERT_TRUE(grad.defined()) << item.key();
    EXPECT_TRUE(grad.isfinite().all().item<bool>()) << item.key();
    EXPECT_GT(grad.abs().sum().item<double>(), 0.0) << item.key();
  }
}

}  // namespace
}  // namespace nc::model
