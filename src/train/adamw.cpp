#include "nc/train/adamw.h"

#include <cmath>

#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/sqrt.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros_like.h>
#include <c10/core/GradMode.h>

#include "nc/core/error.h"

namespace nc::train {
namespace {

at::Tensor restore(const safetensors::File& file, const std::string& name, const at::Tensor& like) {
  if (!file.contains(name)) throw Error("missing tensor '" + name + "'", file.path(), "the checkpoint does not match this model");
  at::Tensor t = file.load(name);
  if (t.sizes() != like.sizes())
    throw Error("tensor '" + name + "' has the wrong shape", file.path(), "the checkpoint does not match this model");
  return t.to(like.options());
}

}  // namespace

AdamW::AdamW(NamedParams params, OptimOptions options) : params_(std::move(params)), options_(std::move(options)) {
  for (const auto& [name, p] : params_) {
    exp_avg_.push_back(at::zeros_like(p, at::MemoryFormat::Contiguous));
    exp_avg_sq_.push_back(at::zeros_like(p, at::MemoryFormat::Contiguous));
  }
}

void AdamW::step(double lr) {
  c10::NoGradGuard no_grad;
  ++steps_;
  const double b1 = options_.betas[0], b2 = options_.betas[1];
  const double bias1 = 1.0 - std::pow(b1, static_cast<double>(steps_));
  const double bias2_sqrt = std::sqrt(1.0 - std::pow(b2, static_cast<double>(steps_)));
  for (size_t i = 0; i < params_.size(); ++i) {
    at::Tensor& p = params_[i].second;
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    p.mul_(1.0 - lr * options_.weight_decay);
    exp_avg_[i].mul_(b1).add_(g, 1.0 - b1);
    exp_avg_sq_[i].mul_(b2).addcmul_(g, g, 1.0 - b2);
    at::Tensor denom = at::sqrt(exp_avg_sq_[i]).div_(bias2_sqrt).add_(options_.eps);
    p.addcdiv_(exp_avg_[i], denom, -lr / bias1);
  }
}

void AdamW::zero_grad() {
  for (auto& [name, p] : params_) {
    if (p.grad().defined()) {
      p.mutable_grad().detach_();
      p.mutable_grad().zero_();
    }
  }
}

safetensors::NamedTensors AdamW::state() const {
  safetensors::NamedTensors out;
  for (size_t i = 0; i < params_.size(); ++i) {
    out.emplace_back(params_[i].first + ".exp_avg", exp_avg_[i]);
    out.emplace_back(params_[i].first + ".exp_avg_sq", exp_avg_sq_[i]);
  }
  out.emplace_back("adamw.step", at::scalar_tensor(steps_, at::kLong));
  return out;
}

void AdamW::load_state(const safetensors::File& file) {
  c10::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    exp_avg_[i].copy_(restore(file, params_[i].first + ".exp_avg", exp_avg_[i]));
    exp_avg_sq_[i].copy_(restore(file, params_[i].first + ".exp_avg_sq", exp_avg_sq_[i]));
  }
  if (!file.contains("adamw.step")) throw Error("missing tensor 'adamw.step'", file.path());
  steps_ = file.load("adamw.step").item<int64_t>();
}

double clip_grad_norm(const NamedParams& params, double max_norm) {
  c10::NoGradGuard no_grad;
  // One device sync for all parameters: norms stacked, then reduced.
  std::vector<at::Tensor> norms;
  for (const auto& [name, p] : params)
    if (p.grad().defined()) norms.push_back(p.grad().norm().to(at::kFloat));
  if (norms.empty()) return 0.0;
  const double total = at::stack(norms).norm().item<double>();
  if (max_norm > 0 && total > max_norm) {
    const double scale = max_norm / (total + 1e-6);
    for (const auto& [name, p] : params)
      if (p.grad().defined()) p.grad().mul_(scale);
  }
  return total;
}

double learning_rate(const ScheduleOptions& s, double peak, int64_t step, int64_t total_steps) {
  if (s.warmup_steps > 0 && step < s.warmup_steps) return peak * double(step + 1) / double(s.warmup_steps);
  if (s.type == "constant") return peak;
  const double span = std::max<int64_t>(1, total_steps - s.warmup_steps);
  const double progress = std::min(1.0, double(step - s.warmup_steps) / span);
  const double floor = s.min_lr_ratio * peak;
  return floor + (peak - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

Ema::Ema(const NamedParams& params, double decay) : decay_(decay) {
  c10::NoGradGuard no_grad;
  for (const auto& [name, p] : params) shadow_.emplace_back(name, p.detach().to(at::kFloat).clone());
}

void Ema::update(const NamedParams& params) {
  c10::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i)
    shadow_[i].second.mul_(decay_).add_(params[i].second.detach().to(at::kFloat), 1.0 - decay_);
}

safetensors::NamedTensors Ema::state() const { return shadow_; }

void Ema::load_state(const safetensors::File& file) {
  c10::NoGradGuard no_grad;
  for (auto& [name, t] : shadow_) t.copy_(restore(file, name, t));
}

}  // namespace nc::train
