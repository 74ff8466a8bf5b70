// The diffusion transformer: Wan2.1's WanModel (PAPER.md §2.1) as LibTorch C++ modules.
//
//   x [B, C_x, F, H, W] (+ y [B, C_y, F, H, W] for i2v, concatenated: C_x + C_y = in_dim)
//     -> patch_embedding (Conv3d, kernel = stride = patch)      [B, dim, F/pt, H/ph, W/pw]
//     -> tokens [B, L, dim], L = f*h*w in (f, h, w) order, float32 residual stream
//   t [B] in [0, 1000) -> sinusoid(freq_dim) -> time_embedding (Linear, SiLU, Linear) = e [B, dim]
//     -> time_projection (SiLU, Linear) = e0 [B, 6, dim]               (float32, no autocast)
//   context [B, Lt, text_dim] -> zero-padded to text_len -> text_embedding (Linear, GELU-tanh,
//     Linear) [B, text_len, dim];   i2v: clip_fea [B, 257, clip_dim] -> img_emb [B, 257, dim]
//   num_layers x DitBlock (adaLN with block.modulation + e0; self-attn with 3-D RoPE;
//     cross-attn; FFN)
//   head (LayerNorm, head.modulation + e, Linear dim -> out_dim * pt*ph*pw)  -> unpatchify
//     -> [B, out_dim, F, H, W] float32
//
// Every submodule and parameter carries Wan's name (docs/MODELS.md lists them), so Wan2.1
// checkpoints load name by name. Constructors take at::TensorOptions for the parameters:
// at::kMeta builds a 14B model without allocating anything.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "nc/model/action_encoder.h"
#include "nc/model/action_injection.h"
#include "nc/model/action_options.h"
#include "nc/model/attention.h"
#include "nc/model/dit_options.h"
#include "nc/model/kv_cache.h"
#include "nc/model/layers.h"
#include "nc/model/rope.h"

namespace nc::model {

// Wan's sinusoidal_embedding_1d: position [B] -> [B, dim] = [cos(p w_i), sin(p w_i)],
// w_i = 10000^(-i / (dim/2)), computed in float64 and returned as float32.
at::Tensor sinusoidal_embedding(const at::Tensor& position, int64_t dim);

// Conv3d with kernel = stride = patch: [B, C, F, H, W] -> [B, dim, F/pt, H/ph, W/pw].
// Parameters `weight` [dim, C, pt, ph, pw] and `bias` [dim].
class PatchEmbeddingImpl : public torch::nn::Module {
 public:
  PatchEmbeddingImpl(int64_t in_dim, int64_t dim, std::vector<int64_t> patch,
                     const at::TensorOptions& options = {});
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight, bias;

 private:
  std::vector<int64_t> patch_;
};
TORCH_MODULE(PatchEmbedding);

// Wan's MLPProj for the CLIP tokens, registered as proj.{0,1,3,4}:
// LayerNorm(clip_dim) -> Linear(clip_dim, clip_dim) -> GELU -> Linear(clip_dim, dim) -> LayerNorm(dim)
// (the LayerNorms are affine with eps 1e-5, PyTorch's defaults).
class MlpProjImpl : public torch::nn::Module {
 public:
  MlpProjImpl(int64_t in_dim, int64_t out_dim, const at::TensorOptions& options = {});
  at::Tensor forward(const at::Tensor& x);  // [B, N, in_dim] -> [B, N, out_dim]

  LayerNorm norm_in{nullptr}, norm_out{nullptr};
  Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(MlpProj);

// Inputs a block needs besides the residual stream.
struct DitBlockContext {
  RopeTables rope;             // rotations of the L video tokens
  at::Tensor context;          // [B, text_len, dim] projected text
  at::Tensor context_mask;     // optional [B, text_len] bool, True = real token
  at::Tensor image;            // i2v: [B, 257, dim] projected CLIP tokens
  at::Tensor self_attn_mask;   // optional, broadcastable to [B, heads, L, L]
  // Actions (action_injection.h). internal: action_tokens [B, T, dim] and action_mask [L, T].
  // contextual: the stream x is [B, L + T, dim] (action tokens appended), self_attn_mask is
  // the V2V part, action_mask V2A [L, T] and action_rows_mask [T, L + T].
  at::Tensor action_tokens, action_mask, action_rows_mask;
  // Per-frame timesteps (e0 [B, F, 6, dim]): the video tokens of one latent frame.
  int64_t tokens_per_frame = 0;
  // Frame-by-frame generation (DitImpl::forward_cached): this block's cached keys and values,
  // and where its new ones go; `rope` then covers the cached tokens and the new ones.
  const at::Tensor *past_k = nullptr, *past_v = nullptr;
  at::Tensor *new_k = nullptr, *new_v = nullptr;
};

// Wan's WanAttentionBlock. With (s1, c1, g1, s2, c2, g2) = block.modulation + e0 (float32):
//   x += g1 * self_attn(norm1(x) * (1 + c1) + s1)
//   x += cross_attn(norm3(x), context)
//   x += g2 * ffn(norm2(x) * (1 + c2) + s2)
// Names: norm3 (affine LayerNorm, when cross_attn_norm), self_attn, cross_attn, ffn.0, ffn.2,
// modulation [1, 6, dim]. norm1 and norm2 have no parameters.
// With actions: internal adds `x += action_attn(action_norm(x), actions)` before the FFN;
// contextual runs self-attention over [V; A] (contextual_self_attention) with `context_gate`.
class DitBlockImpl : public torch::nn::Module {
 public:
  DitBlockImpl(const DitOptions& options, const at::TensorOptions& tensor_options = {},
               const std::string& action_injection = "none");

  // x [B, L, dim] float32, e0 [B, 6, dim] or per latent frame [B, F, 6, dim] (float32)
  //   -> [B, L, dim] float32
  at::Tensor forward(const at::Tensor& x, const at::Tensor& e0, const DitBlockContext& ctx);

  LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
  WanSelfAttention self_attn{nullptr};
  WanCrossAttention cross_attn{nullptr};
  Linear ffn_in{nullptr}, ffn_out{nullptr};  // registered as ffn.0 and ffn.2
  at::Tensor modulation;
  LayerNorm action_norm{nullptr};         // internal
  ActionAttention action_attn{nullptr};   // internal
  at::Tensor context_gate;                // contextual: [dim], zero-initialised
};
TORCH_MODULE(DitBlock);

// Wan's Head: (shift, scale) = head.modulation + e; head(norm(x) * (1 + scale) + shift), all
// in float32. Names: head.head, head.modulation [1, 2, dim].
class DitHeadImpl : public torch::nn::Module {
 public:
  DitHeadImpl(int64_t dim, int64_t out_features, double eps,
              const at::TensorOptions& options = {});
  // [B, L, dim], e [B, dim] (or per latent frame [B, F, dim], tokens_per_frame each) -> [B, L, out]
  at::Tensor forward(const at::Tensor& x, const at::Tensor& e, int64_t tokens_per_frame = 0);

  LayerNorm norm{nullptr};
  Linear head{nullptr};
  at::Tensor modulation;
};
TORCH_MODULE(DitHead);

// Optional extras of a forward pass (later work: block-causal masks, streaming).
struct DitForwardOptions {
  at::Tensor context_mask;    // [B, Lt] bool, True = real text token; padding to text_len is
                              // masked too. Undefined: Wan's behaviour (every token, padding
                              // included, is attended).
  at::Tensor self_attn_mask;  // broadcastable to [B, heads, L, L]; bool True = attend
  int64_t frame_offset = 0;   // RoPE position of the first latent frame (per patch step)
  ActionInputs actions;       // per pixel frame; required when model.action.injection != none
  // When set: the last block's video tokens per latent step [B, T, gh * gw, dim] (row-major
  // over the gh x gw token grid) and their mean [B, T, dim], and (when actions are given) the
  // encoder's aligned action features [B, T, D]: for the temporal contrastive loss and the
  // cursor position head.
  struct Features {
    at::Tensor tokens, frames, actions;
    int64_t grid_height = 0, grid_width = 0;
  }* features = nullptr;
};

class DitImpl : public torch::nn::Module {
 public:
  explicit DitImpl(DitOptions options, const at::TensorOptions& tensor_options = {},
                   ActionOptions action = {});

  // x [B, C_x, F, H, W], t [B] timesteps in [0, num_train_timesteps), context [B, Lt, text_dim]
  // (Lt <= text_len; zero-padded to text_len as Wan does), clip_fea [B, N, clip_dim] and
  // y [B, in_dim - C_x, F, H, W] for i2v (both required there, both refused for t2v)
  //   -> [B, out_dim, F, H, W] float32.
  // t is [B], or [B, F] with a timestep per latent frame (diffusion forcing, causal mode).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& t, const at::Tensor& context,
                     const at::Tensor& clip_fea = {}, const at::Tensor& y = {},
                     const DitForwardOptions& extra = {});

  // Causal mode, one latent frame at a time: x [B, C, 1, H, W] (and y alike, i2v) at timestep t
  // [B] attends to the frames in `cache`; with `commit` its keys and values join the cache
  // (the oldest frame leaves past its window). Equals the last frame of forward() over the cached frames
  // and this one (each at the timestep it had) with the causal mask. No CLIP. A model with
  // actions (internal, residual or external injection) takes this frame's aligned action
  // feature `action` [B, 1, D] (align_latent_step) and sees the cached frames' ones as forward()
  // would; no cursor reference stream.
  at::Tensor forward_cached(const at::Tensor& x, const at::Tensor& t, const at::Tensor& context,
                            const at::Tensor& y, DitKvCache& cache, bool commit, const at::Tensor& action = {});

  // Wan's init_weights: xavier-uniform Linear weights and zero biases, xavier patch embedding
  // (over weight.flatten(1)), N(0, 0.02) text and time embeddings, zero head, modulation
  // N(0, 1)/sqrt(dim). Called by the constructor (skipped on meta).
  void init_weights();

  const DitOptions& options() const { return options_; }
  const ActionOptions& action_options() const { return action_; }
  const Rope3d& rope() const { return rope_; }
  int64_t parameter_count() const;

  // Stages, public for tests and for later wrappers (action injection, streaming):
  // [B, C, F, H, W] -> tokens [B, L, dim] float32, and the grid.
  at::Tensor patchify(const at::Tensor& x, RopeGrid& grid);
  // [B, L, out_dim * prod(patch)] -> [B, out_dim, F, H, W]
  at::Tensor unpatchify(const at::Tensor& tokens, const RopeGrid& grid) const;
  // t [B] -> e [B, dim] and e0 [B, 6, dim]; t [B, F] -> [B, F, dim] and [B, F, 6, dim]; float32
  std::pair<at::Tensor, at::Tensor> embed_time(const at::Tensor& t);
  // [B, Lt, text_dim] -> [B, text_len, dim] (and the mask padded alike, when given)
  at::Tensor embed_text(const at::Tensor& context, at::Tensor* context_mask = nullptr);

  PatchEmbedding patch_embedding{nullptr};
  Linear text_embedding_0{nullptr}, text_embedding_2{nullptr};
  Linear time_embedding_0{nullptr}, time_embedding_2{nullptr};
  Linear time_projection_1{nullptr};
  std::vector<DitBlock> blocks;
  DitHead head{nullptr};
  MlpProj img_emb{nullptr};  // i2v only
  // Actions (absent with injection none, so the parameter names and counts stay Wan's).
  ActionEncoder action_encoder{nullptr};
  ExternalActionModule action_external{nullptr};                      // external
  Linear action_embedding_0{nullptr}, action_embedding_2{nullptr};    // D -> dim, GELU, dim -> dim
  std::vector<ResidualActionModule> action_residual;                  // residual: per block or empty
  Linear action_contrastive_frame{nullptr}, action_contrastive_action{nullptr};  // InfoNCE heads
  Linear action_future{nullptr};  // model.action.future_weight > 0: action feature -> frame feature
  Linear cursor_position{nullptr};  // model.action.cursor.position_weight > 0: a logit per token
  // model.dit.i2v_skip: [out_dim], zero at init; the gate on the given frame's latent is
  // kScreenGateScale times it, because Adam moves a parameter by about lr per step: unscaled, a
  // gate needs ~1/lr steps to open (1,000 at lr 1e-3, more than a demo's budget).
  at::Tensor i2v_skip;
  static constexpr double kScreenGateScale = 10.0;

 private:
  at::Tensor run_block(size_t index, const at::Tensor& x, const at::Tensor& e0,
                       const DitBlockContext& ctx);
  // x + y (i2v), checked against in_dim
  at::Tensor join_input(const at::Tensor& x, const at::Tensor& y) const;
  // external injection: `input` (x + y) with Δz added to its latent channels (y untouched)
  static at::Tensor add_to_latent(const at::Tensor& input, const at::Tensor& delta);
  // The encoder's aligned features [B, T, D] -> the tokens internal and residual injection use.
  at::Tensor embed_actions(const at::Tensor& actions);
  // model.dit.i2v_skip: out + gate * the given frame's latent (from y)
  at::Tensor add_screen_skip(const at::Tensor& out, const at::Tensor& y) const;

  DitOptions options_;
  ActionOptions action_;
  Rope3d rope_;
};
TORCH_MODULE(Dit);

}  // namespace nc::model
