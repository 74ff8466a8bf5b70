// train.stage: dit. Flow matching (PAPER.md §2.1): x_t = (1 - s) x0 + s e, the DiT predicts
// e - x0 from x_t, the timestep, the caption's text context and (i2v) the first frame, with
// condition dropout for classifier-free guidance. The VAE and (unless trainable) the text
// encoder are frozen.
#include <c10/core/GradMode.h>

#include "nc/core/error.h"
#include "nc/core/log.h"
#include "nc/model/build.h"
#include "nc/model/flow_matching.h"
#include "nc/model/i2v.h"
#include "nc/text/caption_encoder.h"
#include "nc/train/sample_random.h"
#include "nc/train/stages.h"

namespace nc::train {
namespace {

class DitStage : public Stage {
 public:
  DitStage(const Config& config, const c10::Device& device)
      : flow_(config.model.flow),
        slice_first_frame_(config.train.dit.first_frame == "slice"),
        device_(device),
        vae_(model::build_vae(config.model.vae, device)),
        captions_(config.model.text, device),
        dit_(model::build_dit(config.model.dit, device)) {
    check(!config.model.text.trainable, "the dit stage trains the DiT only; a trainable text encoder is not supported",
          "model.text.trainable", "set it to false");
    if (config.model.vae.weights.empty())
      log::warn("model.vae.weights is empty: the DiT learns the latents of an untrained VAE");
    vae_->eval();
    for (auto& p : vae_->parameters()) p.set_requires_grad(false);
    dit_->train();
  }

  std::string name() const override { return "dit"; }
  torch::nn::Module& module() override { return *dit_; }

  StepOutput forward(const data::Batch& batch) override {
    const at::Tensor video = batch.video.to(device_);  // [B, 3, T, H, W]
    at::Tensor x0;
    model::Conditions c;
    {
      c10::NoGradGuard no_grad;
      x0 = vae_->encode(video, model::VaePass::kWhole);
      if (dit_->options().is_i2v())
        c.y = model::i2v_condition(vae_, video.select(2, 0), video.size(2), slice_first_frame_, x0);
    }
    c.context = captions_.encode(batch.captions);
    // Every draw per sample from its seed (streams: 1 noise, 2 sigma, 3-4 dropout).
    const auto& seeds = batch.seeds;
    const at::Tensor text_drop = uniform_per_sample(seeds, 3).lt(flow_.text_dropout).to(device_);
    const at::Tensor image_drop = uniform_per_sample(seeds, 4).lt(flow_.image_dropout).to(device_);
    model::apply_dropout(c, text_drop, image_drop, vae_->options().temporal_stride());
    const at::Tensor sigma =
        model::sigmas_from_draws(flow_, uniform_per_sample(seeds, 2), randn_per_sample(seeds, {}, at::kFloat, 2)).to(device_);
    const at::Tensor noise = randn_per_sample(seeds, x0.sizes().slice(1), x0.options(), 1);
    const at::Tensor xt = model::add_noise(x0, noise, sigma);
    const at::Tensor t = model::timesteps_from_sigmas(sigma, flow_.num_train_timesteps);
    const at::Tensor out = dit_->forward(xt, t, c.context, {}, c.y);
    StepOutput r;
    r.loss = model::flow_matching_loss(out, model::velocity_target(x0, noise));
    r.metrics = {{"sigma_mean", sigma.mean().item<double>()}};
    return r;
  }

 private:
  model::FlowMatchingOptions flow_;
  bool slice_first_frame_;
  c10::Device device_;
  model::Vae vae_;
  text::CaptionEncoder captions_;
  model::Dit dit_;
};

}  // namespace

std::unique_ptr<Stage> make_dit_stage(const Config& config, const c10::Device& device) {
  return std::make_unique<DitStage>(config, device);
}

}  // namespace nc::train
