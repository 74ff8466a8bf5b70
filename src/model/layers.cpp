#include "nc/model/layers.h"

#include <cmath>

#include <ATen/core/grad_mode.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/layer_norm.h>
#include <ATen/ops/linear.h>

#include "nc/core/torch_compat.h"

namespace nc::model {

namespace {

std::pair<double, double> fans(const at::Tensor& w) {
  TORCH_CHECK(w.dim() >= 2, "fan sizes need a weight with >= 2 dims, got ", w.sizes());
  const double receptive = static_cast<double>(w[0][0].numel());
  return {static_cast<double>(w.size(1)) * receptive, static_cast<double>(w.size(0)) * receptive};
}

// Matches the weight's dtype unless autocast will cast the operands anyway.
at::Tensor to_weight_dtype(const at::Tensor& x, const at::Tensor& weight) {
  if (x.scalar_type() == weight.scalar_type() || compat::autocast_enabled(x.device().type()))
    return x;
  return x.to(weight.scalar_type());
}

}  // namespace

void init_xavier_uniform(at::Tensor& weight) {
  if (is_meta(weight)) return;
  const auto [fan_in, fan_out] = fans(weight);
  const double bound = std::sqrt(6.0 / (fan_in + fan_out));
  at::NoGradGuard no_grad;
  weight.uniform_(-bound, bound);
}

void init_normal(at::Tensor& weight, double std) {
  if (is_meta(weight)) return;
  at::NoGradGuard no_grad;
  weight.normal_(0.0, std);
}

void init_zeros(at::Tensor& t) {
  if (!t.defined() || is_meta(t)) return;
  at::NoGradGuard no_grad;
  t.zero_();
}

LinearImpl::LinearImpl(int64_t in_features, int64_t out_features, bool has_bias,
                       const at::TensorOptions& options)
    : in_features_(in_features), out_features_(out_features) {
  weight = register_parameter("weight", at::empty({out_features, in_features}, options));
  if (has_bias) bias = register_parameter("bias", at::empty({out_features}, options));
  if (!is_meta(weight)) {
    // PyTorch's nn.Linear default: kaiming_uniform(a = sqrt(5)) = U(+-1/sqrt(in)), bias alike.
    at::NoGradGuard no_grad;
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    weight.uniform_(-bound, bound);
    if (bias.defined()) bias.uniform_(-bound, bound);
  }
}

at::Tensor LinearImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == in_features_, "Linear(", in_features_, " -> ",
              out_features_, "): input ", x.sizes(), " has the wrong last dim");
  return at::linear(to_weight_dtype(x, weight), weight, bias);
}

LayerNormImpl::LayerNormImpl(int64_t dim, double eps, bool affine, const at::TensorOptions& options)
    : dim_(dim), eps_(eps) {
  if (affine) {
    weight = register_parameter("weight", at::empty({dim}, options));
    bias = register_parameter("bias", at::empty({dim}, options));
    if (!is_meta(weight)) {
      at::NoGradGuard no_grad;
      weight.fill_(1.0);
      bias.zero_();
    }
  }
}

at::Tensor LayerNormImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == dim_, "LayerNorm(", dim_, "): input ", x.sizes(),
              " has the wrong last dim");
  const at::Tensor w = weight.defined() ? weight.to(at::kFloat) : weight;
  const at::Tensor b = bias.defined() ? bias.to(at::kFloat) : bias;
  return at::layer_norm(x.to(at::kFloat), {dim_}, w, b, eps_).to(x.scalar_type());
}

}  // namespace nc::model
