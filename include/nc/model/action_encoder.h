// The shared action encoder (PAPER.md §2.3): per pixel frame, the actions (v1 raw multi-hot or
// v2 meta slots) and the cursor (position or Fourier features) become one feature r_f [D]; the
// lag-aware window alignment turns them into one feature per latent step, which every
// injection mode reuses.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "nc/model/action_options.h"
#include "nc/model/layers.h"

namespace nc::model {

// The action tensors of a batch, per pixel frame (F frames). Names as in the GUI shards
// (docs/FORMATS.md "Desktop (GUI) clips"); each may be undefined when the encoder does not use it.
struct ActionInputs {
  at::Tensor raw_actions;         // v1: [B, F, 182] multi-hot (any dtype)
  at::Tensor mouse_trajectories;  // [B, F, 2] cursor in [0, 1]
  at::Tensor cursor_valid;        // [B, F] 1 where the cursor is known (undefined: everywhere)
  // v2 meta slots, each [B, F, S] int64 (actions.h): type 0 none, 1 click/drag, 2 scroll,
  // 3 typed text, 4 shortcut.
  at::Tensor types, button, click_count, drag, scroll_direction, scroll_amount, shortcut;
  at::Tensor text_bytes;     // type 3, optional: [B, F, S, N] int64, byte + 1 (0 = padding)
  at::Tensor text_features;  // type 3, optional: [B, F, S, text_dim] from the shared text encoder

  // From a batch's stacked shard tensors (raw_actions, mouse_trajectories, cursor_valid,
  // action_types, action_button, ...). Throws nc::Error naming the first missing tensor the
  // encoder needs.
  static ActionInputs from_tensors(const std::map<std::string, at::Tensor>& tensors,
                                   const ActionOptions& options);
  int64_t frames() const;  // F
  ActionInputs to(const c10::Device& device) const;
  ActionInputs frames_slice(int64_t start, int64_t length) const;  // frames [start, start + length)
  ActionInputs unsqueeze_batch() const;  // one clip's [F, ...] tensors -> [1, F, ...]
  bool empty() const { return !raw_actions.defined() && !types.defined() && !mouse_trajectories.defined(); }

 private:
  ActionInputs map(const std::function<at::Tensor(const at::Tensor&)>& fn) const;
};

// PAPER.md §2.3 alignment as a [T, F] matrix: row t averages the p = c*w pixel frames
// a_t - (p - 1 + lag) .. a_t - lag (a_t = t*c), each with weight 1/p; frames outside [0, F)
// count as zeros (zero padding, still divided by p).
at::Tensor alignment_matrix(int64_t latent_steps, int64_t frames, int temporal_stride, int window, int lag);
// r [B, F, D] -> [B, T, D]: the mean-pooled window of each latent step.
at::Tensor align_to_latent_steps(const at::Tensor& per_frame, int64_t latent_steps, int temporal_stride,
                                 int window, int lag);

// Streaming (one latent step at a time): the aligned feature [B, 1, D] of latent step `step`
// from the per-frame features [B, n, D] of pixel frames [first, first + n); frames outside them
// count as zeros. Equals row `step` of align_to_latent_steps over the whole stream when the n
// frames include the step's window: the latest alignment_frames() frames ending at a_step.
at::Tensor align_latent_step(const at::Tensor& per_frame, int64_t first, int64_t step, int temporal_stride, int window,
                             int lag);
inline int64_t alignment_frames(int temporal_stride, int window, int lag) {
  return static_cast<int64_t>(temporal_stride) * window + lag;
}

// Cursor features: clamp (x, y) to [0, 1], map to [-1, 1]; "fourier": a fixed Gaussian
// projection B [2, n] (std sigma, from the seed; buffer `projection`) -> [sin(2 pi xB),
// cos(2 pi xB)]; "position": (x, y) itself; then an MLP (mlp.0, SiLU, mlp.2) to D.
class MouseEncoderImpl : public torch::nn::Module {
 public:
  MouseEncoderImpl(const ActionOptions& options, const at::TensorOptions& tensor_options = {});
  // xy [B, F, 2], valid [B, F] (optional) -> [B, F, D], zero where the cursor is unknown.
  at::Tensor forward(const at::Tensor& xy, const at::Tensor& valid = {});

  at::Tensor projection;  // fourier only: [2, n]
  Linear mlp_in{nullptr}, mlp_out{nullptr};
};
TORCH_MODULE(MouseEncoder);

// The encoder. v2: each slot gets the embedding of its type plus those of its parameters
// (button, click count, drag, scroll direction, log(1 + amount), shortcut id, typed text as
// the mean of its byte embeddings or the projection of text-encoder features); a frame is the
// mean (or attention-weighted mean) of its valid slots, zero when it has none. v1: a bias-free
// MLP over the 182-d multi-hot (zero for a frame without events). Then + the mouse features.
class ActionEncoderImpl : public torch::nn::Module {
 public:
  ActionEncoderImpl(const ActionOptions& options, int64_t text_dim, const at::TensorOptions& tensor_options = {});

  // -> r [B, F, D], one feature per pixel frame.
  at::Tensor encode_frames(const ActionInputs& in);
  // -> [B, T, D], aligned to T latent steps.
  at::Tensor forward(const ActionInputs& in, int64_t latent_steps);

  const ActionOptions& options() const { return options_; }

  // v2
  at::Tensor type_embedding, button_embedding, click_embedding, drag_embedding, scroll_embedding,
      shortcut_embedding, byte_embedding, slot_query;
  Linear scroll_amount{nullptr}, text_proj{nullptr};
  // v1
  Linear raw_in{nullptr}, raw_out{nullptr};
  MouseEncoder mouse{nullptr};

 private:
  at::Tensor encode_slots(const ActionInputs& in);
  ActionOptions options_;
};
TORCH_MODULE(ActionEncoder);

}  // namespace nc::model
