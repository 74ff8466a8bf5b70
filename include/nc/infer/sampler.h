// Flow-matching samplers: integrate dx/dsigma = v(x, sigma) from noise (sigma = 1) to data
// (sigma = 0), where the model predicts v = noise - x0 (PAPER.md §2.1). The sigma schedule is
// linear in [1, 0] with Wan's shift, sigma' = shift sigma / (1 + (shift - 1) sigma).
//   euler: x <- x + (sigma_next - sigma) v                      (one model call per step)
//   unipc: UniPC multistep, data-prediction form, bh2, order 2 predictor and corrector, as
//          Wan2.1's FlowUniPCMultistepScheduler (one model call per step)
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/core/config.h"

namespace nc::infer {

struct SamplerOptions {
  std::string sampler = "unipc";
  int steps = 40;        // PAPER.md §2.1: Wan's I2V default
  double shift = 5.0;
  double cfg = 5.0;      // classifier-free guidance scale; 1 = off
  int order = 2;         // UniPC order (1 or 2)
  // Causal models (model.dit.causal, frame_stream.h): latent frames of past context kept in the
  // key/value cache (0: the training clip's latent frames less one, less the sink), the first
  // frames kept for the whole stream ahead of them (the given frame as an anchor), and the noise
  // level the generated frames are given before they join it (anti-drift; 0 = clean).
  int window = 0;
  int sink = 0;
  double context_noise = 0;
  // The DiT's arithmetic in rollouts and streams: fp32, or bf16 autocast on the model's device
  // (weights stay float32; Wan's float32 islands, the time embedding and the head, stay).
  std::string precision = "fp32";

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("sampler", sampler, "euler or unipc", one_of({"euler", "unipc"}));
    v("steps", steps, "sampling steps (model calls per latent chunk, doubled with CFG)", between(1, 1000));
    v("shift", shift, "timestep shift of the sigma schedule (Wan: 5, 3 at 480p)", positive());
    v("cfg", cfg, "classifier-free guidance scale on the text; 1 disables it", at_least(0));
    v("order", order, "UniPC order", between(1, 2));
    v("window", window, "causal models: latent frames of past context in the key/value cache (0: the clip's less one)",
      at_least(0));
    v("sink", sink,
      "causal models: the stream's first latent frames (1: the given frame) kept in the key/value cache for the "
      "whole stream, ahead of the window; 0: none",
      between(0, 1));
    v("precision", precision, "the DiT's arithmetic when generating: fp32, or bf16 autocast on the model's device",
      one_of({"fp32", "bf16"}));
    v("context_noise", context_noise,
      "causal models: noise level of the generated frames as they join the cache (anti-drift; 0 = clean)",
      between(0, 0.99));
  }
};

// sigma_0 = 1 > ... > sigma_steps = 0.
std::vector<double> sigma_schedule(int steps, double shift);

// v(x, sigma) for a batch; sigma is the same for every sample of the batch.
using VelocityFn = std::function<at::Tensor(const at::Tensor& x, double sigma)>;

// Integrates from `noise` (x at sigma = 1) to sigma = 0 and returns x0.
at::Tensor sample(const VelocityFn& velocity, const at::Tensor& noise, const SamplerOptions& options);

}  // namespace nc::infer
