#include "nc/model/rms_norm.h"

#include <ATen/TensorOperators.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/rsqrt.h>

namespace nc::model {

RmsNormImpl::RmsNormImpl(int64_t dim, double eps, const at::TensorOptions& options)
    : dim_(dim), eps_(eps) {
  weight = register_parameter("weight", at::empty({dim}, options));
  if (weight.device().type() != c10::kMeta) {
    at::NoGradGuard no_grad;
    weight.fill_(1.0);
  }
}

at::Tensor RmsNormImpl::forward(const at::Tensor& x) {
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == dim_, "RmsNorm(", dim_, "): input ", x.sizes(),
              " has the wrong last dim");
  const at::Tensor xf = x.to(at::kFloat);
  const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  return normed.to(x.scalar_type()) * weight;
}

}  // namespace nc::model
