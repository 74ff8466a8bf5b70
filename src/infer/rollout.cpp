#include "nc/infer/rollout.h"

#include <chrono>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/full.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros_like.h>
#include <c10/core/GradMode.h>

#include "nc/core/error.h"
#include "nc/infer/frame_stream.h"
#include "nc/model/build.h"
#include "nc/model/cursor_supervision.h"
#include "nc/model/flow_matching.h"
#include "nc/model/i2v.h"
#include "nc/model/weights.h"
#include "nc/text/typed_text.h"

namespace nc::infer {

RolloutEngine::RolloutEngine(const Config& config, const std::string& dit_weights, const c10::Device& device,
                             bool untrained)
    : config_(config), device_(device), chunk_frames_(config.data.frames) {
  check(config_.model.dit.is_i2v(), "rollouts continue a first frame: the DiT must be i2v", "model.dit.model_type");
  vae_ = model::build_vae(config_.model.vae, device_);
  vae_->eval();
  captions_ = std::make_unique<text::CaptionEncoder>(config_.model.text, device_);
  model::DitOptions dit_options = config_.model.dit;
  dit_options.weights.clear();
  dit_ = model::build_dit(dit_options, device_, config_.model.dit_action());
  if (!untrained) model::load_weights(*dit_, model::resolve_weights(dit_weights));
  dit_->eval();
  check(chunk_frames_ >= 2, "a rollout chunk needs the given frame and at least one more", "data.frames");
  check((chunk_frames_ - 1) % vae_->options().temporal_stride() == 0,
        "data.frames must be 1 + " + std::to_string(vae_->options().temporal_stride()) + "k", "data.frames");
}

at::Tensor RolloutEngine::generate_chunk(const at::Tensor& first_frame, const std::string& caption, int frames,
                                         uint64_t seed, const SamplerOptions& sampler,
                                         const model::ActionInputs& actions) {
  c10::NoGradGuard no_grad;
  model::DitForwardOptions extra;
  if (uses_actions()) {
    check(!actions.empty() && actions.frames() == frames,
          "this checkpoint follows actions: give the " + std::to_string(frames) + " frames' actions",
          "rollout", "a GUI clip's shard tensors (--from-clip/--from-shards) carry them");
    extra.actions = prepare_actions(actions);
  }
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const at::Tensor first = first_frame.to(device_).unsqueeze(0);  // [1, 3, H, W]
  at::Tensor y =
      model::i2v_condition(vae_, first, frames, false, {}, dit_->options().i2v_fill == "first");
  // PAPER.md §1.3: the cursor reference stream, drawn from the logged positions.
  if (config_.model.action.cursor.reference)
    y = at::cat({y, model::reference_condition(
                        vae_, model::cursor_reference(first, extra.actions.mouse_trajectories,
                                                      extra.actions.cursor_valid,
                                                      config_.model.action.cursor))},
                1);
  const int64_t stride = vae_->options().temporal_stride();
  const at::Tensor context = captions_->encode({caption});
  const at::Tensor empty_context = at::zeros_like(context);  // what text dropout trained for
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const int64_t latent_frames = (frames - 1) / stride + 1;
  const at::Tensor noise =
      at::randn({1, dit_->options().out_dim, latent_frames, y.size(3), y.size(4)}, gen,
                at::TensorOptions().dtype(at::kFloat))
          .to(device_);
  const int train_steps = config_.model.flow.num_train_timesteps;
  auto velocity = [&](const at::Tensor& x, double sigma) {
    const at::Tensor t = at::full({1}, sigma * train_steps, x.options());
    const model::FlowMatchingOptions& flow = config_.model.flow;
    const at::Tensor s = at::full({}, sigma, x.options());
    const at::Tensor cond = dit_->forward(x, t, context, {}, y, extra);
    if (sampler.cfg == 1.0) return model::velocity_from_prediction(flow, cond, x, s);
    const at::Tensor uncond = dit_->forward(x, t, empty_context, {}, y, extra);
    return model::velocity_from_prediction(flow, uncond + (cond - uncond) * sampler.cfg, x, s);
  };
  const auto t1 = Clock::now();
  at::Tensor latent;
  {
    PrecisionScope precision(sampler, device_);
    latent = sample(velocity, noise, sampler);
  }
  const auto t2 = Clock::now();
  at::Tensor video = vae_->decode(latent, model::VaePass::kChunked)[0];  // [3, T, H, W]
  const auto t3 = Clock::now();
  times_.condition_s = std::chrono::duration<double>(t1 - t0).count();
  times_.sample_s = std::chrono::duration<double>(t2 - t1).count();
  times_.decode_s = std::chrono::duration<double>(t3 - t2).count();
  video.select(1, 0).copy_(first_frame.to(video.device()));              // the given frame, exactly
  return video;
}

PrecisionScope::PrecisionScope(const SamplerOptions& sampler, const c10::Device& device) {
  if (sampler.precision == "bf16") autocast_.emplace(device.type());
}

model::ActionInputs RolloutEngine::prepare_actions(const model::ActionInputs& actions) {
  model::ActionInputs on_device = actions.to(device_);
  if (on_device.text_bytes.defined() && config_.model.action.typed_text == "encoder")
    on_device.text_features = text::typed_text_features(*captions_, on_device.text_bytes);
  return on_device;
}

at::Tensor RolloutEngine::generate(const RolloutRequest& r, const SamplerOptions& sampler) {
  check(r.frames >= 1, "a rollout needs at least one frame", "--frames");
  check(r.first_frame.dim() == 3 && r.first_frame.size(0) == 3, "the first frame must be [3, H, W]", "rollout");
  const bool causal = config_.model.dit.causal;
  // A causal model steps by one latent frame, a clip model by a chunk less its given frame.
  const int64_t step = causal ? vae_->options().temporal_stride() : chunk_frames_ - 1;
  if (uses_actions()) {  // whole steps: 1 + n step frames of actions for n steps
    const int64_t needed = 1 + (r.frames - 1 + step - 1) / step * step;
    const int64_t have = r.actions.empty() ? 0 : r.actions.frames();
    check(have >= needed,
          "the actions cover " + std::to_string(have) + " frames; " + std::to_string(r.frames) + " frames in steps of " +
              std::to_string(step) + " need " + std::to_string(needed),
          "rollout", "roll out at most the clip's frames");
  }
  std::vector<at::Tensor> parts;
  if (causal) {  // frame by frame, any length, memory bounded by the window
    const bool acts = uses_actions();
    FrameStream stream(*this, r.first_frame, r.caption, sampler, r.seed,
                       acts ? r.actions.frames_slice(0, 1) : model::ActionInputs{});
    for (int64_t produced = 0; produced < r.frames;) {
      // The given frame first; then each latent frame follows the actions of the frames it makes.
      const at::Tensor frames = produced == 0 ? stream.next()
                                              : stream.next(acts ? r.actions.frames_slice(produced, step)
                                                                 : model::ActionInputs{});
      const int64_t take = std::min<int64_t>(frames.size(1), r.frames - produced);
      parts.push_back(frames.narrow(1, 0, take));
      produced += take;
    }
    return at::cat(parts, 1);
  }
  at::Tensor first = r.first_frame;
  int produced = 1;
  uint64_t chunk = 0;
  parts.push_back(first.unsqueeze(1).to(at::kCPU));
  while (produced < r.frames) {
    // A chunk starts at the previous last frame: its actions are frames [produced - 1, ...).
    const model::ActionInputs actions =
        uses_actions() ? r.actions.frames_slice(produced - 1, chunk_frames_) : model::ActionInputs{};
    at::Tensor clip =
        generate_chunk(first, r.caption, chunk_frames_, r.seed + 7919 * chunk++, sampler, actions).to(at::kCPU);
    const int64_t take = std::min<int64_t>(clip.size(1) - 1, r.frames - produced);
    parts.push_back(clip.narrow(1, 1, take));  // the chunk's first frame is the previous last frame
    produced += static_cast<int>(take);
    first = clip.select(1, take);
  }
  return at::cat(parts, 1);
}

}  // namespace nc::infer
