// The four ways actions enter the DiT (PAPER.md §2.3, Fig. 7), as modules the Dit owns when
// model.action.injection says so. Every path they add ends in a zero-initialised projection
// (or gate), so a DiT with actions computes exactly what the DiT without them does until
// training moves those weights.
//
//   external    ExternalActionModule: Δz from causal temporal self-attention + action
//               cross-attention over the latents, z' = z + Δz, before the DiT
//   contextual  action tokens appended to the video tokens; every block's self-attention uses
//               the structured mask of contextual_mask (video rows: their V2V softmax plus a
//               zero-gated softmax over the V2A actions; action rows: joint A2V + A2A softmax)
//   residual    ResidualActionModule after chosen blocks: h += Δh(h, windowed actions)
//   internal    an ActionAttention sub-layer in chosen blocks, after the text cross-attention
//               and before the FFN: h += CA_action(norm(h), actions)
//
// Indices i, j, t are latent steps (patch t = 1); all tokens of a latent frame share its row.
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "nc/model/action_options.h"
#include "nc/model/attention.h"
#include "nc/model/layers.h"
#include "nc/model/rms_norm.h"

namespace nc::model {

// The contextual mask over [V; A] (Fig. 12), bool [N, N] with N = frames*tokens_per_frame +
// actions, True = attend. Rows are queries, columns keys; video token of frame i, action j:
//   V2V  frame i -> frame t  when |i - t| <= frame_window (every frame when frame_window < 0)
//   V2A  frame i -> action j when max(0, i - step_lag) <= j <= min(i, actions - 1)
//   A2V  action i -> frame t when t >= i + step_lag
//   A2A  action i -> action i only
at::Tensor contextual_mask(int64_t frames, int64_t tokens_per_frame, int64_t actions, int frame_window,
                           int step_lag);

// The V2A rule alone, per latent step: bool [frames, actions], frame i sees actions
// [max(0, i - step_lag), min(i, actions - 1)] (internal and residual use it too).
at::Tensor action_window(int64_t frames, int64_t actions, int step_lag);

// Multi-head attention from x to kv with qk RMSNorm, names q, k, v, o, norm_q, norm_k.
// mask bool broadcastable to [B, heads, Lq, Lk].
class ActionAttentionImpl : public torch::nn::Module {
 public:
  ActionAttentionImpl(int64_t dim, int64_t kv_dim, int64_t heads, double eps = 1e-6,
                      const at::TensorOptions& options = {});
  // x [B, Lq, dim], kv [B, Lk, kv_dim] -> [B, Lq, dim]
  at::Tensor forward(const at::Tensor& x, const at::Tensor& kv, const at::Tensor& mask);
  void zero_output();  // o.weight = o.bias = 0

  Linear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
  RmsNorm norm_q{nullptr}, norm_k{nullptr};

 private:
  int64_t heads_;
};
TORCH_MODULE(ActionAttention);

// External mode: per spatial position, the latent's T steps as tokens: in (C -> D), then
// `external_layers` x [causal temporal self-attention (step i sees steps <= i), action
// cross-attention (step i sees actions [i - step_lag, i])], out (D -> C, zero-initialised).
// Names: in, layers.N.{norm1, self_attn, norm2, cross_attn}, out.
class ExternalActionModuleImpl : public torch::nn::Module {
 public:
  ExternalActionModuleImpl(int64_t channels, const ActionOptions& options, const at::TensorOptions& to = {});
  // z [B, C, T, H, W], actions [B, T, D] -> Δz [B, C, T, H, W]
  at::Tensor forward(const at::Tensor& z, const at::Tensor& actions);
  void zero_output();

  Linear in{nullptr}, out{nullptr};
  std::vector<LayerNorm> norm1, norm2;
  std::vector<ActionAttention> self_attn, cross_attn;

 private:
  int step_lag_;
};
TORCH_MODULE(ExternalActionModule);

// Residual mode (ControlNet-style) after one block: Δh = out(GELU(hidden(norm(h)) +
// action(ā_i))), ā_i the mean of the action tokens [i - step_lag, i] of the token's frame i;
// out zero-initialised. Names: norm, hidden, action, out.
class ResidualActionModuleImpl : public torch::nn::Module {
 public:
  ResidualActionModuleImpl(int64_t dim, double eps, const at::TensorOptions& to = {});
  // h [B, L, dim] (frames x tokens_per_frame), actions [B, T, dim], window [frames, T] bool
  at::Tensor forward(const at::Tensor& h, const at::Tensor& actions, const at::Tensor& window);
  void zero_output();

  LayerNorm norm{nullptr};
  Linear hidden{nullptr}, action{nullptr}, out{nullptr};
};
TORCH_MODULE(ResidualActionModule);

// Contextual mode's self-attention inside one block, with the block's own projections.
// x [B, L + T, dim] (the modulated, normed stream: L video tokens then T action tokens),
// rope over the L video tokens, masks from contextual_mask (v2v [L, L] or undefined = all,
// v2a [L, T], action_rows [T, L + T]), gate [dim] (zero-initialised) -> [B, L + T, dim].
at::Tensor contextual_self_attention(WanSelfAttentionImpl& attn, const at::Tensor& x, const RopeTables& rope,
                                     const at::Tensor& v2v, const at::Tensor& v2a, const at::Tensor& action_rows,
                                     const at::Tensor& gate);

}  // namespace nc::model
