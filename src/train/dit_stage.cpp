// train.stage: dit. Flow matching (PAPER.md §2.1): x_t = (1 - s) x0 + s e, the DiT predicts
// e - x0 (or x0, model.flow.prediction) from x_t, the timestep, the caption's text context and (i2v) the first frame, with
// condition dropout for classifier-free guidance; optionally the actions, the temporal
// contrastive loss and cursor supervision (model.action, docs/ACTIONS.md). The VAE and (unless
// trainable) the text encoder are frozen.
#include <algorithm>
#include <cmath>
#include <map>

#include <ATen/ops/cat.h>
#include <ATen/ops/erf.h>
#include <ATen/ops/full.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/tensor.h>
#include <c10/core/GradMode.h>

#include "nc/core/error.h"
#include "nc/core/log.h"
#include "nc/infer/sampler.h"
#include "nc/model/action_contrastive.h"
#include "nc/model/build.h"
#include "nc/model/cursor_supervision.h"
#include "nc/model/flow_matching.h"
#include "nc/model/i2v.h"
#include "nc/model/weights.h"
#include "nc/text/caption_encoder.h"
#include "nc/text/typed_text.h"
#include "nc/train/sample_random.h"
#include "nc/train/stages.h"

namespace nc::train {
namespace {

class DitStage : public Stage {
 public:
  DitStage(const Config& config, const c10::Device& device)
      : flow_(config.model.flow),
        slice_first_frame_(config.train.dit.first_frame == "slice"),
        cache_latents_(config.data.frame_sampling == "spread" && config.data.crop_height == 0),
        device_(device),
        vae_(model::build_vae(config.model.vae, device)),
        captions_(config.model.text, device),
        action_(config.model.dit_action()),
        dit_(model::build_dit(config.model.dit, device, action_)),
        self_rollout_(config.train.dit.self_rollout),
        context_noise_(config.rollout.context_noise) {
    if (self_rollout_ > 0) {
      check(config.model.dit.causal, "self-rollout trains a causal model", "train.dit.self_rollout",
            "set model.dit.causal: true, or train.dit.self_rollout: 0");
      check(config.train.dit.teacher.empty(), "self-rollout and distillation are separate stages",
            "train.dit.self_rollout");
    }
    // Self-rollout and causal distillation learn a frame after at least one frame of context.
    check(!config.model.dit.causal || (self_rollout_ == 0 && config.train.dit.teacher.empty()) ||
              (config.data.frames - 1) / config.model.vae.temporal_stride() >= 1,
          "self-rollout and causal distillation need clips of at least two latent frames", "data.frames");
    if (!config.train.dit.teacher.empty()) load_teacher(config, device);
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
    at::Tensor x0, reference;
    model::Conditions c;
    model::DitForwardOptions extra;
    if (action_.enabled() || action_.cursor.any()) {  // PAPER.md §2.3: the clip's per-frame actions
      extra.actions = model::ActionInputs::from_tensors(batch.tensors, action_).to(device_);
      if (extra.actions.text_bytes.defined() && action_.typed_text == "encoder")
        extra.actions.text_features =
            text::typed_text_features(captions_, extra.actions.text_bytes);
    }
    encode(batch, extra.actions, &x0, &c.y, &reference);
    c.context = captions_.encode(batch.captions);
    // Every draw per sample from its seed (streams: 1 noise, 2 sigma, 3-4 dropout).
    const auto& seeds = batch.seeds;
    const at::Tensor text_drop = uniform_per_sample(seeds, 3).lt(flow_.text_dropout).to(device_);
    const at::Tensor image_drop = uniform_per_sample(seeds, 4).lt(flow_.image_dropout).to(device_);
    model::apply_dropout(c, text_drop, image_drop, vae_->options().temporal_stride());
    if (reference.defined())
      c.y = at::cat({c.y, reference}, 1);  // the cursor stream is never dropped
    if (teacher_) return dit_->options().causal ? distil_next_frame(x0, c, extra, seeds) : distil(x0, c, extra, seeds);
    if (self_rollout_ > 0 && uniform_per_sample({seeds.front()}, 5).item<double>() < self_rollout_)
      return self_rollout(x0, c, extra, seeds, draw_frame(seeds, x0.size(2)));
    const at::Tensor sigma = draw_sigmas(seeds, x0.size(2)).to(device_);
    const at::Tensor noise = randn_per_sample(seeds, x0.sizes().slice(1), x0.options(), 1);
    const at::Tensor xt = model::add_noise(x0, noise, sigma);
    const at::Tensor t = model::timesteps_from_sigmas(sigma, flow_.num_train_timesteps);
    model::DitForwardOptions::Features features;
    const model::CursorSupervisionOptions& cursor = action_.cursor;
    if (action_.contrastive() || action_.future_prediction() || cursor.position_weight > 0)
      extra.features = &features;
    const at::Tensor out = dit_->forward(xt, t, c.context, {}, c.y, extra);
    StepOutput r;
    r.loss = model::flow_matching_loss(out, model::prediction_target(flow_, x0, noise));
    r.metrics = {{"sigma_mean", sigma.mean().item<double>()}};
    if (self_rollout_ > 0) r.metrics["self_rollout_frame"] = 0;
    if (cursor.loss_weight > 0) {
      const at::Tensor x0_estimate = model::x0_from_prediction(flow_, out, xt, sigma);
      const at::Tensor loss = model::masked_cursor_loss(x0_estimate, x0, reference.narrow(1, 0, 1));
      r.loss = r.loss + loss * cursor.loss_weight;
      r.metrics["cursor_patch"] = loss.item<double>();
    }
    if (cursor.position_weight > 0) {
      const at::Tensor predicted =
          model::soft_argmax_positions(dit_->cursor_position->forward(features.tokens).squeeze(-1),
                                       features.grid_height, features.grid_width);
      const auto [target, valid] =
          model::cursor_at_steps(extra.actions.mouse_trajectories, extra.actions.cursor_valid,
                                 x0.size(2), vae_->options().temporal_stride());
      const at::Tensor loss = model::cursor_position_loss(predicted, target, valid);
      r.loss = r.loss + loss * cursor.position_weight;
      r.metrics["cursor_position"] = loss.item<double>();
    }
    if (action_.contrastive() || action_.future_prediction()) {
      const at::Tensor valid = model::steps_with_actions(extra.actions, action_, x0.size(2));
      if (action_.contrastive()) {
        const at::Tensor nce =
            model::temporal_infonce(dit_->action_contrastive_frame->forward(features.frames),
                                    dit_->action_contrastive_action->forward(features.actions),
                                    valid, action_.contrastive_temperature);
        r.loss = r.loss + nce * action_.contrastive_weight;
        r.metrics["contrastive"] = nce.item<double>();
      }
      if (action_.future_prediction()) {
        const at::Tensor future = model::future_prediction_loss(
            dit_->action_future->forward(features.actions), features.frames, valid);
        r.loss = r.loss + future * action_.future_weight;
        r.metrics["future"] = future.item<double>();
      }
    }
    return r;
  }

 private:
  // Latents, the i2v condition and (model.action.cursor.reference) the cursor reference
  // condition of the batch's clips. The frozen VAE maps a clip's frames to the same latents
  // every time, so they are computed once per clip and cached (unless the loader draws different
  // frames or crops of a clip each time).
  void encode(const data::Batch& batch, const model::ActionInputs& actions, at::Tensor* x0,
              at::Tensor* y, at::Tensor* reference) {
    if (!cache_latents_) cache_.clear(), cache_bytes_ = 0;
    std::vector<int64_t> missing;
    for (int64_t b = 0; b < static_cast<int64_t>(batch.ids.size()); ++b)
      if (!cache_.count(batch.ids[b])) missing.push_back(b);
    if (!missing.empty()) {
      c10::NoGradGuard no_grad;
      const at::Tensor rows = at::tensor(missing, at::kLong);
      const at::Tensor video = batch.video.index_select(0, rows).to(device_);
      const at::Tensor z = vae_->encode(video, model::VaePass::kWhole);
      if (!scale_checked_) warn_about_latent_scale(z);
      at::Tensor cond, ref;
      if (dit_->options().is_i2v())
        cond = model::i2v_condition(vae_, video.select(2, 0), video.size(2), slice_first_frame_, z,
                                    dit_->options().i2v_fill == "first");
      if (action_.cursor.reference) {
        const auto pick = [&](const at::Tensor& t) {
          return t.defined() ? t.index_select(0, rows.to(t.device())) : t;
        };
        ref = model::reference_condition(
            vae_, model::cursor_reference(video.select(2, 0), pick(actions.mouse_trajectories),
                                          pick(actions.cursor_valid), action_.cursor));
      }
      constexpr int64_t kCacheBytes = int64_t(2) << 30;
      for (size_t i = 0; i < missing.size(); ++i) {
        const auto row = [&](const at::Tensor& t) {
          return t.defined() ? t[static_cast<int64_t>(i)].clone() : t;
        };
        Cached entry{row(z), row(cond), row(ref)};
        int64_t bytes = 0;
        for (const at::Tensor* t : {&entry.latent, &entry.y, &entry.reference})
          if (t->defined()) bytes += t->numel() * 4;
        if (cache_bytes_ + bytes > kCacheBytes) {
          cache_.clear();
          cache_bytes_ = 0;
        }
        cache_bytes_ += bytes;
        cache_[batch.ids[missing[i]]] = std::move(entry);
      }
    }
    std::vector<at::Tensor> zs, ys, refs;
    for (const auto& id : batch.ids) {
      const Cached& e = cache_.at(id);
      zs.push_back(e.latent);
      if (e.y.defined()) ys.push_back(e.y);
      if (e.reference.defined()) refs.push_back(e.reference);
    }
    *x0 = at::stack(zs);
    if (!ys.empty()) *y = at::stack(ys);
    if (!refs.empty()) *reference = at::stack(refs);
  }

  void load_teacher(const Config& config, const c10::Device& device) {
    const TrainOptions& t = config.train;
    model::DitOptions o = config.model.dit;
    o.weights.clear();
    teacher_ = model::build_dit(o, device, action_);
    model::load_weights(*teacher_, model::resolve_weights(t.dit.teacher));
    teacher_->eval();
    for (auto& p : teacher_->parameters()) p.set_requires_grad(false);
    teacher_sampler_.sampler = t.dit.teacher_sampler;
    teacher_sampler_.steps = t.dit.teacher_steps;
    teacher_sampler_.shift = config.rollout.shift;
    teacher_sampler_.cfg = 1;
    log::info("distilling {} ({} {} steps) into a one-step student", t.dit.teacher, t.dit.teacher_sampler,
              t.dit.teacher_steps);
  }

  // The student's one step from pure noise (sigma = 1) against the teacher's sample from the
  // same noise, under the same (dropout-applied) conditions: MSE between the two x0.
  StepOutput distil(const at::Tensor& x0, const model::Conditions& c, const model::DitForwardOptions& extra,
                    const std::vector<uint64_t>& seeds) {
    const at::Tensor noise = randn_per_sample(seeds, x0.sizes().slice(1), x0.options(), 1);
    const int steps = flow_.num_train_timesteps;
    at::Tensor target;
    {
      c10::NoGradGuard no_grad;
      const auto velocity = [&](const at::Tensor& x, double sigma) {
        const at::Tensor out =
            teacher_->forward(x, at::full({x.size(0)}, sigma * steps, x.options()), c.context, {}, c.y, extra);
        return model::velocity_from_prediction(flow_, out, x, at::full({}, sigma, x.options()));
      };
      target = infer::sample(velocity, noise, teacher_sampler_);
    }
    const at::Tensor one = at::ones({x0.size(0)}, x0.options());
    const at::Tensor out = dit_->forward(noise, one * steps, c.context, {}, c.y, extra);
    StepOutput r;
    r.loss = model::flow_matching_loss(model::x0_from_prediction(flow_, out, noise, one), target);
    r.metrics = {{"teacher_x0_std", target.std().item<double>()}};
    return r;
  }

  // Self-rollout: the given frame, then frames 1..k-1 generated by the DiT itself (no gradient),
  // each one x0 step from pure noise after the frames before it, all re-noised to
  // rollout.context_noise as a stream commits them; then frame k, the true one noised to a drawn
  // level, is learned after that context (the loss on frame k only). What a stream does at
  // inference, so the model learns to continue from its own output (drift). Flow-matching loss
  // only: the auxiliary action and cursor losses are left out on these steps.
  StepOutput self_rollout(const at::Tensor& x0, const model::Conditions& c, const model::DitForwardOptions& extra,
                          const std::vector<uint64_t>& seeds, int64_t k) {
    const int64_t b = x0.size(0);
    const at::Tensor noise = randn_per_sample(seeds, x0.sizes().slice(1), x0.options(), 1);
    const at::Tensor start = randn_per_sample(seeds, x0.sizes().slice(1), x0.options(), 7);  // generation noise
    at::Tensor context = x0.narrow(2, 0, 1);
    {
      c10::NoGradGuard no_grad;
      const at::Tensor one = at::ones({b}, x0.options());
      for (int64_t i = 1; i < k; ++i) {
        const at::Tensor out = next_frame(*dit_, renoise(context, noise), start.narrow(2, i, 1), one, c, extra);
        context = at::cat({context, model::x0_from_prediction(flow_, out, start.narrow(2, i, 1), one)}, 2);
      }
    }
    const at::Tensor sigma = draw_sigmas(seeds, 1).to(device_).reshape({b});
    const at::Tensor target_noise = noise.narrow(2, k, 1), target = x0.narrow(2, k, 1);
    const at::Tensor out =
        next_frame(*dit_, renoise(context, noise), model::add_noise(target, target_noise, sigma), sigma, c, extra);
    StepOutput r;
    r.loss = model::flow_matching_loss(out, model::prediction_target(flow_, target, target_noise));
    r.metrics = {{"sigma_mean", sigma.mean().item<double>()}, {"self_rollout_frame", static_cast<double>(k)}};
    return r;
  }

  // Causal distillation: frame k after the clip's true frames 0..k-1 (re-noised to
  // rollout.context_noise, as a stream holds them): the teacher's sampler from noise against
  // the student's one step from the same noise, MSE between the two x0.
  StepOutput distil_next_frame(const at::Tensor& x0, const model::Conditions& c, const model::DitForwardOptions& extra,
                               const std::vector<uint64_t>& seeds) {
    const int64_t b = x0.size(0), k = draw_frame(seeds, x0.size(2));
    const at::Tensor context =
        renoise(x0.narrow(2, 0, k), randn_per_sample(seeds, x0.sizes().slice(1), x0.options(), 1));
    const at::Tensor start = randn_per_sample(seeds, x0.sizes().slice(1), x0.options(), 7).narrow(2, k, 1);
    at::Tensor target;
    {
      c10::NoGradGuard no_grad;
      const auto velocity = [&](const at::Tensor& x, double sigma) {
        const at::Tensor s = at::full({b}, sigma, x.options());
        return model::velocity_from_prediction(flow_, next_frame(*teacher_, context, x, s, c, extra), x,
                                               at::full({}, sigma, x.options()));
      };
      target = infer::sample(velocity, start, teacher_sampler_);
    }
    const at::Tensor one = at::ones({b}, x0.options());
    const at::Tensor out = next_frame(*dit_, context, start, one, c, extra);
    StepOutput r;
    r.loss = model::flow_matching_loss(model::x0_from_prediction(flow_, out, start, one), target);
    r.metrics = {{"teacher_x0_std", target.std().item<double>()}, {"distil_frame", static_cast<double>(k)}};
    return r;
  }

  // Which frame a step learns after context, k in [1, F - 1], the same for the whole batch.
  int64_t draw_frame(const std::vector<uint64_t>& seeds, int64_t frames) const {
    const double u = uniform_per_sample({seeds.front()}, 6).item<double>();
    return 1 + std::min<int64_t>(frames - 2, static_cast<int64_t>(u * static_cast<double>(frames - 1)));
  }

  // Context latents as a stream holds them: noised to rollout.context_noise (`noise`: the clip's).
  at::Tensor renoise(const at::Tensor& context, const at::Tensor& noise) const {
    return model::add_noise(context, noise.narrow(2, 0, context.size(2)), at::full({}, context_noise_, context.options()));
  }

  // A causal DiT's output for the frame after `context` (re-noised, at rollout.context_noise):
  // that frame's latent x [B, C, 1, H, W] at noise levels sigma [B], under the batch's conditions.
  at::Tensor next_frame(model::DitImpl& dit, const at::Tensor& context, const at::Tensor& x, const at::Tensor& sigma,
                        const model::Conditions& c, const model::DitForwardOptions& extra) const {
    const int steps = flow_.num_train_timesteps;
    const int64_t b = x.size(0), k = context.size(2);
    const at::Tensor t = at::cat({at::full({b, k}, context_noise_ * steps, x.options()),
                                  model::timesteps_from_sigmas(sigma, steps).to(x.dtype()).unsqueeze(1)},
                                 1);
    const at::Tensor y = c.y.defined() ? c.y.narrow(2, 0, k + 1) : at::Tensor();
    return dit.forward(at::cat({context, x}, 2), t, c.context, {}, y, extra).narrow(2, k, 1);
  }

  // [B] noise levels, or [B, F] with model.flow.frame_noise per_frame (a normal per latent frame
  // on stream 2; its normal CDF is the uniform draw).
  at::Tensor draw_sigmas(const std::vector<uint64_t>& seeds, int64_t latent_frames) const {
    if (flow_.frame_noise == "shared")
      return model::sigmas_from_draws(flow_, uniform_per_sample(seeds, 2), randn_per_sample(seeds, {}, at::kFloat, 2));
    const at::Tensor normal = randn_per_sample(seeds, {latent_frames}, at::kFloat, 2);
    return model::sigmas_from_draws(flow_, 0.5 * (1 + at::erf(normal * M_SQRT1_2)), normal);
  }

  // Flow matching assumes unit-scale latents (the noise is N(0, 1)); a VAE trained here has
  // its own scale, which model.vae.latent_mean / latent_std must undo.
  void warn_about_latent_scale(const at::Tensor& z) {
    scale_checked_ = true;
    const at::Tensor std = z.transpose(0, 1).reshape({z.size(1), -1}).std(1);
    const double lo = std.min().item<double>(), hi = std.max().item<double>();
    if (lo < 0.5 || hi > 2.0)
      log::warn(
          "the first batch's latents have per-channel std {:.3g} .. {:.3g}, far from 1: set "
          "model.vae.latent_mean "
          "and latent_std (nc vae reconstruct prints the values for its clips)",
          lo, hi);
  }

  struct Cached {
    at::Tensor latent, y, reference;
  };
  std::map<std::string, Cached> cache_;
  int64_t cache_bytes_ = 0;
  bool scale_checked_ = false;

  model::FlowMatchingOptions flow_;
  bool slice_first_frame_;
  bool cache_latents_;
  c10::Device device_;
  model::Vae vae_;
  text::CaptionEncoder captions_;
  model::ActionOptions action_;
  model::Dit dit_;
  double self_rollout_;   // train.dit.self_rollout
  double context_noise_;  // rollout.context_noise: the level self-rollout context is re-noised to
  model::Dit teacher_{nullptr};  // train.dit.teacher: distillation
  infer::SamplerOptions teacher_sampler_;
};

}  // namespace

std::unique_ptr<Stage> make_dit_stage(const Config& config, const c10::Device& device) {
  return std::make_unique<DitStage>(config, device);
}

}  // namespace nc::train
