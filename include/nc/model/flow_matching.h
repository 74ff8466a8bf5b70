// Flow matching (rectified flow) as Wan2.1 trains and samples it (PAPER.md §2.1 "Training
// objective"; the convention is Wan's and UNCONFIRMED for NC):
//
//   x_t    = (1 - sigma) x0 + sigma eps          sigma in [0, 1]: 0 = data, 1 = noise
//   target = v = eps - x0                        what the DiT predicts
//   t      = sigma * num_train_timesteps         the timestep fed to the DiT
//   x0     = x_t - sigma v                       (Wan's fm_solvers_unipc)
//   shift: sigma' = s sigma / (1 + (s - 1) sigma)   (s = 1: none; s > 1 moves mass to noise)
//
// `prediction: x0` (not Wan's) has the DiT predict x0 itself, trained with the MSE to x0; the
// samplers turn it into v = (x_t - x0) / sigma. A small model trained for minutes learns the
// clean frame (e.g. a copy of the given one) long before it learns Wan's velocity.
//
// Plus the condition dropout of PAPER.md §2.2 ("dropout 0.1 on the prompt encoder, CLIP and
// VAE"), read as classifier-free-guidance dropout (UNCONFIRMED): per sample, the text context
// is zeroed with probability text_dropout, the image conditions (CLIP tokens and the
// first-frame latent inside y) with probability image_dropout.
#pragma once

#include <cstdint>
#include <string>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "nc/core/config.h"

namespace nc::model {

struct FlowMatchingOptions {
  std::string sigma_sampling = "logit_normal";
  double logit_mean = 0.0;
  double logit_std = 1.0;
  double shift = 5.0;
  double text_dropout = 0.1;
  double image_dropout = 0.1;
  int num_train_timesteps = 1000;
  std::string prediction = "velocity";  // velocity (Wan) | x0
  // shared: one noise level per clip (Wan); per_frame: one per latent frame (diffusion forcing,
  // for causal models: a frame learns to build on past frames at any noise level, which is what
  // lets a rollout noise its context against drift).
  std::string frame_noise = "shared";

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("sigma_sampling", sigma_sampling,
      "training noise levels: uniform U(0,1) or logit_normal sigmoid(N(mean, std))",
      one_of({"uniform", "logit_normal"}));
    v("logit_mean", logit_mean, "mean of the logit-normal's normal");
    v("logit_std", logit_std, "std of the logit-normal's normal", positive());
    v("shift", shift, "timestep shift applied to sampled sigmas: s*x/(1+(s-1)*x); 1 = none",
      positive());
    v("text_dropout", text_dropout, "per-sample probability of zeroing the text context (CFG)",
      between(0, 1));
    v("image_dropout", image_dropout,
      "per-sample probability of zeroing the CLIP tokens and first-frame latent (CFG)",
      between(0, 1));
    v("num_train_timesteps", num_train_timesteps, "t = sigma * this", positive());
    v("prediction", prediction, "what the DiT outputs: velocity v = eps - x0 (Wan) or x0 itself",
      one_of({"velocity", "x0"}));
    v("frame_noise", frame_noise,
      "training noise levels: shared (one per clip) or per_frame (one per latent frame, diffusion forcing)",
      one_of({"shared", "per_frame"}));
  }
};

// sigma' = shift * sigma / (1 + (shift - 1) * sigma), elementwise; shift = 1 is the identity.
at::Tensor shift_sigma(const at::Tensor& sigma, double shift);
double shift_sigma(double sigma, double shift);

// [B] float32 sigmas in (0, 1): drawn as the options say, then shifted.
// `generator` may be undefined (the default CPU generator).
at::Tensor sample_sigmas(const FlowMatchingOptions& options, int64_t batch,
                         at::Generator generator = {});

// The same from per-sample draws (uniform [B] in [0, 1), normal [B] standard normal): the form
// training uses, so that every sample's noise level comes from its own seed.
at::Tensor sigmas_from_draws(const FlowMatchingOptions& options, const at::Tensor& uniform, const at::Tensor& normal);

// Broadcasts sigma [B] against x [B, ...] (a [B, 1, 1, ...] view), or a per-frame sigma [B, F]
// against x [B, C, F, H, W] (a [B, 1, F, 1, 1] view).
at::Tensor expand_sigma(const at::Tensor& sigma, const at::Tensor& like);

// x_t = (1 - sigma) x0 + sigma noise; sigma [B] or a scalar tensor.
at::Tensor add_noise(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& sigma);
// v = noise - x0
at::Tensor velocity_target(const at::Tensor& x0, const at::Tensor& noise);
// x0 = x_t - sigma v
at::Tensor x0_from_velocity(const at::Tensor& x_t, const at::Tensor& v, const at::Tensor& sigma);
// The DiT's training target under options.prediction: v = noise - x0, or x0.
at::Tensor prediction_target(const FlowMatchingOptions& options, const at::Tensor& x0, const at::Tensor& noise);
// The DiT's output as a velocity (what the samplers integrate) and as an x0 estimate; sigma [B]
// or a scalar tensor, > 0 for the velocity of an x0 prediction.
at::Tensor velocity_from_prediction(const FlowMatchingOptions& options, const at::Tensor& output,
                                    const at::Tensor& x_t, const at::Tensor& sigma);
at::Tensor x0_from_prediction(const FlowMatchingOptions& options, const at::Tensor& output, const at::Tensor& x_t,
                              const at::Tensor& sigma);
// t = sigma * num_train_timesteps, float32 [B]
at::Tensor timesteps_from_sigmas(const at::Tensor& sigma, int num_train_timesteps = 1000);

// Mean squared error in float32 (a scalar). With `mask` (broadcastable to the output, bool or
// float weights): sum(mask * err^2) / sum(mask broadcast), i.e. the mean over masked elements.
at::Tensor flow_matching_loss(const at::Tensor& model_output, const at::Tensor& target,
                              const at::Tensor& mask = {});

// [B] bool: True with probability p, per sample.
at::Tensor sample_drop(int64_t batch, double p, const c10::Device& device,
                       at::Generator generator = {});
// Zeroes the samples b with drop[b] (x [B, ...], drop [B] bool); a copy, x is untouched.
at::Tensor zero_dropped(const at::Tensor& x, const at::Tensor& drop);

// The conditions of one batch; undefined members are skipped.
struct Conditions {
  at::Tensor context;    // [B, Lt, text_dim]
  at::Tensor clip_fea;   // [B, N, clip_dim]               (i2v)
  at::Tensor y;          // [B, 4 + C, F, H, W]: mask channels, then the latent (i2v)
  at::Tensor text_dropped, image_dropped;  // [B] bool, filled by drop_conditions
};
// Applies the CFG dropout: text_dropout to the context; image_dropout to clip_fea and to the
// latent channels of y (y[:, y_mask_channels:]; the mask channels stay, so the model still
// sees which frame would be given). Draws text before image.
void drop_conditions(Conditions& c, const FlowMatchingOptions& options,
                     at::Generator generator = {}, int64_t y_mask_channels = 4);
// The same with the decisions given ([B] bool each).
void apply_dropout(Conditions& c, const at::Tensor& text_dropped, const at::Tensor& image_dropped,
                   int64_t y_mask_channels = 4);

}  // namespace nc::model
