// train.stage: vae. Loss = l1 |x - x'| + l2 (x - x')^2 + kl KL(q(z|x) || N(0, 1)), x' decoded
// from a sample of the encoder's Gaussian (the reparameterisation trick); with
// vae_loss.foreground, L1/L2 are means weighted towards the pixels off the background colour.
#include <cmath>

#include <ATen/ops/exp.h>
#include <c10/core/GradMode.h>

#include "nc/core/file_util.h"
#include "nc/data/frames.h"
#include "nc/model/build.h"
#include "nc/train/sample_random.h"
#include "nc/train/stages.h"
#include "nc/train/vae_loss.h"
#ifdef NC_WITH_VIDEO
#include "nc/video/gif_writer.h"
#endif

namespace nc::train {
namespace {

class VaeStage : public Stage {
 public:
  VaeStage(const Config& config, const c10::Device& device)
      : loss_(config.train.vae_loss), device_(device), vae_(model::build_vae(config.model.vae, device)) {
    vae_->train();
  }

  std::string name() const override { return "vae"; }
  torch::nn::Module& module() override { return *vae_; }

  StepOutput forward(const data::Batch& batch) override {
    const at::Tensor x = batch.video.to(device_);
    model::VaeDistribution q = vae_->encode_distribution(x, model::VaePass::kWhole);
    const at::Tensor eps = randn_per_sample(batch.seeds, q.mean.sizes().slice(1), q.mean.options(), 1);
    const at::Tensor z = q.mean + at::exp(q.log_var * 0.5) * eps;
    const at::Tensor recon = vae_->decode_unclamped(vae_->normalize(z), model::VaePass::kWhole);
    const at::Tensor diff = recon - x;
    // With vae_loss.foreground, means weighted towards the pixels off the background colour.
    const at::Tensor w = loss_.foreground > 0 ? foreground_weights(x, loss_.foreground).expand_as(diff) : at::Tensor();
    const at::Tensor l1 = w.defined() ? (w * diff.abs()).sum() / w.sum() : diff.abs().mean();
    const at::Tensor l2 = w.defined() ? (w * diff.pow(2)).sum() / w.sum() : diff.pow(2).mean();
    const at::Tensor kl = (q.mean.pow(2) + at::exp(q.log_var) - 1.0 - q.log_var).mean() * 0.5;
    StepOutput out;
    out.loss = l1 * loss_.l1 + l2 * loss_.l2 + kl * loss_.kl;
    const double mse = (recon.detach().clamp(-1, 1) - x).pow(2).mean().item<double>() / 4.0;  // on [0, 1]
    out.metrics = {{"l1", l1.item<double>()}, {"l2", l2.item<double>()}, {"kl", kl.item<double>()},
                   {"psnr", mse > 0 ? -10.0 * std::log10(mse) : 99.0}};
    return out;
  }

  void write_samples(const data::Batch& batch, const std::string& dir) override {
#ifdef NC_WITH_VIDEO
    c10::NoGradGuard no_grad;
    const at::Tensor x = batch.video.to(device_);
    vae_->eval();
    const at::Tensor recon = vae_->decode(vae_->encode(x, model::VaePass::kWhole), model::VaePass::kWhole);
    vae_->train();
    make_dirs(dir);
    for (int64_t b = 0; b < x.size(0); ++b) {
      auto frames = data::side_by_side({data::to_images(x[b]), data::to_images(recon[b])});
      video::GifWriter gif(dir + "/" + batch.ids[b] + ".gif", frames[0].width, frames[0].height, 8);
      for (const auto& f : frames) gif.write(f);
      gif.close();
    }
#else
    (void)batch;
    (void)dir;
#endif
  }

 private:
  VaeLossOptions loss_;
  c10::Device device_;
  model::Vae vae_;
};

}  // namespace

std::unique_ptr<Stage> make_vae_stage(const Config& config, const c10::Device& device) {
  return std::make_unique<VaeStage>(config, device);
}

}  // namespace nc::train
