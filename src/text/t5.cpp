#include "nc/text/t5.h"

#include <cmath>
#include <limits>
#include <string>

#include <ATen/ops/arange.h>
#include <ATen/ops/dropout.h>
#include <ATen/ops/embedding.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros_like.h>

#include "nc/core/error.h"

namespace nc::text {
namespace {

bool is_meta(const at::TensorOptions& options) {
  return options.device().type() == c10::DeviceType::Meta;
}

// A parameter of `shape`, initialised from N(0, std²) (or to ones when std < 0) unless it
// lives on the meta device.
at::Tensor make_param(at::IntArrayRef shape, double std, const at::TensorOptions& options) {
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(options.dtype()).device(options.device()));
  if (!is_meta(options)) {
    if (std < 0) t.fill_(1.0);
    else t.normal_(0.0, std);
  }
  return t;
}

void validate(const T5Options& o) {
  auto positive = [](int64_t value, const char* key) {
    check(value > 0, std::string(key) + " must be positive, got " + std::to_string(value),
          std::string("text.") + key);
  };
  positive(o.vocab, "vocab");
  positive(o.dim, "dim");
  positive(o.dim_attn, "dim_attn");
  positive(o.dim_ffn, "dim_ffn");
  positive(o.num_heads, "num_heads");
  positive(o.num_layers, "num_layers");
  check(o.dim_attn % o.num_heads == 0,
        "dim_attn (" + std::to_string(o.dim_attn) + ") must be a multiple of num_heads (" +
            std::to_string(o.num_heads) + ")",
        "text.dim_attn");
  check(o.num_buckets >= 4 && o.num_buckets % 2 == 0,
        "num_buckets must be even and at least 4, got " + std::to_string(o.num_buckets),
        "text.num_buckets");
  check(o.max_distance > o.num_buckets / 4,
        "max_distance must exceed num_buckets / 4, got " + std::to_string(o.max_distance),
        "text.max_distance");
  check(o.dropout >= 0 && o.dropout < 1, "dropout must be in [0, 1)", "text.dropout");
  check(o.eps > 0, "eps must be positive", "text.eps");
}

// Wan's fp16_clamp: a float16 activation that overflowed is pulled back inside the range.
at::Tensor clamp_fp16(const at::Tensor& x) {
  if (x.scalar_type() != at::kHalf || !x.isinf().any().item<bool>()) return x;
  const double limit = 65504.0 - 1000.0;
  return x.clamp(-limit, limit);
}

}  // namespace

at::Tensor relative_position_bucket(const at::Tensor& relative, int64_t num_buckets,
                                    int64_t max_distance, bool bidirectional) {
  at::Tensor buckets;
  at::Tensor distance;
  int64_t n = num_buckets;
  if (bidirectional) {
    n /= 2;
    buckets = relative.gt(0).to(at::kLong) * n;
    distance = relative.abs();
  } else {
    buckets = at::zeros_like(relative);
    distance = relative.clamp_max(0).neg();  // only keys before the query count
  }
  const int64_t max_exact = n / 2;
  // Distances >= max_exact: log-spaced between max_exact and max_distance, float32 as in T5.
  at::Tensor large =
      (distance.to(at::kFloat).div(static_cast<double>(max_exact)).log() /
           std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)) *
           static_cast<double>(n - max_exact))
          .to(at::kLong)
          .add(max_exact)
          .clamp_max(n - 1);
  return buckets + at::where(distance.lt(max_exact), distance, large);
}

// ---------------------------------------------------------------------------------------------

T5LinearImpl::T5LinearImpl(int64_t in, int64_t out, double init_std, const at::TensorOptions& options) {
  weight = register_parameter("weight", make_param({out, in}, init_std, options));
}

at::Tensor T5LinearImpl::forward(const at::Tensor& x) { return x.matmul(weight.t()); }

T5EmbeddingImpl::T5EmbeddingImpl(int64_t num, int64_t dim, double init_std,
                                 const at::TensorOptions& options) {
  weight = register_parameter("weight", make_param({num, dim}, init_std, options));
}

at::Tensor T5EmbeddingImpl::forward(const at::Tensor& ids) { return at::embedding(weight, ids); }

T5LayerNormImpl::T5LayerNormImpl(int64_t dim, double eps_, const at::TensorOptions& options)
    : eps(eps_) {
  weight = register_parameter("weight", make_param({dim}, -1, options));
}

at::Tensor T5LayerNormImpl::forward(const at::Tensor& x) {
  at::Tensor xf = x.to(at::kFloat);
  at::Tensor y = xf * xf.pow(2).mean(-1, /*keepdim=*/true).add(eps).rsqrt();
  const auto wt = weight.scalar_type();
  if (wt == at::kHalf || wt == at::kBFloat16) y = y.to(wt);
  return weight * y;
}

T5RelativeEmbeddingImpl::T5RelativeEmbeddingImpl(const T5Options& o, const at::TensorOptions& options)
    : num_buckets(o.num_buckets), max_distance(o.max_distance) {
  embedding = register_module(
      "embedding", T5Embedding(o.num_buckets, o.num_heads,
                               std::pow(2.0 * o.num_buckets * o.num_heads, -0.5), options));
}

at::Tensor T5RelativeEmbeddingImpl::forward(int64_t query_len, int64_t key_len) {
  const auto device = embedding->weight.device();
  at::Tensor relative = at::arange(key_len, at::TensorOptions().dtype(at::kLong).device(device))
                            .unsqueeze(0) -
                        at::arange(query_len, at::TensorOptions().dtype(at::kLong).device(device))
                            .unsqueeze(1);
  at::Tensor bias = embedding(relative_position_bucket(relative, num_buckets, max_distance));
  return bias.permute({2, 0, 1}).unsqueeze(0).contiguous();  // [Lq, Lk, H] -> [1, H, Lq, Lk]
}

T5AttentionImpl::T5AttentionImpl(const T5Options& opt, const at::TensorOptions& options)
    : num_heads(opt.num_heads), dropout(opt.dropout) {
  const double d = static_cast<double>(opt.dim), da = static_cast<double>(opt.dim_attn);
  q = register_module("q", T5Linear(opt.dim, opt.dim_attn, std::pow(d * da, -0.5), options));
  k = register_module("k", T5Linear(opt.dim, opt.dim_attn, std::pow(d, -0.5), options));
  v = register_module("v", T5Linear(opt.dim, opt.dim_attn, std::pow(d, -0.5), options));
  o = register_module("o", T5Linear(opt.dim_attn, opt.dim,
                                    std::pow(static_cast<double>(opt.num_heads) * da, -0.5), options));
}

at::Tensor T5AttentionImpl::forward(const at::Tensor& x, const at::Tensor& key_mask,
                                    const at::Tensor& pos_bias) {
  const int64_t b = x.size(0), len = x.size(1);
  // [B, L, dim_attn] -> [B, H, L, head_dim]
  auto heads = [&](const at::Tensor& t) { return t.view({b, len, num_heads, -1}).transpose(1, 2); };
  at::Tensor qh = heads(q(x)), kh = heads(k(x)), vh = heads(v(x));
  at::Tensor scores = qh.matmul(kh.transpose(-1, -2)).to(at::kFloat);  // [B, H, L, L]
  if (pos_bias.defined()) scores = scores + pos_bias.to(at::kFloat);
  if (key_mask.defined())
    scores = scores.masked_fill(key_mask.logical_not().view({b, 1, 1, len}),
                                std::numeric_limits<float>::lowest());
  at::Tensor weights = scores.softmax(-1).to(vh.scalar_type());
  at::Tensor out = weights.matmul(vh).transpose(1, 2).reshape({b, len, -1});
  return at::dropout(o(out), dropout, is_training());
}

T5GateImpl::T5GateImpl(const T5Options& opt, const at::TensorOptions& options) {
  proj = register_module("0", T5Linear(opt.dim, opt.dim_ffn,
                                       std::pow(static_cast<double>(opt.dim), -0.5), options));
}

at::Tensor T5GateImpl::forward(const at::Tensor& x) { return at::gelu(proj(x), "tanh"); }

T5FeedForwardImpl::T5FeedForwardImpl(const T5Options& opt, const at::TensorOptions& options)
    : dropout(opt.dropout) {
  const double d = static_cast<double>(opt.dim), df = static_cast<double>(opt.dim_ffn);
  gate = register_module("gate", T5Gate(opt, options));
  fc1 = register_module("fc1", T5Linear(opt.dim, opt.dim_ffn, std::pow(d, -0.5), options));
  fc2 = register_module("fc2", T5Linear(opt.dim_ffn, opt.dim, std::pow(df, -0.5), options));
}

at::Tensor T5FeedForwardImpl::forward(const at::Tensor& x) {
  at::Tensor h = at::dropout(fc1(x) * gate(x), dropout, is_training());
  return at::dropout(fc2(h), dropout, is_training());
}

T5BlockImpl::T5BlockImpl(const T5Options& o, const at::TensorOptions& options) {
  // Registration order is Wan's, so parameters list (and initialise) in the same order.
  norm1 = register_module("norm1", T5LayerNorm(o.dim, o.eps, options));
  attn = register_module("attn", T5Attention(o, options));
  norm2 = register_module("norm2", T5LayerNorm(o.dim, o.eps, options));
  ffn = register_module("ffn", T5FeedForward(o, options));
  if (!o.shared_pos) pos_embedding = register_module("pos_embedding", T5RelativeEmbedding(o, options));
}

at::Tensor T5BlockImpl::forward(const at::Tensor& x, const at::Tensor& key_mask,
                                const at::Tensor& shared_bias) {
  const int64_t len = x.size(1);
  at::Tensor bias = pos_embedding ? pos_embedding(len, len) : shared_bias;
  at::Tensor h = clamp_fp16(x + attn(norm1(x), key_mask, bias));
  return clamp_fp16(h + ffn(norm2(h)));
}

// ---------------------------------------------------------------------------------------------

T5EncoderImpl::T5EncoderImpl(const T5Options& o, const at::TensorOptions& options) : options_(o) {
  validate(o);
  token_embedding = register_module("token_embedding", T5Embedding(o.vocab, o.dim, 1.0, options));
  if (o.shared_pos) pos_embedding = register_module("pos_embedding", T5RelativeEmbedding(o, options));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.num_layers; ++i) {
    block_list.push_back(T5Block(o, options));
    blocks->push_back(block_list.back());
  }
  norm = register_module("norm", T5LayerNorm(o.dim, o.eps, options));
  for (auto& p : parameters()) p.set_requires_grad(o.trainable);
  train(o.trainable);
}

void T5EncoderImpl::train(bool on) { torch::nn::Module::train(on && options_.trainable); }

int64_t T5EncoderImpl::num_parameters() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

at::Tensor T5EncoderImpl::forward(const at::Tensor& ids, const at::Tensor& mask) {
  check(ids.dim() == 2, "T5 encoder: ids must be [B, L], got " + std::to_string(ids.dim()) + " dims");
  check(ids.scalar_type() == at::kLong, "T5 encoder: ids must be int64");
  at::Tensor key_mask;
  if (mask.defined()) {
    check(mask.sizes() == ids.sizes(), "T5 encoder: mask must have the shape of ids [B, L]");
    key_mask = mask.to(at::kBool);
  }
  const double p = options_.dropout;
  at::Tensor x = at::dropout(token_embedding(ids), p, is_training());
  at::Tensor shared_bias = pos_embedding ? pos_embedding(x.size(1), x.size(1)) : at::Tensor();
  for (auto& block : block_list) x = block(x, key_mask, shared_bias);
  x = at::dropout(norm(x), p, is_training());
  if (key_mask.defined()) x = x.masked_fill(key_mask.logical_not().unsqueeze(-1), 0);
  return x;
}

}  // namespace nc::text
