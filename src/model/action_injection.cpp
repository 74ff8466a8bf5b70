#include "nc/model/action_injection.h"

#include <cmath>
#include <string>

#include <ATen/TensorOperators.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/clamp.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/zeros.h>

#include "nc/core/error.h"
#include "nc/core/torch_compat.h"

namespace nc::model {

namespace {

at::Tensor split_heads(const at::Tensor& x, int64_t heads) {  // [B, L, dim] -> [B, heads, L, d]
  return x.unflatten(-1, {heads, x.size(-1) / heads}).transpose(1, 2);
}
at::Tensor merge_heads(const at::Tensor& x) { return x.transpose(1, 2).flatten(2); }

// Frame-level rule [frames, keys] to token rows: each frame's row repeated tokens_per_frame times.
at::Tensor per_token(const at::Tensor& frame_rows, int64_t tokens_per_frame) {
  return frame_rows.repeat_interleave(tokens_per_frame, 0);
}

}  // namespace

// ---- masks ------------------------------------------------------------------------------------

at::Tensor action_window(int64_t frames, int64_t actions, int step_lag) {
  at::Tensor m = at::zeros({frames, actions}, at::kBool);
  auto a = m.accessor<bool, 2>();
  for (int64_t i = 0; i < frames; ++i)
    for (int64_t j = std::max<int64_t>(0, i - step_lag); j <= std::min(i, actions - 1); ++j) a[i][j] = true;
  return m;
}

at::Tensor contextual_mask(int64_t frames, int64_t tokens_per_frame, int64_t actions, int frame_window,
                           int step_lag) {
  const int64_t l = frames * tokens_per_frame, n = l + actions;
  at::Tensor frame_v2v = at::zeros({frames, frames}, at::kBool);
  auto fv = frame_v2v.accessor<bool, 2>();
  for (int64_t i = 0; i < frames; ++i)
    for (int64_t t = 0; t < frames; ++t) fv[i][t] = frame_window < 0 || std::abs(i - t) <= frame_window;
  at::Tensor a2v = at::zeros({actions, frames}, at::kBool);
  auto av = a2v.accessor<bool, 2>();
  for (int64_t i = 0; i < actions; ++i)
    for (int64_t t = 0; t < frames; ++t) av[i][t] = t >= i + step_lag;
  at::Tensor m = at::zeros({n, n}, at::kBool);
  m.slice(0, 0, l).slice(1, 0, l).copy_(per_token(per_token(frame_v2v, tokens_per_frame).t(), tokens_per_frame).t());
  m.slice(0, 0, l).slice(1, l, n).copy_(per_token(action_window(frames, actions, step_lag), tokens_per_frame));
  m.slice(0, l, n).slice(1, 0, l).copy_(per_token(a2v.t(), tokens_per_frame).t());
  for (int64_t i = 0; i < actions; ++i) m[l + i][l + i] = true;  // A2A: diagonal
  return m;
}

// ---- ActionAttention --------------------------------------------------------------------------

ActionAttentionImpl::ActionAttentionImpl(int64_t dim, int64_t kv_dim, int64_t heads, double eps,
                                         const at::TensorOptions& to)
    : heads_(heads) {
  check(heads > 0 && dim % heads == 0,
        "attention width " + std::to_string(dim) + " is not divisible by " + std::to_string(heads) + " heads",
        "model.action");
  q = register_module("q", Linear(dim, dim, true, to));
  k = register_module("k", Linear(kv_dim, dim, true, to));
  v = register_module("v", Linear(kv_dim, dim, true, to));
  o = register_module("o", Linear(dim, dim, true, to));
  norm_q = register_module("norm_q", RmsNorm(dim, eps, to));
  norm_k = register_module("norm_k", RmsNorm(dim, eps, to));
}

at::Tensor ActionAttentionImpl::forward(const at::Tensor& x, const at::Tensor& kv, const at::Tensor& mask) {
  const at::Tensor vv = v->forward(kv);
  const at::Tensor qq = norm_q->forward(q->forward(x)).to(vv.scalar_type());
  const at::Tensor kk = norm_k->forward(k->forward(kv)).to(vv.scalar_type());
  return o->forward(merge_heads(
      compat::attention(split_heads(qq, heads_), split_heads(kk, heads_), split_heads(vv, heads_), mask)));
}

void ActionAttentionImpl::zero_output() {
  init_zeros(o->weight);
  init_zeros(o->bias);
}

// ---- external ---------------------------------------------------------------------------------

ExternalActionModuleImpl::ExternalActionModuleImpl(int64_t channels, const ActionOptions& o,
                                                   const at::TensorOptions& to)
    : step_lag_(o.step_lag) {
  in = register_module("in", Linear(channels, o.dim, true, to));
  auto layers = register_module("layers", std::make_shared<torch::nn::Module>("ModuleList"));
  for (int i = 0; i < o.external_layers; ++i) {
    auto layer = layers->register_module(std::to_string(i), std::make_shared<torch::nn::Module>("Layer"));
    norm1.push_back(layer->register_module("norm1", LayerNorm(o.dim, 1e-6, false, to)));
    self_attn.push_back(layer->register_module("self_attn", ActionAttention(o.dim, o.dim, o.heads, 1e-6, to)));
    norm2.push_back(layer->register_module("norm2", LayerNorm(o.dim, 1e-6, false, to)));
    cross_attn.push_back(layer->register_module("cross_attn", ActionAttention(o.dim, o.dim, o.heads, 1e-6, to)));
  }
  out = register_module("out", Linear(o.dim, channels, true, to));
}

at::Tensor ExternalActionModuleImpl::forward(const at::Tensor& z, const at::Tensor& actions) {
  const int64_t b = z.size(0), c = z.size(1), t = z.size(2), hh = z.size(3), ww = z.size(4);
  check(actions.dim() == 3 && actions.size(0) == b && actions.size(1) == t,
        "external actions must be [B, T, D] with the latent's B and T", "ExternalActionModule");
  // [B, C, T, H, W] -> [B*H*W, T, C]: one temporal sequence per spatial position.
  at::Tensor x = in->forward(z.permute({0, 3, 4, 2, 1}).reshape({b * hh * ww, t, c}).to(at::kFloat));
  const at::Tensor kv = actions.repeat_interleave(hh * ww, 0);
  const at::Tensor causal = at::ones({t, t}, at::TensorOptions().dtype(at::kBool).device(z.device())).tril();
  const at::Tensor window = action_window(t, t, step_lag_).to(z.device());
  for (size_t i = 0; i < self_attn.size(); ++i) {
    const at::Tensor n1 = norm1[i]->forward(x);
    x = x + self_attn[i]->forward(n1, n1, causal);
    x = x + cross_attn[i]->forward(norm2[i]->forward(x), kv, window);
  }
  return out->forward(x).reshape({b, hh, ww, t, c}).permute({0, 4, 3, 1, 2});
}

void ExternalActionModuleImpl::zero_output() {
  init_zeros(out->weight);
  init_zeros(out->bias);
}

// ---- residual ---------------------------------------------------------------------------------

ResidualActionModuleImpl::ResidualActionModuleImpl(int64_t dim, double eps, const at::TensorOptions& to) {
  norm = register_module("norm", LayerNorm(dim, eps, false, to));
  hidden = register_module("hidden", Linear(dim, dim, true, to));
  action = register_module("action", Linear(dim, dim, true, to));
  out = register_module("out", Linear(dim, dim, true, to));
}

at::Tensor ResidualActionModuleImpl::forward(const at::Tensor& h, const at::Tensor& actions,
                                             const at::Tensor& window) {
  const int64_t frames = window.size(0), tokens_per_frame = h.size(1) / frames;
  const at::Tensor w = window.to(actions.scalar_type());
  const at::Tensor pooled = at::matmul(w / at::clamp(w.sum(1, true), 1.0), actions);  // [B, frames, dim]
  const at::Tensor a = action->forward(pooled).repeat_interleave(tokens_per_frame, 1);
  return out->forward(at::gelu(hidden->forward(norm->forward(h)) + a, "tanh")).to(at::kFloat);
}

void ResidualActionModuleImpl::zero_output() {
  init_zeros(out->weight);
  init_zeros(out->bias);
}

// ---- contextual -------------------------------------------------------------------------------

at::Tensor contextual_self_attention(WanSelfAttentionImpl& attn, const at::Tensor& x, const RopeTables& rope,
                                     const at::Tensor& v2v, const at::Tensor& v2a, const at::Tensor& action_rows,
                                     const at::Tensor& gate) {
  const int64_t b = x.size(0), n = x.size(1), l = rope.tokens(), heads = attn.num_heads();
  const int64_t d = attn.dim() / heads;
  const at::Tensor vv = split_heads(attn.v->forward(x), heads);  // [B, h, N, d]
  auto project = [&](Linear& lin, RmsNorm& norm) {
    at::Tensor p = lin->forward(x);
    if (norm) p = norm->forward(p);
    // RoPE on the video tokens; the action tokens (after them) pass unrotated.
    return apply_rope(p.view({b, n, heads, d}), rope).to(vv.scalar_type()).transpose(1, 2);
  };
  const at::Tensor qq = project(attn.q, attn.norm_q), kk = project(attn.k, attn.norm_k);
  const at::Tensor qv = qq.narrow(2, 0, l), qa = qq.narrow(2, l, n - l);
  const at::Tensor kv = kk.narrow(2, 0, l), ka = kk.narrow(2, l, n - l);
  const at::Tensor vvid = vv.narrow(2, 0, l), vact = vv.narrow(2, l, n - l);
  // Video rows: the DiT's own softmax over the frames, plus a zero-gated softmax over the
  // actions they may see (a joint softmax would dilute the pretrained attention).
  const at::Tensor video = merge_heads(compat::attention(qv, kv, vvid, v2v)) +
                           gate.to(vv.scalar_type()) * merge_heads(compat::attention(qv, ka, vact, v2a));
  const at::Tensor acts = merge_heads(compat::attention(qa, kk, vv, action_rows));
  return attn.o->forward(at::cat({video, acts}, 1));
}

}  // namespace nc::model
