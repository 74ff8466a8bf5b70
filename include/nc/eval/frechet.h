// The Fréchet distance between two Gaussians, the statistic behind FVD (PAPER.md §3.2 App. B.3):
//
//   d^2 = |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr( (S_a^1/2 S_b S_a^1/2)^1/2 )
//
// The trace term equals tr((S_a S_b)^1/2) (the same eigenvalues), computed here on the
// symmetric form through two symmetric eigen-decompositions (float64), negative eigenvalues
// from rounding clipped to 0. Returns the squared distance, as FID/FVD report it.
#pragma once

#include <ATen/core/Tensor.h>

namespace nc::eval {

struct Gaussian {
  at::Tensor mean;  // [D] float64
  at::Tensor cov;   // [D, D] float64
};

// Mean and unbiased covariance (divisor N - 1, as numpy.cov) of features [N, D]; N >= 2.
Gaussian fit_gaussian(const at::Tensor& features);

// The symmetric square root of a symmetric positive semi-definite matrix [D, D] (float64).
at::Tensor sqrtm_psd(const at::Tensor& matrix);

double frechet_distance(const Gaussian& a, const Gaussian& b);

}  // namespace nc::eval
