// Frame-by-frame generation with a causal DiT (model.dit.causal, docs/MODELS.md "Causal
// mode"): the given screen enters the DiT's key/value cache; each next latent frame is sampled
// attending to the cached window of past frames, joins the cache (re-noised to
// rollout.context_noise, against drift), and is decoded at once through the VAE's causal decode
// stream. Memory is bounded by the window (rollout.window) however long the stream runs. A model
// with actions (internal, residual or external injection) takes each latent frame's actions, the
// user's input for the pixel frames it makes, as it is generated.
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
  // `first_frame` [3, H, W] in [-1, 1]; with actions, `first_actions` [1, 1, ...] are the given
  // frame's. With guidance (sampler.cfg != 1) the unconditional branch (the empty caption, as
  // text dropout trained it) keeps its own key/value cache: every frame runs through both.
  FrameStream(RolloutEngine& engine, const at::Tensor& first_frame, const std::string& caption,
              const SamplerOptions& sampler, uint64_t seed, const model::ActionInputs& first_actions = {});

  // The next pixel frames [3, n, H, W] in [-1, 1], on the CPU: first the given frame (n = 1),
  // then one latent frame's worth each call (n = frames_per_step(): 1 for a frame-wise VAE, 4
  // for Wan's). With actions, `actions` [1, n, ...] are those of the n frames this call makes
  // (none for the given frame).
  at::Tensor next(const model::ActionInputs& actions = {});
  int64_t frames_per_step() const { return stride_; }
  // Later frames follow this caption (the key/value cache keeps the frames made so far); the
  // caption in use already costs nothing.
  void set_caption(const std::string& caption);

  const model::DitKvCache& cache() const { return cache_; }  // the conditional branch's
  int64_t latent_frames() const { return latent_frames_; }  // made so far, the given one included

 private:
  bool guided() const { return sampler_.cfg != 1.0; }
  // Noises `latent` to rollout.context_noise and runs it through the DiT into the cache(s).
  void commit(const at::Tensor& latent, const at::Tensor& y, const at::Tensor& action);
  // With actions: encodes those of latent step `step`'s pixel frames (1 for the given frame,
  // frames_per_step() after it) into the history and returns the step's aligned feature
  // [1, 1, D]; undefined for a model without actions.
  at::Tensor action_feature(const model::ActionInputs& actions, int64_t step);

  RolloutEngine& engine_;
  SamplerOptions sampler_;
  model::DitKvCache cache_, uncond_cache_;  // the caption's; guidance: the empty caption's
  model::VaeDecodeStream decoder_;
  at::Generator gen_;
  at::Tensor first_frame_;  // [3, H, W]
  std::string caption_;
  at::Tensor context_, empty_context_;  // the caption's text features, and zeros like them
  at::Tensor y_first_, y_next_;  // i2v condition of the given frame and of every later one
  at::Tensor action_history_;  // per-frame action features [1, n, D] of the latest pixel frames
  int64_t action_first_ = 0;   // the pixel frame of action_history_'s first entry
  int64_t stride_;             // pixel frames per latent frame
  int64_t latent_frames_ = 0;
  bool given_out_ = false;
};

}  // namespace nc::infer
