#include "nc/model/attention.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>

#include "nc/core/torch_compat.h"

namespace nc::model {

namespace {

// [B, L, dim] -> [B, heads, L, head_dim] (a view, no copy)
at::Tensor split_heads(const at::Tensor& x, int64_t heads) {
  return x.unflatten(-1, {heads, x.size(-1) / heads}).transpose(1, 2);
}

// [B, heads, L, head_dim] -> [B, L, dim]
at::Tensor merge_heads(const at::Tensor& x) { return x.transpose(1, 2).flatten(2); }

at::Tensor maybe_norm(RmsNorm& norm, const at::Tensor& x) { return norm ? norm->forward(x) : x; }

}  // namespace

WanSelfAttentionImpl::WanSelfAttentionImpl(int64_t dim, int64_t num_heads, bool qk_norm,
                                           double eps, const at::TensorOptions& options)
    : dim_(dim), num_heads_(num_heads) {
  TORCH_CHECK(num_heads > 0 && dim % num_heads == 0, "WanSelfAttention: dim ", dim,
              " not divisible by heads ", num_heads);
  q = register_module("q", Linear(dim, dim, true, options));
  k = register_module("k", Linear(dim, dim, true, options));
  v = register_module("v", Linear(dim, dim, true, options));
  o = register_module("o", Linear(dim, dim, true, options));
  if (qk_norm) {
    norm_q = register_module("norm_q", RmsNorm(dim, eps, options));
    norm_k = register_module("norm_k", RmsNorm(dim, eps, options));
  }
}

at::Tensor WanSelfAttentionImpl::forward(const at::Tensor& x, const RopeTables& rope,
                                         const at::Tensor& mask) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == dim_, "WanSelfAttention: x must be [B, L, ", dim_,
              "], got ", x.sizes());
  const int64_t b = x.size(0), l = x.size(1), d = dim_ / num_heads_;
  const at::Tensor vv = v->forward(x);
  // RoPE works on [B, L, heads, d]; Wan's attention runs q and k in v's dtype.
  const at::Tensor qq =
      apply_rope(maybe_norm(norm_q, q->forward(x)).view({b, l, num_heads_, d}), rope);
  const at::Tensor kk =
      apply_rope(maybe_norm(norm_k, k->forward(x)).view({b, l, num_heads_, d}), rope);
  const at::Tensor out = compat::attention(qq.to(vv.scalar_type()).transpose(1, 2),
                                           kk.to(vv.scalar_type()).transpose(1, 2),
                                           split_heads(vv, num_heads_), mask);
  return o->forward(merge_heads(out));
}

at::Tensor WanSelfAttentionImpl::forward_with_past(const at::Tensor& x, const RopeTables& rope,
                                                   const at::Tensor& past_k, const at::Tensor& past_v,
                                                   at::Tensor* new_k, at::Tensor* new_v) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == dim_, "WanSelfAttention: x must be [B, L, ", dim_, "], got ", x.sizes());
  const int64_t b = x.size(0), l = x.size(1), d = dim_ / num_heads_;
  const int64_t past = past_k.defined() ? past_k.size(1) : 0;
  TORCH_CHECK(rope.tokens() == past + l, "WanSelfAttention: RoPE for ", rope.tokens(), " tokens, expected ", past,
              " cached + ", l, " new");
  *new_v = v->forward(x).view({b, l, num_heads_, d});
  *new_k = maybe_norm(norm_k, k->forward(x)).view({b, l, num_heads_, d});
  const RopeTables own{rope.cos.narrow(0, past, l), rope.sin.narrow(0, past, l)};
  const at::Tensor qq = apply_rope(maybe_norm(norm_q, q->forward(x)).view({b, l, num_heads_, d}), own);
  const at::Tensor kk = apply_rope(past > 0 ? at::cat({past_k, *new_k}, 1) : *new_k, rope);
  const at::Tensor vv = past > 0 ? at::cat({past_v, *new_v}, 1) : *new_v;
  const auto dtype = vv.scalar_type();
  const at::Tensor out =
      compat::attention(qq.to(dtype).transpose(1, 2), kk.to(dtype).transpose(1, 2), vv.transpose(1, 2), {});
  return o->forward(merge_heads(out));
}

at::Tensor block_causal_mask(int64_t frames, int64_t tokens_per_frame) {
  const at::Tensor frame = at::arange(frames * tokens_per_frame, at::kLong).div(tokens_per_frame, "floor");
  return frame.unsqueeze(1) >= frame.unsqueeze(0);
}

WanCrossAttentionImpl::WanCrossAttentionImpl(int64_t dim, int64_t num_heads, bool image_context,
                                             bool qk_norm, double eps,
                                             const at::TensorOptions& options)
    : dim_(dim), num_heads_(num_heads), image_context_(image_context) {
  TORCH_CHECK(num_heads > 0 && dim % num_heads == 0, "WanCrossAttention: dim ", dim,
              " not divisible by heads ", num_heads);
  q = register_module("q", Linear(dim, dim, true, options));
  k = register_module("k", Linear(dim, dim, true, options));
  v = register_module("v", Linear(dim, dim, true, options));
  o = register_module("o", Linear(dim, dim, true, options));
  if (qk_norm) {
    norm_q = register_module("norm_q", RmsNorm(dim, eps, options));
    norm_k = register_module("norm_k", RmsNorm(dim, eps, options));
  }
  if (image_context) {
    k_img = register_module("k_img", Linear(dim, dim, true, options));
    v_img = register_module("v_img", Linear(dim, dim, true, options));
    if (qk_norm) norm_k_img = register_module("norm_k_img", RmsNorm(dim, eps, options));
  }
}

at::Tensor WanCrossAttentionImpl::forward(const at::Tensor& x, const at::Tensor& context,
                                          const at::Tensor& context_mask,
                                          const at::Tensor& image) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == dim_, "WanCrossAttention: x must be [B, L, ", dim_,
              "], got ", x.sizes());
  TORCH_CHECK(context.dim() == 3 && context.size(0) == x.size(0) && context.size(2) == dim_,
              "WanCrossAttention: context must be [B, Lt, ", dim_, "], got ", context.sizes());
  TORCH_CHECK(image.defined() == image_context_,
              image_context_ ? "WanCrossAttention (i2v): the CLIP image tokens are required"
                             : "WanCrossAttention (t2v): got image tokens but has no k_img/v_img");
  const at::Tensor qq = split_heads(maybe_norm(norm_q, q->forward(x)), num_heads_);
  const at::Tensor vv = split_heads(v->forward(context), num_heads_);
  const at::Tensor kk = split_heads(maybe_norm(norm_k, k->forward(context)), num_heads_);
  at::Tensor mask;
  if (context_mask.defined()) {
    TORCH_CHECK(context_mask.dim() == 2 && context_mask.size(0) == context.size(0) &&
                    context_mask.size(1) == context.size(1),
                "WanCrossAttention: context_mask must be [B, Lt] = [", context.size(0), ", ",
                context.size(1), "], got ", context_mask.sizes());
    mask = context_mask.to(at::kBool).view({context.size(0), 1, 1, context.size(1)});
  }
  const auto dtype = vv.scalar_type();
  at::Tensor out = compat::attention(qq.to(dtype), kk.to(dtype), vv, mask);
  if (image_context_) {
    TORCH_CHECK(image.dim() == 3 && image.size(0) == x.size(0) && image.size(2) == dim_,
                "WanCrossAttention: image tokens must be [B, Li, ", dim_, "], got ",
                image.sizes());
    const at::Tensor vi = split_heads(v_img->forward(image), num_heads_);
    const at::Tensor ki = split_heads(maybe_norm(norm_k_img, k_img->forward(image)), num_heads_);
    const at::Tensor out_img = compat::attention(qq.to(vi.scalar_type()), ki.to(vi.scalar_type()), vi);
    out = out + out_img.to(out.scalar_type());
  }
  return o->forward(merge_heads(out));
}

}  // namespace nc::model
