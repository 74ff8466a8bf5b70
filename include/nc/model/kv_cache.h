// The keys and values of the latent frames a causal DiT (model.dit.causal) has generated, so
// that the next frame attends to them without recomputing them. Per block: the unrotated keys
// and the values of a sliding window of frames. RoPE is applied when they are used, with frame
// positions counted from the window's oldest frame, so positions (and memory) stay bounded
// however long a rollout runs. The first `sink` frames (the given screen) can stay for the whole
// stream, ahead of the window, as an anchor (the attention sinks of streaming language models). With actions (model.action.injection), the cache also keeps each
// frame's aligned action feature, and for external injection the latent that entered the DiT,
// since those modules look back over past frames too.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace nc::model {

struct DitKvCache {
  explicit DitKvCache(int64_t window = 0, int64_t sink = 0) : window(window), sink(sink) {}

  int64_t window;                // latent frames kept after the sink; 0: every frame (memory grows)
  int64_t sink;                  // the first frames, kept for the whole stream ahead of the window
  std::vector<at::Tensor> k, v;  // per block: [B, frames * tokens_per_frame, heads, head_dim]
  at::Tensor actions;            // with actions: [B, frames, D], the encoder's aligned features
  at::Tensor inputs;             // external injection: [B, C, frames, H, W], the latents x
  int64_t frames = 0, tokens_per_frame = 0;

  // Appends one frame's keys and values (one entry per block) and, when defined, its action
  // feature [B, 1, D] and input latent [B, C, 1, H, W]; then drops the oldest frame after the
  // sink while more than sink + window are held.
  void push(const std::vector<at::Tensor>& new_k, const std::vector<at::Tensor>& new_v,
            const at::Tensor& action = {}, const at::Tensor& input = {});
  int64_t bytes() const;
};

}  // namespace nc::model
