// Image-to-video conditioning (PAPER.md §2.1, Wan2.1 I2V): y = [frame mask, latent of the first
// frame followed by zero frames], concatenated to the noisy latent on channels.
#pragma once

#include <ATen/core/Tensor.h>

#include "nc/model/vae.h"

namespace nc::model {

// [B, stride, t, h, w]: ones on the first latent step (the given frame, repeated `stride`
// times as Wan folds it), zeros after.
at::Tensor first_frame_mask(int64_t batch, int64_t latent_frames, int64_t height, int64_t width,
                            int temporal_stride, const at::TensorOptions& options);

// y for first frames [B, 3, H, W] in [-1, 1] and `frames` = 1 + 4k output frames.
// encode: Wan's way, the VAE over [first frame, zeros...]; slice: `clip_latent`'s first step
// followed by zeros (needs the clip's latent [B, z, t, h, w]; one VAE pass less in training).
// With a frame_wise VAE, encode gives the same y from two frames: the first frame (or the clip
// latent's first step, when given) and one zero frame, whose latent repeats.
// repeat_first (model.dit.i2v_fill = first): the first frame's latent in every latent frame
// instead (from the clip latent's first step when given: a causal or frame-wise VAE encodes the
// first frame alone).
at::Tensor i2v_condition(Vae& vae, const at::Tensor& first_frames, int64_t frames, bool slice = false,
                         const at::Tensor& clip_latent = {}, bool repeat_first = false);

}  // namespace nc::model
