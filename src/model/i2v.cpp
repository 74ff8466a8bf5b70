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
                         const at::Tensor& clip_latent, bool repeat_first) {
  check(first_frames.dim() == 4 && first_frames.size(1) == 3, "first frames must be [B, 3, H, W]",
        "model::i2v_condition");
  c10::NoGradGuard no_grad;
  at::Tensor latent;
  if (repeat_first) {
    const at::Tensor first =
        clip_latent.defined() ? clip_latent.narrow(2, 0, 1) : vae->encode(first_frames.unsqueeze(2));
    const int64_t steps = (frames - 1) / vae->options().temporal_stride() + 1;
    latent = first.expand({-1, -1, steps, -1, -1}).contiguous();
  } else if (slice) {
    check(clip_latent.defined(), "slice mode needs the clip's latent", "model::i2v_condition");
    latent = at::zeros_like(clip_latent);
    latent.select(2, 0).copy_(clip_latent.select(2, 0));
  } else if (vae->options().frame_wise) {
    // Frames are encoded independently: every zero frame has the same latent.
    const at::Tensor zero = at::zeros_like(first_frames).unsqueeze(2);
    const at::Tensor first = clip_latent.defined() ? clip_latent.narrow(2, 0, 1) : at::Tensor();
    const at::Tensor pair = vae->encode(first.defined() ? zero : at::cat({first_frames.unsqueeze(2), zero}, 2));
    const at::Tensor rest = pair.narrow(2, pair.size(2) - 1, 1);
    latent = at::cat({first.defined() ? first : pair.narrow(2, 0, 1),
                      rest.expand({-1, -1, frames - 1, -1, -1})}, 2);
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
