#include "nc/train/dit_bench.h"

#include <algorithm>
#include <chrono>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/mse_loss.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randn.h>

#include "nc/core/error.h"
#include "nc/core/progress.h"
#include "nc/model/dit.h"
#include "nc/train/adamw.h"

namespace nc::train {

DitFlops dit_flops(const model::DitOptions& o, const DitStepShape& s) {
  const auto& p = o.patch_size;
  const double patch = static_cast<double>(p[0]) * p[1] * p[2];
  const double b = static_cast<double>(s.batch);
  const double l = static_cast<double>(s.frames / p[0]) * (s.height / p[1]) * (s.width / p[2]);
  const double lt = o.text_len, d = o.dim, ffn = o.ffn_dim;
  const double li = o.has_image_tokens() ? static_cast<double>(s.image_tokens) : 0.0;
  const double patch_fwd = 2 * b * l * (o.in_dim * patch) * d;
  const double time0_fwd = 2 * b * o.freq_dim * d;
  const double text0_fwd = 2 * b * lt * o.text_dim * d;
  double fwd = patch_fwd + time0_fwd + 2 * b * (d * d + 6 * d * d) + text0_fwd + 2 * b * lt * d * d;
  if (o.has_image_tokens()) fwd += 2 * b * li * (double(o.clip_dim) * o.clip_dim + double(o.clip_dim) * d);
  double block = 8 * b * l * d * d + 4 * b * l * l * d;         // self-attention
  block += 4 * b * l * d * d + 4 * b * lt * d * d + 4 * b * l * lt * d;  // cross-attention
  block += 4 * b * li * d * d + 4 * b * l * li * d;             // image tokens (li = 0 without)
  block += 4 * b * l * d * ffn;                                 // feed-forward
  fwd += o.num_layers * block;
  fwd += 2 * b * l * d * (o.out_dim * patch);  // head
  return {fwd, 2 * fwd - (patch_fwd + time0_fwd + text0_fwd)};
}

DitStepResult bench_dit_step(const model::DitOptions& options, const DitStepShape& shape, const OptimOptions& optim,
                             int warmup, int steps, const c10::Device& device, uint64_t seed) {
  check(warmup >= 0 && steps > 0, "need warmup >= 0 and steps > 0", "nc bench dit");
  check(shape.batch > 0 && shape.frames > 0 && shape.height > 0 && shape.width > 0,
        "the latent shape must be positive", "nc bench dit");
  const auto& p = options.patch_size;
  check(shape.frames % p[0] == 0 && shape.height % p[1] == 0 && shape.width % p[2] == 0,
        "latent " + std::to_string(shape.frames) + "x" + std::to_string(shape.height) + "x" +
            std::to_string(shape.width) + " is not divisible by the patch size",
        "model.dit.patch_size");
  model::Dit dit(options, at::TensorOptions().device(device));
  dit->train();
  NamedParams params;
  for (const auto& item : dit->named_parameters(/*recurse=*/true))
    if (item.value().requires_grad()) params.emplace_back(item.key(), item.value());
  AdamW adamw(params, optim);

  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  auto randn = [&](at::IntArrayRef size) { return at::randn(size, gen, f32).to(device); };
  const int64_t b = shape.batch;
  const at::Tensor x = randn({b, options.out_dim, shape.frames, shape.height, shape.width});
  const at::Tensor target = randn({b, options.out_dim, shape.frames, shape.height, shape.width});
  const at::Tensor t = (at::rand({b}, gen, f32) * 1000).to(device);
  const at::Tensor context = randn({b, options.text_len, options.text_dim});
  at::Tensor y, clip;
  if (options.is_i2v()) y = randn({b, options.in_dim - options.out_dim, shape.frames, shape.height, shape.width});
  if (options.has_image_tokens()) clip = randn({b, shape.image_tokens, options.clip_dim});

  DitStepResult r;
  r.flops = dit_flops(options, shape);
  r.tokens = (shape.frames / p[0]) * (shape.height / p[1]) * (shape.width / p[2]);
  for (const auto& [name, param] : params) r.parameters += param.numel();
  auto step = [&] {
    adamw.zero_grad();
    const at::Tensor loss = at::mse_loss(dit->forward(x, t, context, clip, y), target);
    loss.backward();
    adamw.step(optim.lr);
    return loss.item<double>();  // waits for the device
  };
  Progress progress("bench dit", warmup + steps, "steps");
  for (int i = 0; i < warmup; ++i) {
    const double loss = step();
    if (i == 0) r.first_loss = loss;
    progress.advance();
  }
  for (int i = 0; i < steps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const double loss = step();
    r.step_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (warmup == 0 && i == 0) r.first_loss = loss;
    r.last_loss = loss;
    progress.advance();
  }
  progress.finish();
  std::vector<double> sorted = r.step_seconds;
  std::sort(sorted.begin(), sorted.end());
  r.best_seconds = sorted.front();
  r.median_seconds = sorted.size() % 2 ? sorted[sorted.size() / 2]
                                       : 0.5 * (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
  return r;
}

}  // namespace nc::train
