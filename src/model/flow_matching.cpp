#include "nc/model/flow_matching.h"

#include <vector>

#include <ATen/TensorOperators.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/sigmoid.h>
#include <ATen/ops/cat.h>

#include "nc/core/error.h"

namespace nc::model {

namespace {

c10::optional<at::Generator> opt(const at::Generator& g) {
  if (g.defined()) return g;
  return c10::nullopt;
}

}  // namespace

double shift_sigma(double sigma, double shift) {
  return shift * sigma / (1.0 + (shift - 1.0) * sigma);
}

at::Tensor shift_sigma(const at::Tensor& sigma, double shift) {
  if (shift == 1.0) return sigma;
  return sigma * shift / (1.0 + (shift - 1.0) * sigma);
}

at::Tensor sample_sigmas(const FlowMatchingOptions& o, int64_t batch, at::Generator generator) {
  check(batch >= 0, "sample_sigmas: negative batch size");
  at::Tensor s = at::empty({batch}, at::TensorOptions().dtype(at::kFloat));
  if (o.sigma_sampling == "uniform") {
    s.uniform_(0.0, 1.0, opt(generator));
  } else if (o.sigma_sampling == "logit_normal") {
    s = at::sigmoid(s.normal_(o.logit_mean, o.logit_std, opt(generator)));
  } else {
    throw Error("unknown sigma_sampling '" + o.sigma_sampling + "'", "flow_matching",
                "valid: uniform, logit_normal");
  }
  return shift_sigma(s, o.shift);
}

at::Tensor sigmas_from_draws(const FlowMatchingOptions& o, const at::Tensor& uniform, const at::Tensor& normal) {
  at::Tensor s = o.sigma_sampling == "uniform" ? uniform.to(at::kFloat)
                                               : at::sigmoid(normal.to(at::kFloat) * o.logit_std + o.logit_mean);
  return shift_sigma(s, o.shift);
}

at::Tensor expand_sigma(const at::Tensor& sigma, const at::Tensor& like) {
  if (sigma.dim() == 0) return sigma;
  if (sigma.dim() == 2) {
    TORCH_CHECK(like.dim() == 5 && sigma.size(0) == like.size(0) && sigma.size(1) == like.size(2),
                "a per-frame sigma must be [B, F] = [", like.size(0), ", ", like.dim() == 5 ? like.size(2) : -1,
                "], got ", sigma.sizes());
    return sigma.view({sigma.size(0), 1, sigma.size(1), 1, 1});
  }
  TORCH_CHECK(sigma.dim() == 1 && sigma.size(0) == like.size(0), "sigma must be [B] = [",
              like.size(0), "] or a scalar, got ", sigma.sizes());
  std::vector<int64_t> shape(like.dim(), 1);
  shape[0] = sigma.size(0);
  return sigma.view(shape);
}

at::Tensor add_noise(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& sigma) {
  TORCH_CHECK(x0.sizes() == noise.sizes(), "add_noise: x0 ", x0.sizes(), " and noise ",
              noise.sizes(), " differ");
  const at::Tensor s = expand_sigma(sigma, x0).to(x0.device(), x0.scalar_type());
  return (1 - s) * x0 + s * noise;
}

at::Tensor velocity_target(const at::Tensor& x0, const at::Tensor& noise) { return noise - x0; }

at::Tensor x0_from_velocity(const at::Tensor& x_t, const at::Tensor& v, const at::Tensor& sigma) {
  const at::Tensor s = expand_sigma(sigma, x_t).to(x_t.device(), x_t.scalar_type());
  return x_t - s * v;
}

at::Tensor prediction_target(const FlowMatchingOptions& options, const at::Tensor& x0, const at::Tensor& noise) {
  return options.prediction == "x0" ? x0 : velocity_target(x0, noise);
}

at::Tensor velocity_from_prediction(const FlowMatchingOptions& options, const at::Tensor& output,
                                    const at::Tensor& x_t, const at::Tensor& sigma) {
  if (options.prediction != "x0") return output;
  const at::Tensor s = expand_sigma(sigma, x_t).to(x_t.device(), x_t.scalar_type());
  TORCH_CHECK(s.gt(0).all().item<bool>(), "velocity_from_prediction: an x0 prediction has no velocity at sigma 0");
  return (x_t - output) / s;
}

at::Tensor x0_from_prediction(const FlowMatchingOptions& options, const at::Tensor& output, const at::Tensor& x_t,
                              const at::Tensor& sigma) {
  return options.prediction == "x0" ? output : x0_from_velocity(x_t, output, sigma);
}

at::Tensor timesteps_from_sigmas(const at::Tensor& sigma, int num_train_timesteps) {
  return sigma.to(at::kFloat) * static_cast<double>(num_train_timesteps);
}

at::Tensor flow_matching_loss(const at::Tensor& model_output, const at::Tensor& target,
                              const at::Tensor& mask) {
  TORCH_CHECK(model_output.sizes() == target.sizes(), "flow_matching_loss: output ",
              model_output.sizes(), " and target ", target.sizes(), " differ");
  const at::Tensor err = (model_output.to(at::kFloat) - target.to(at::kFloat)).pow(2);
  if (!mask.defined()) return err.mean();
  const at::Tensor w = mask.to(err.device(), at::kFloat).expand_as(err);
  return (err * w).sum() / w.sum().clamp_min(1e-12);
}

at::Tensor sample_drop(int64_t batch, double p, const c10::Device& device, at::Generator generator) {
  check(p >= 0 && p <= 1, "dropout probability must be in [0, 1], got " + std::to_string(p));
  at::Tensor u = at::empty({batch}, at::TensorOptions().dtype(at::kFloat));
  u.uniform_(0.0, 1.0, opt(generator));
  return (u < p).to(device);
}

at::Tensor zero_dropped(const at::Tensor& x, const at::Tensor& drop) {
  TORCH_CHECK(drop.dim() == 1 && drop.size(0) == x.size(0), "zero_dropped: drop must be [B] = [",
              x.size(0), "], got ", drop.sizes());
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = x.size(0);
  const at::Tensor keep = drop.logical_not().view(shape).to(x.device(), x.scalar_type());
  return x * keep;
}

void drop_conditions(Conditions& c, const FlowMatchingOptions& o, at::Generator generator,
                     int64_t y_mask_channels) {
  const at::Tensor& any = c.context.defined() ? c.context : c.clip_fea.defined() ? c.clip_fea : c.y;
  if (!any.defined()) return;
  const int64_t b = any.size(0);
  at::Tensor text = sample_drop(b, o.text_dropout, any.device(), generator);
  at::Tensor image = sample_drop(b, o.image_dropout, any.device(), generator);
  apply_dropout(c, text, image, y_mask_channels);
}

void apply_dropout(Conditions& c, const at::Tensor& text_dropped, const at::Tensor& image_dropped,
                   int64_t y_mask_channels) {
  c.text_dropped = text_dropped;
  c.image_dropped = image_dropped;
  if (c.context.defined()) c.context = zero_dropped(c.context, c.text_dropped);
  if (c.clip_fea.defined()) c.clip_fea = zero_dropped(c.clip_fea, c.image_dropped);
  if (c.y.defined()) {
    TORCH_CHECK(c.y.dim() >= 2 && c.y.size(1) > y_mask_channels, "drop_conditions: y ",
                c.y.sizes(), " has no latent channels after ", y_mask_channels, " mask channels");
    const at::Tensor latent = zero_dropped(
        c.y.narrow(1, y_mask_channels, c.y.size(1) - y_mask_channels), c.image_dropped);
    c.y = at::cat({c.y.narrow(1, 0, y_mask_channels), latent}, 1);
  }
}

}  // namespace nc::model
