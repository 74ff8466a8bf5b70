#include "nc/infer/frame_stream.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/full.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros_like.h>
#include <c10/core/GradMode.h>

#include "nc/core/error.h"
#include "nc/model/flow_matching.h"
#include "nc/model/i2v.h"

namespace nc::infer {

FrameStream::FrameStream(RolloutEngine& engine, const at::Tensor& first_frame, const std::string& caption,
                         const SamplerOptions& sampler, uint64_t seed, const model::ActionInputs& first_actions)
    : engine_(engine),
      sampler_(sampler),
      decoder_(engine.vae()),
      gen_(at::make_generator<at::CPUGeneratorImpl>(seed)),
      first_frame_(first_frame.to(at::kCPU, at::kFloat)),
      stride_(engine.vae()->options().temporal_stride()) {
  const Config& config = engine.config();
  check(config.model.dit.causal, "frame-by-frame generation needs a causal model", "model.dit.causal");
  check(first_frame.dim() == 3 && first_frame.size(0) == 3, "the first frame must be [3, H, W]", "rollout");
  check(!config.model.action.cursor.reference, "frame-by-frame generation does not draw the cursor reference yet",
        "model.action.cursor.reference");
  const int64_t clip_latents = (config.data.frames - 1) / stride_ + 1;
  // The default keeps the attended span (the cache and the new frame) at the training clip's length.
  cache_.sink = sampler.sink;
  cache_.window = sampler.window > 0 ? sampler.window : std::max<int64_t>(1, clip_latents - 1 - sampler.sink);
  if (guided()) uncond_cache_ = model::DitKvCache(cache_.window, cache_.sink);
  c10::NoGradGuard no_grad;
  set_caption(caption);
  const at::Tensor first = first_frame_.to(engine.device()).unsqueeze(0);  // [1, 3, H, W]
  const at::Tensor latent = engine.vae()->encode(first.unsqueeze(2));       // [1, z, 1, h, w]
  // The condition of a two-step clip: its first step is the given frame's, its second that of
  // every later frame (the given latent again with i2v_fill first, a black frame's with zeros).
  // The given frame's latent is passed in, so that it is not encoded a second time.
  const at::Tensor y = model::i2v_condition(engine.vae(), first, 1 + stride_, false, latent,
                                            engine.dit()->options().i2v_fill == "first");
  y_first_ = y.narrow(2, 0, 1);
  y_next_ = y.narrow(2, 1, 1);
  commit(latent, y_first_, action_feature(first_actions, 0));
  decoder_.push(latent);  // the decoder's causal state starts at the given frame
  latent_frames_ = 1;
}

void FrameStream::set_caption(const std::string& caption) {
  if (context_.defined() && caption == caption_) return;  // the text encoder runs once per caption
  caption_ = caption;
  c10::NoGradGuard no_grad;
  context_ = engine_.captions().encode({caption});
  empty_context_ = at::zeros_like(context_);  // what text dropout trained for, as generate_chunk
}

at::Tensor FrameStream::action_feature(const model::ActionInputs& actions, int64_t step) {
  const model::ActionOptions& a = engine_.dit()->action_options();  // its temporal_stride is the VAE's
  if (!a.enabled()) {
    check(actions.empty(), "this model takes no actions (model.action.injection is none)", "model.action.injection");
    return {};
  }
  const int64_t frames = step == 0 ? 1 : stride_;  // the given frame, or a latent frame's pixel frames
  check(!actions.empty() && actions.frames() == frames,
        "model.action.injection is " + a.injection + ": give the actions of the " + std::to_string(frames) +
            " frame(s) this step makes" + (actions.empty() ? "" : ", not " + std::to_string(actions.frames())),
        "rollout");
  const at::Tensor features =
      engine_.dit()->action_encoder->encode_frames(engine_.prepare_actions(actions)).to(at::kFloat);
  action_history_ = action_history_.defined() ? at::cat({action_history_, features}, 1) : features;
  // Only a step's window of frames is ever read again: the history stays that long.
  const int64_t keep = model::alignment_frames(a.temporal_stride, a.window, a.lag);
  if (action_history_.size(1) > keep) {
    const int64_t drop = action_history_.size(1) - keep;
    action_history_ = action_history_.narrow(1, drop, keep).clone();
    action_first_ += drop;
  }
  return model::align_latent_step(action_history_, action_first_, step, a.temporal_stride, a.window, a.lag);
}

void FrameStream::commit(const at::Tensor& latent, const at::Tensor& y, const at::Tensor& action) {
  const int train_steps = engine_.config().model.flow.num_train_timesteps;
  const double sigma = sampler_.context_noise;
  at::Tensor x = latent;
  if (sigma > 0) {
    const at::Tensor noise = at::randn(latent.sizes(), gen_, at::TensorOptions().dtype(at::kFloat)).to(latent.device());
    x = model::add_noise(latent, noise, at::full({}, sigma, latent.options()));
  }
  const at::Tensor t = at::full({1}, sigma * train_steps, x.options());
  PrecisionScope precision(sampler_, engine_.device());
  engine_.dit()->forward_cached(x, t, context_, y, cache_, true, action);
  if (guided()) engine_.dit()->forward_cached(x, t, empty_context_, y, uncond_cache_, true, action);
}

at::Tensor FrameStream::next(const model::ActionInputs& actions) {
  if (!given_out_) {
    check(actions.empty(), "the given frame takes its actions when the stream starts", "rollout");
    given_out_ = true;
    return first_frame_.unsqueeze(1);
  }
  c10::NoGradGuard no_grad;
  const at::Tensor action = action_feature(actions, latent_frames_);
  const model::FlowMatchingOptions& flow = engine_.config().model.flow;
  const int train_steps = flow.num_train_timesteps;
  const int64_t z = engine_.dit()->options().out_dim;
  const at::Tensor start =
      at::randn({1, z, 1, y_next_.size(3), y_next_.size(4)}, gen_, at::TensorOptions().dtype(at::kFloat))
          .to(y_next_.device());
  auto velocity = [&](const at::Tensor& x, double sigma) {
    const at::Tensor t = at::full({1}, sigma * train_steps, x.options());
    const at::Tensor s = at::full({}, sigma, x.options());
    const at::Tensor cond = engine_.dit()->forward_cached(x, t, context_, y_next_, cache_, false, action);
    if (!guided()) return model::velocity_from_prediction(flow, cond, x, s);
    const at::Tensor uncond = engine_.dit()->forward_cached(x, t, empty_context_, y_next_, uncond_cache_, false, action);
    return model::velocity_from_prediction(flow, uncond + (cond - uncond) * sampler_.cfg, x, s);
  };
  at::Tensor latent;
  {
    PrecisionScope precision(sampler_, engine_.device());  // one scope: weights cast once per frame
    latent = sample(velocity, start, sampler_);
    commit(latent, y_next_, action);
  }
  ++latent_frames_;
  return decoder_.push(latent)[0].to(at::kCPU);
}

}  // namespace nc::infer
