// The T5 text encoder (T5 v1.1 and umT5 families) that turns captions into the DiT's context.
//
// The module tree is Wan2.1's checkpoint tree (wan/modules/t5.py, `T5Encoder`), so a Wan
// checkpoint loads name by name:
//
//   token_embedding.weight                    [vocab, dim]
//   pos_embedding.embedding.weight            [num_buckets, num_heads]   shared_pos only (T5 v1.1)
//   blocks.N.norm1.weight                     [dim]
//   blocks.N.attn.{q,k,v}.weight              [dim_attn, dim]
//   blocks.N.attn.o.weight                    [dim, dim_attn]
//   blocks.N.norm2.weight                     [dim]
//   blocks.N.ffn.gate.0.weight                [dim_ffn, dim]   (GELU-tanh applied to it)
//   blocks.N.ffn.fc1.weight                   [dim_ffn, dim]
//   blocks.N.ffn.fc2.weight                   [dim, dim_ffn]
//   blocks.N.pos_embedding.embedding.weight   [num_buckets, num_heads]   per block (umT5)
//   norm.weight                               [dim]
//
// Hugging Face T5/umT5 names are translated in one place (nc/text/t5_names.h), and
// nc/text/t5_weights.h loads safetensors under either naming.
// Every parameter is created with the TensorOptions given to the constructor, so the XXL
// model can be built on at::kMeta to count and name its 5.7 B parameters without allocating.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include "nc/text/t5_options.h"

namespace nc::text {

// Relative position -> bucket, as T5 (Mesh TensorFlow) defines it. `relative` = key position
// minus query position, int64 of any shape. Bidirectional: half the buckets per direction
// (positive distances get the upper half); in each half, distances below a quarter of
// num_buckets get their own bucket and larger ones share log-spaced buckets up to
// `max_distance`, beyond which everything lands in the half's last bucket.
at::Tensor relative_position_bucket(const at::Tensor& relative, int64_t num_buckets,
                                    int64_t max_distance, bool bidirectional = true);

// A bias-free linear layer: `weight` [out, in].
class T5LinearImpl : public torch::nn::Module {
 public:
  T5LinearImpl(int64_t in, int64_t out, double init_std, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x);  // [..., in] -> [..., out]
  at::Tensor weight;
};
TORCH_MODULE(T5Linear);

// A lookup table: `weight` [num, dim].
class T5EmbeddingImpl : public torch::nn::Module {
 public:
  T5EmbeddingImpl(int64_t num, int64_t dim, double init_std, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& ids);  // [...] int64 -> [..., dim]
  at::Tensor weight;
};
TORCH_MODULE(T5Embedding);

// T5's layer norm: RMS only (no mean subtraction, no bias), computed in float32.
class T5LayerNormImpl : public torch::nn::Module {
 public:
  T5LayerNormImpl(int64_t dim, double eps, const at::TensorOptions& options);
  // [..., dim] -> [..., dim]: the weight's dtype when that is half/bf16, else float32.
  at::Tensor forward(const at::Tensor& x);
  at::Tensor weight;
  double eps;
};
TORCH_MODULE(T5LayerNorm);

// A learned bias per (bucket, head): `embedding.weight` [num_buckets, num_heads].
class T5RelativeEmbeddingImpl : public torch::nn::Module {
 public:
  T5RelativeEmbeddingImpl(const T5Options& o, const at::TensorOptions& options);
  at::Tensor forward(int64_t query_len, int64_t key_len);  // -> [1, num_heads, Lq, Lk]
  T5Embedding embedding{nullptr};
  int64_t num_buckets, max_distance;
};
TORCH_MODULE(T5RelativeEmbedding);

// Multi-head self-attention without the 1/sqrt(d) scale (T5 folds it into q's init).
class T5AttentionImpl : public torch::nn::Module {
 public:
  T5AttentionImpl(const T5Options& o, const at::TensorOptions& options);
  // x [B, L, dim], key_mask [B, L] bool (true = real token) or undefined, pos_bias
  // [1, H, L, L] -> [B, L, dim]. Masked keys get the lowest float score before the float32
  // softmax: exactly zero weight, and a fully masked row stays finite.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& key_mask, const at::Tensor& pos_bias);
  T5Linear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
  int64_t num_heads;
  double dropout;
};
TORCH_MODULE(T5Attention);

// `gate.0`: the projection whose GELU (tanh approximation) gates fc1.
class T5GateImpl : public torch::nn::Module {
 public:
  T5GateImpl(const T5Options& o, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x);  // [..., dim] -> [..., dim_ffn]
  T5Linear proj{nullptr};
};
TORCH_MODULE(T5Gate);

// Gated-GELU feed-forward: fc2(dropout(fc1(x) * gelu_tanh(gate(x)))).
class T5FeedForwardImpl : public torch::nn::Module {
 public:
  T5FeedForwardImpl(const T5Options& o, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x);  // [B, L, dim] -> [B, L, dim]
  T5Gate gate{nullptr};
  T5Linear fc1{nullptr}, fc2{nullptr};
  double dropout;
};
TORCH_MODULE(T5FeedForward);

// Pre-norm block: x += attn(norm1(x)); x += ffn(norm2(x)). Owns its position bias unless
// shared_pos.
class T5BlockImpl : public torch::nn::Module {
 public:
  T5BlockImpl(const T5Options& o, const at::TensorOptions& options);
  // x [B, L, dim], key_mask [B, L] or undefined, shared_bias [1, H, L, L] (shared_pos only).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& key_mask, const at::Tensor& shared_bias);
  T5LayerNorm norm1{nullptr}, norm2{nullptr};
  T5Attention attn{nullptr};
  T5FeedForward ffn{nullptr};
  T5RelativeEmbedding pos_embedding{nullptr};  // null when shared_pos
};
TORCH_MODULE(T5Block);

class T5EncoderImpl : public torch::nn::Module {
 public:
  // Validates the options (nc::Error naming the field) and creates every parameter with
  // `options` (dtype, device; at::kMeta allocates nothing and skips the random init).
  // Initialisation follows Wan2.1's init_weights. Frozen (`trainable` false): no parameter
  // requires grad and the module stays in eval mode even when a parent calls train().
  explicit T5EncoderImpl(const T5Options& o, const at::TensorOptions& options = {});

  // ids [B, L] int64, mask [B, L] bool (true = real token; undefined = all real)
  // -> [B, L, dim]. Padded positions are zero in the output, which is what Wan2.1 feeds its
  // DiT (it cuts each caption to its length and zero-pads it back to text_len).
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& mask = {});

  void train(bool on = true) override;

  const T5Options& options() const { return options_; }
  int64_t num_parameters() const;

  T5Embedding token_embedding{nullptr};
  T5RelativeEmbedding pos_embedding{nullptr};  // shared_pos only
  torch::nn::ModuleList blocks{nullptr};
  std::vector<T5Block> block_list;  // the same modules as `blocks`, typed
  T5LayerNorm norm{nullptr};

 private:
  T5Options options_;
};
TORCH_MODULE(T5Encoder);

}  // namespace nc::text
