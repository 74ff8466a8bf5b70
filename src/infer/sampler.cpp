#include "nc/infer/sampler.h"

#include <cmath>

#include <ATen/TensorOperators.h>

#include "nc/core/error.h"

namespace nc::infer {
namespace {

// UniPC (Zhao et al. 2023) in the data-prediction form with B(h) = expm1(-h) ("bh2"), for
// alpha = 1 - sigma, lambda = log(alpha / sigma). Orders 1 and 2, with Wan's conventions:
// lower order at the first and last steps, corrector after every step but the last.
class UniPc {
 public:
  UniPc(std::vector<double> sigmas, int order) : sigmas_(std::move(sigmas)), order_(order) {}

  at::Tensor run(const VelocityFn& velocity, at::Tensor x) {
    const int steps = static_cast<int>(sigmas_.size()) - 1;
    at::Tensor last_x;
    int last_order = 1;
    for (int i = 0; i < steps; ++i) {
      const double s = sigmas_[i];
      const at::Tensor m = x - velocity(x, s) * s;  // the data prediction x0
      if (i > 0) x = correct(last_x, m, i, last_order);
      history_.push_back(m);
      if (history_.size() > 2) history_.erase(history_.begin());
      const int order = std::min({order_, i + 1, steps - i});
      last_x = x;
      last_order = order;
      x = predict(x, i, order);
    }
    return x;
  }

 private:
  double lambda(int i) const {
    const double s = std::clamp(sigmas_[i], 1e-12, 1.0 - 1e-12);
    return std::log(1.0 - s) - std::log(s);
  }

  // x at step i -> step i + 1 from history_ (back() is the prediction at step i).
  at::Tensor predict(const at::Tensor& x, int i, int order) const {
    const double s0 = sigmas_[i], t = sigmas_[i + 1];
    const at::Tensor& m0 = history_.back();
    if (t <= 0) return m0;  // the last step lands on the data prediction
    const double h = lambda(i + 1) - lambda(i), hh = -h;
    const double h_phi_1 = std::expm1(hh), b_h = std::expm1(hh);
    at::Tensor out = x * (t / s0) - m0 * ((1.0 - t) * h_phi_1);
    if (order == 2 && history_.size() == 2) {
      const double r1 = (lambda(i - 1) - lambda(i)) / h;
      const at::Tensor d1 = (history_[0] - m0) / r1;
      out = out - d1 * ((1.0 - t) * b_h * 0.5);
    }
    return out;
  }

  // Refines x at step i (reached from last_x at step i - 1) with the prediction m_t made there.
  at::Tensor correct(const at::Tensor& last_x, const at::Tensor& m_t, int i, int order) const {
    const double s0 = sigmas_[i - 1], t = sigmas_[i];
    const at::Tensor& m0 = history_.back();  // the prediction at step i - 1
    const double h = lambda(i) - lambda(i - 1), hh = -h;
    const double h_phi_1 = std::expm1(hh), b_h = std::expm1(hh);
    at::Tensor out = last_x * (t / s0) - m0 * ((1.0 - t) * h_phi_1);
    const at::Tensor d1_t = m_t - m0;
    if (order == 1 || history_.size() < 2) return out - d1_t * ((1.0 - t) * b_h * 0.5);
    // Order 2: solve R rho = b for the earlier difference and the new one.
    const double r1 = (lambda(i - 2) - lambda(i - 1)) / h;
    const at::Tensor d1 = (history_[0] - m0) / r1;
    double h_phi_k = h_phi_1 / hh - 1.0;
    const double b1 = h_phi_k / b_h;            // factorial 1
    h_phi_k = h_phi_k / hh - 1.0 / 2.0;
    const double b2 = h_phi_k * 2.0 / b_h;      // factorial 2
    // R = [[1, 1], [r1, 1]]
    const double det = 1.0 - r1;
    const double rho0 = (b1 - b2) / det, rho1 = (b2 - r1 * b1) / det;
    return out - (d1 * rho0 + d1_t * rho1) * ((1.0 - t) * b_h);
  }

  std::vector<double> sigmas_;
  int order_;
  std::vector<at::Tensor> history_;
};

}  // namespace

std::vector<double> sigma_schedule(int steps, double shift) {
  check(steps >= 1, "need at least one sampling step", "sampler.steps");
  std::vector<double> out(steps + 1);
  for (int i = 0; i <= steps; ++i) {
    const double s = 1.0 - double(i) / steps;
    out[i] = shift * s / (1.0 + (shift - 1.0) * s);
  }
  return out;
}

at::Tensor sample(const VelocityFn& velocity, const at::Tensor& noise, const SamplerOptions& o) {
  const std::vector<double> sigmas = sigma_schedule(o.steps, o.shift);
  if (o.sampler == "unipc") return UniPc(sigmas, o.order).run(velocity, noise);
  if (o.sampler != "euler") throw Error("unknown sampler '" + o.sampler + "'", "sampler.sampler", "use euler or unipc");
  at::Tensor x = noise;
  for (int i = 0; i < o.steps; ++i) x = x + velocity(x, sigmas[i]) * (sigmas[i + 1] - sigmas[i]);
  return x;
}

}  // namespace nc::infer
