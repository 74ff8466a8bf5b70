#include "nc/model/action_contrastive.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/cross_entropy_loss.h>
#include <ATen/ops/ones.h>

#include "nc/core/error.h"

namespace nc::model {

at::Tensor temporal_infonce(const at::Tensor& frames, const at::Tensor& actions, const at::Tensor& valid,
                            double temperature) {
  check(frames.dim() == 3 && frames.sizes() == actions.sizes() && valid.dim() == 2 &&
            valid.size(0) == frames.size(0) && valid.size(1) == frames.size(1),
        "frames and actions must be [B, T, C] and valid [B, T]", "temporal_infonce");
  const at::Tensor fn = frames / frames.norm(2, -1, true).clamp_min(1e-6);
  const at::Tensor an = actions / actions.norm(2, -1, true).clamp_min(1e-6);
  at::Tensor total = frames.sum() * 0;  // stays in the graph when no sequence counts
  int64_t sequences = 0;
  for (int64_t b = 0; b < frames.size(0); ++b) {
    // The negatives of a step are the other steps of its own sequence.
    const at::Tensor keep = valid[b].to(at::kBool).nonzero().squeeze(1).to(frames.device());
    if (keep.size(0) < 2) continue;  // no negative: nothing to contrast
    const at::Tensor f = fn[b].index_select(0, keep), a = an[b].index_select(0, keep);
    const at::Tensor logits = f.matmul(a.t()) / temperature;
    const at::Tensor target = at::arange(keep.size(0), at::TensorOptions().dtype(at::kLong).device(f.device()));
    total = total + (at::cross_entropy_loss(logits, target) + at::cross_entropy_loss(logits.t(), target)) / 2;
    ++sequences;
  }
  return sequences > 0 ? total / double(sequences) : total;
}

at::Tensor future_prediction_loss(const at::Tensor& predicted, const at::Tensor& frames,
                                  const at::Tensor& valid) {
  check(predicted.sizes() == frames.sizes() && predicted.dim() == 3 && valid.dim() == 2 &&
            valid.size(0) == frames.size(0) && valid.size(1) == frames.size(1),
        "future prediction needs predicted and frame features [B, T, C] and valid [B, T]",
        "model::future_prediction_loss");
  const at::Tensor w = valid.to(at::kFloat).unsqueeze(-1);
  const at::Tensor err = (predicted.to(at::kFloat) - frames.detach().to(at::kFloat)).pow(2) * w;
  return err.sum() / (w.sum() * frames.size(2)).clamp_min(1e-6);
}

at::Tensor steps_with_actions(const ActionInputs& in, const ActionOptions& o,
                              int64_t latent_steps) {
  at::Tensor per_frame;  // [B, F] float, 1 where the frame has an action
  if (in.types.defined()) per_frame = in.types.gt(0).any(-1).to(at::kFloat);
  if (in.raw_actions.defined()) {
    const at::Tensor raw = in.raw_actions.ne(0).any(-1).to(at::kFloat);
    per_frame = per_frame.defined() ? per_frame.maximum(raw) : raw;
  }
  if (o.mouse != "none" && in.mouse_trajectories.defined()) {
    const at::Tensor& m = in.mouse_trajectories;
    const at::Tensor cursor = in.cursor_valid.defined() ? in.cursor_valid.ne(0).to(at::kFloat)
                                                        : at::ones({m.size(0), m.size(1)}, m.options().dtype(at::kFloat));
    per_frame = per_frame.defined() ? per_frame.maximum(cursor.to(per_frame.device())) : cursor;
  }
  check(per_frame.defined(), "the action inputs hold no tensor", "steps_with_actions");
  return align_to_latent_steps(per_frame.unsqueeze(-1), latent_steps, o.temporal_stride, o.window, o.lag)
      .squeeze(-1)
      .gt(0);
}

}  // namespace nc::model
