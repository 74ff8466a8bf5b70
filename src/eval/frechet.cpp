#include "nc/eval/frechet.h"

#include <string>
#include <tuple>

#include <ATen/TensorOperators.h>
#include <ATen/ops/clamp_min.h>
#include <ATen/ops/linalg_eigh.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/sqrt.h>

#include "nc/core/error.h"

namespace nc::eval {

Gaussian fit_gaussian(const at::Tensor& features) {
  check(features.defined() && features.dim() == 2, "expected features [N, D]", "eval::fit_gaussian");
  const int64_t n = features.size(0);
  check(n >= 2, "a covariance needs at least 2 feature vectors, got " + std::to_string(n), "eval::fit_gaussian");
  at::Tensor f = features.to(at::kDouble);
  Gaussian g;
  g.mean = f.mean(0);
  at::Tensor centred = f - g.mean;
  g.cov = at::mm(centred.t(), centred) / static_cast<double>(n - 1);
  return g;
}

at::Tensor sqrtm_psd(const at::Tensor& matrix) {
  check(matrix.dim() == 2 && matrix.size(0) == matrix.size(1), "expected a square matrix", "eval::sqrtm_psd");
  at::Tensor m = matrix.to(at::kDouble);
  m = (m + m.t()) * 0.5;  // exact symmetry for eigh
  auto [values, vectors] = at::linalg_eigh(m);
  at::Tensor root = at::sqrt(at::clamp_min(values, 0.0));
  return at::mm(vectors * root.unsqueeze(0), vectors.t());
}

double frechet_distance(const Gaussian& a, const Gaussian& b) {
  check(a.mean.defined() && b.mean.defined() && a.mean.sizes() == b.mean.sizes() && a.cov.sizes() == b.cov.sizes(),
        "the two Gaussians differ in dimension", "eval::frechet_distance");
  at::Tensor diff = a.mean.to(at::kDouble) - b.mean.to(at::kDouble);
  at::Tensor sa = a.cov.to(at::kDouble), sb = b.cov.to(at::kDouble);
  at::Tensor root_a = sqrtm_psd(sa);
  at::Tensor inner = at::mm(at::mm(root_a, sb), root_a);
  inner = (inner + inner.t()) * 0.5;
  at::Tensor eig = std::get<0>(at::linalg_eigh(inner));
  const double cross = at::sqrt(at::clamp_min(eig, 0.0)).sum().item<double>();
  const double d = diff.dot(diff).item<double>() + sa.trace().item<double>() + sb.trace().item<double>() - 2 * cross;
  return d < 0 ? 0.0 : d;  // rounding can push identical Gaussians a hair below 0
}

}  // namespace nc::eval
