// Frame-by-frame generation with a causal DiT (model.dit.causal, docs/MODELS.md "Causal
// mode"): the given screen enters the DiT's key/value cache; each next latent frame is sampled
// attending to the cached window of past frames, joins the cache (re-noised to
// rollout.context_noise, against drift), and is decoded at once through the VAE's causal decode
// stream. Memory is bounded by the window (rollout.window) however long the stream runs.
#pragma once

#include <string>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "nc/infer/rollout.h"
#include "nc/model/kv_cache.h"
#include "nc/model/vae.h"

namespace nc::infer {

class FrameStream {
 public:
  // `first_frame` [3, H, W] in [-1, 1]. Guidance (cfg != 1) and actions are not supported yet.
  FrameStream(RolloutEngine& engine, const at::Tensor& first_frame, const std::string& caption,
              const SamplerOptions& sampler, uint64_t seed);

  // The next pixel frames [3, n, H, W] in [-1, 1], on the CPU: first the given frame (n = 1),
  // then one latent frame's worth each call (n = the VAE's temporal stride's frames: 1 for a
  // frame-wise VAE, 1 then 4 for Wan's).
  at::Tensor next();
  // Later frames follow this caption (the key/value cache keeps the frames made so far).
  void set_caption(const std::string& caption);

  const model::DitKvCache& cache() const { return cache_; }
  int64_t latent_frames() const { return latent_frames_; }  // made so far, the given one included

 private:
  // Noises `latent` to rollout.context_noise and runs it through the DiT into the cache.
  void commit(const at::Tensor& latent, const at::Tensor& y);

  RolloutEngine& engine_;
  SamplerOptions sampler_;
  model::DitKvCache cache_;
  model::VaeDecodeStream decoder_;
  at::Generator gen_;
  at::Tensor first_frame_;  // [3, H, W]
  at::Tensor context_;      // the caption's text features
  at::Tensor y_first_, y_next_;  // i2v condition of the given frame and of every later one
  int64_t latent_frames_ = 0;
  bool given_out_ = false;
};

}  // namespace nc::infer
