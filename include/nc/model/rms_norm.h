// RMSNorm over the last dim with a learned scale (Wan's WanRMSNorm; LibTorch 1.13 and 2.x
// have no C++ RMSNorm module):  y = x / sqrt(mean(x^2) + eps) * weight.
// Normalised in float32, cast back to the input's dtype, then scaled (a float32 weight
// promotes the result to float32, as in Wan).
#pragma once

#include <cstdint>

#include <ATen/core/Tensor.h>
#include <c10/core/TensorOptions.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace nc::model {

class RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(int64_t dim, double eps = 1e-5, const at::TensorOptions& options = {});
  at::Tensor forward(const at::Tensor& x);  // [..., dim] -> same

  at::Tensor weight;  // [dim], initialised to 1

 private:
  int64_t dim_;
  double eps_;
};
TORCH_MODULE(RmsNorm);

}  // namespace nc::model
