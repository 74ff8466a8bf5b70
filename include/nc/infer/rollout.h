// Rollouts: a trained neural computer generating frames. A RolloutEngine holds the frozen
// VAE, text encoder and DiT of a checkpoint and generates a clip from a first frame and a
// caption (image-to-video), longer rollouts chunk by chunk, each chunk conditioned on the
// last frame of the one before; a causal DiT (model.dit.causal) generates frame by frame
// instead (frame_stream.h).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "nc/config.h"
#include "nc/core/torch_compat.h"
#include "nc/infer/sampler.h"
#include "nc/model/dit.h"
#include "nc/model/vae.h"
#include "nc/text/caption_encoder.h"

namespace nc::infer {

struct RolloutRequest {
  at::Tensor first_frame;  // [3, H, W] float in [-1, 1]
  std::string caption;
  int frames = 9;          // output frames; above data.frames the rollout continues in chunks
  uint64_t seed = 0;
  // Per pixel frame, [1, F, ...] with F >= frames rounded up to whole chunks (a causal model:
  // whole latent frames; frame 0 is the first frame's); needed when the checkpoint's
  // model.action.injection is not none, ignored otherwise.
  model::ActionInputs actions;
};

// Where the time of one chunk went (wall seconds, measured on the host: exact on CPU, where
// every operation is synchronous).
struct ChunkTimes {
  double condition_s = 0;  // the first frame through the VAE encoder, the caption through T5
  double sample_s = 0;     // the sampler's DiT calls
  double decode_s = 0;     // the latents through the VAE decoder
};

// A scope whose DiT calls run at the sampler's precision (bf16 autocast on `device`, or as they are).
class PrecisionScope {
 public:
  PrecisionScope(const SamplerOptions& sampler, const c10::Device& device);

 private:
  std::optional<compat::AutocastGuard> autocast_;
};

class RolloutEngine {
 public:
  // `config` is the checkpoint's resolved config; `dit_weights` its DiT weights (a file or a
  // checkpoint folder); `untrained` keeps the DiT's initialisation (the baseline of an
  // evaluation).
  RolloutEngine(const Config& config, const std::string& dit_weights, const c10::Device& device,
                bool untrained = false);

  // [3, T, H, W] float in [-1, 1], T = request.frames (the first frame is the given one).
  at::Tensor generate(const RolloutRequest& request, const SamplerOptions& sampler);
  // One clip of `chunk_frames` (1 + 4k) frames; `actions` [1, chunk_frames, ...] when uses_actions().
  at::Tensor generate_chunk(const at::Tensor& first_frame, const std::string& caption, int chunk_frames,
                            uint64_t seed, const SamplerOptions& sampler, const model::ActionInputs& actions = {});

  int chunk_frames() const { return chunk_frames_; }
  // Whether chunks need the actions: to condition the DiT, or to draw the cursor reference stream.
  bool uses_actions() const {
    return config_.model.action.enabled() || config_.model.action.cursor.reference;
  }
  // `actions` on the engine's device, with the typed text's encoder features when the model
  // reads them (model.action.typed_text encoder).
  model::ActionInputs prepare_actions(const model::ActionInputs& actions);
  // The times of the last generate_chunk().
  const ChunkTimes& last_chunk_times() const { return times_; }
  const Config& config() const { return config_; }
  // The frozen networks, for frame-by-frame generation (frame_stream.h).
  model::Vae& vae() { return vae_; }
  model::Dit& dit() { return dit_; }
  text::CaptionEncoder& captions() { return *captions_; }
  const c10::Device& device() const { return device_; }

 private:
  Config config_;
  c10::Device device_;
  model::Vae vae_{nullptr};
  std::unique_ptr<text::CaptionEncoder> captions_;
  model::Dit dit_{nullptr};
  int chunk_frames_;
  ChunkTimes times_;
};

}  // namespace nc::infer
