// Wan2.1's attention layers (PAPER.md §2.1 "Block", "I2V cross-attention"), with Wan's
// parameter names: q, k, v, o (Linear dim -> dim), norm_q, norm_k (RMSNorm over the whole
// width, when qk_norm) and, for image-to-video cross-attention, k_img, v_img, norm_k_img.
// Attention itself goes through nc::compat::attention (SDPA on 2.x, its 1.13 twin).
//
// Masks: bool, True = attend (see torch_compat.h), or a floating additive bias.
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "nc/model/layers.h"
#include "nc/model/rms_norm.h"
#include "nc/model/rope.h"

namespace nc::model {

// Self-attention over the video tokens with 3-D RoPE on q and k.
class WanSelfAttentionImpl : public torch::nn::Module {
 public:
  WanSelfAttentionImpl(int64_t dim, int64_t num_heads, bool qk_norm = true, double eps = 1e-6,
                       const at::TensorOptions& options = {});

  // x [B, L, dim] -> [B, L, dim]. `rope` rotates the first rope.tokens() tokens (all of them in
  // the DiT). `mask` (optional) broadcasts to [B, heads, L, L]: e.g. a block-causal mask.
  at::Tensor forward(const at::Tensor& x, const RopeTables& rope, const at::Tensor& mask = {});

  // Frame-by-frame generation (model.dit.causal, kv_cache.h): the new frame's tokens x
  // [B, l, dim] attend to the cached frames' keys and values `past_k`, `past_v` ([B, Lp, heads,
  // head_dim], keys not yet rotated; undefined when nothing is cached) and to themselves. `rope`
  // covers the past tokens then the new ones (Lp + l). Returns [B, l, dim]; the new tokens' own
  // unrotated keys and values go to *new_k, *new_v.
  at::Tensor forward_with_past(const at::Tensor& x, const RopeTables& rope, const at::Tensor& past_k,
                               const at::Tensor& past_v, at::Tensor* new_k, at::Tensor* new_v);

  int64_t dim() const { return dim_; }
  int64_t num_heads() const { return num_heads_; }

  Linear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
  RmsNorm norm_q{nullptr}, norm_k{nullptr};  // empty without qk_norm

 private:
  int64_t dim_, num_heads_;
};
TORCH_MODULE(WanSelfAttention);

// [L, L] bool, True = attend, L = frames x tokens_per_frame: a token sees the tokens of its own
// latent frame and of every earlier one (model.dit.causal).
at::Tensor block_causal_mask(int64_t frames, int64_t tokens_per_frame);

// Cross-attention from the video tokens to the text context (t2v) or to the text context and
// the CLIP image tokens (i2v: one q; text k/v and image k_img/v_img; the two attention
// outputs are summed before o). No RoPE.
class WanCrossAttentionImpl : public torch::nn::Module {
 public:
  WanCrossAttentionImpl(int64_t dim, int64_t num_heads, bool image_context, bool qk_norm = true,
                        double eps = 1e-6, const at::TensorOptions& options = {});

  // x [B, L, dim], context [B, Lt, dim] (already projected by text_embedding) -> [B, L, dim].
  // context_mask (optional) [B, Lt] bool, True = a real token; undefined = attend every
  // context token (Wan: the zero-padded tokens are attended too). image [B, Li, dim] (the
  // projected CLIP tokens, Li = 257 in Wan) is required exactly when the layer has image
  // context, and always fully attended.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context,
                     const at::Tensor& context_mask = {}, const at::Tensor& image = {});

  bool has_image_context() const { return image_context_; }

  Linear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
  RmsNorm norm_q{nullptr}, norm_k{nullptr};
  Linear k_img{nullptr}, v_img{nullptr};  // i2v only
  RmsNorm norm_k_img{nullptr};            // i2v with qk_norm only

 private:
  int64_t dim_, num_heads_;
  bool image_context_;
};
TORCH_MODULE(WanCrossAttention);

}  // namespace nc::model
