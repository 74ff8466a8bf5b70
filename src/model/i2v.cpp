#include "nc/model/i2v.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>
#include <c10/core/GradMode.h>

#include "nc/core/error.h"

namespace nc::model {

at::Tensor first_frame_mask(int64_t batch, int64_t latent_frames, int64_t height, int64_t width,
                            int temporal_stride, const at::TensorOptions& options) {
  at::Tensor m = at::zeros({batch, temporal_stride, latent_frames, height, width}, options);
  m.select(2, 0).fill_(1.0);
  return m;
}

at::Tensor i2v_condition(Vae& vae, const at::Tensor& first_frames, int64_t frames, bool slice,
                         const at::Tensor& clip_latent) {
  check(first_frames.dim() == 4 && first_frames.size(1) == 3, "first frames must be [B, 3, H, W]",
        "model::i2v_condition");
  c10::NoGradGuard no_grad;
  at::Tensor latent;
  if (slice) {
    check(clip_latent.defined(), "slice mode needs the clip's latent", "model::i2v_condition");
    latent = at::zeros_like(clip_latent);
    latent.select(2, 0).copy_(clip_latent.select(2, 0));
  } else {
    // [B, 3, 1, H, W] then zeros: the given frame, then nothing known.
    at::Tensor video = at::cat({first_frames.unsqueeze(2),
                                at::zeros({first_frames.size(0), 3, frames - 1, first_frames.size(2),
                                           first_frames.size(3)},
                                          first_frames.options())},
                               2);
    latent = vae->encode(video, VaePass::kWhole);
  }
  at::Tensor mask = first_frame_mask(latent.size(0), latent.size(2), latent.size(3), latent.size(4),
                                     vae->options().temporal_stride(), latent.options());
  return at::cat({mask, latent}, 1);
}

}  // namespace nc::model
