// The basic layers of the model code, created with explicit at::TensorOptions (so a whole
// Wan-sized model can be built on at::kMeta, allocating nothing) and named like PyTorch's
// (`weight`, `bias`) so checkpoints load by name. LibTorch's own torch::nn::Linear/LayerNorm
// always allocate on the default device, hence these.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace nc::model {

// y = x W^T + b; weight [out, in], bias [out]. Initialised as PyTorch's nn.Linear (kaiming
// uniform weight, uniform bias) unless on the meta device; the owners re-initialise as Wan does.
// An input whose dtype differs from the weight's is cast to it, except under autocast (which
// casts both itself), so bf16 weights work without autocast.
class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features, bool bias = true,
             const at::TensorOptions& options = {});
  at::Tensor forward(const at::Tensor& x);  // [..., in] -> [..., out]

  at::Tensor weight, bias;

 private:
  int64_t in_features_, out_features_;
};
TORCH_MODULE(Linear);

// LayerNorm over the last dim, computed in float32 and returned in the input's dtype
// (Wan's WanLayerNorm). No affine parameters unless `affine` (then weight = 1, bias = 0).
class LayerNormImpl : public torch::nn::Module {
 public:
  LayerNormImpl(int64_t dim, double eps = 1e-6, bool affine = false,
                const at::TensorOptions& options = {});
  at::Tensor forward(const at::Tensor& x);  // [..., dim] -> same

  at::Tensor weight, bias;  // undefined without affine

 private:
  int64_t dim_;
  double eps_;
};
TORCH_MODULE(LayerNorm);

// Parameters of modules created on at::kMeta have no storage; initialisers skip them.
inline bool is_meta(const at::Tensor& t) { return t.defined() && t.device().type() == c10::kMeta; }

// In-place initialisers that leave meta tensors alone (fan sizes as in PyTorch: a weight
// [out, in, k...] has fan_in = in * prod(k), fan_out = out * prod(k)).
void init_xavier_uniform(at::Tensor& weight);
void init_normal(at::Tensor& weight, double std);
void init_zeros(at::Tensor& t);

}  // namespace nc::model
