// Cursor supervision (PAPER.md §1.3 "SVG cursor and per-frame masks", §3.2 Exp 8): the
// reference stream as a DiT condition, the masked cursor loss and the soft-argmax position
// loss. Options: model.action.cursor (action_options.h CursorSupervisionOptions).
//
// Shapes: F pixel frames, T = 1 + (F - 1) / c latent steps (c the VAE's temporal stride), h x w
// the latent grid (H / s x W / s), z the latent channels.
#pragma once

#include <utility>

#include <ATen/core/Tensor.h>

#include "nc/model/action_options.h"
#include "nc/model/vae.h"

namespace nc::model {

struct CursorReference {
  at::Tensor images;  // [B, 3, F, H, W] in [-1, 1]
  at::Tensor masks;   // [B, 1, F, H, W] in [0, 1]
};

// The reference stream of a batch: frame 0 is the clip's first frame with mask 1; frame f > 0
// the arrow sprite alone over the neutral background with its hotspot at the logged cursor
// and its alpha as the mask (all background and 0 where `valid` is 0). first_frames
// [B, 3, H, W] in [-1, 1]; xy [B, F, 2] in [0, 1]; valid [B, F] (undefined: every frame).
CursorReference cursor_reference(const at::Tensor& first_frames, const at::Tensor& xy,
                                 const at::Tensor& valid, const CursorSupervisionOptions& options);

// Mask tags [B, 1, T, h, w]: step 0 is frame 0's mask, step i >= 1 the maximum over frames
// (i - 1) c + 1 .. i c (the frames the latent step encodes), each max-pooled over s x s pixels.
at::Tensor mask_tags(const at::Tensor& masks, int temporal_stride, int spatial_stride);

// The DiT's extra input channels concat(tags, z_ref) [B, 1 + z, T, h, w]: the reference
// stream's tags and its images through the frozen VAE.
at::Tensor reference_condition(Vae& vae, const CursorReference& reference);

// Masked l2 between the x0 estimate and the true latents [B, z, T, h, w] under the tags
// [B, 1, T, h, w] of the steps after the first (the first is the given frame): the tag-weighted
// mean of the squared error; 0 when no tag is set.
at::Tensor masked_cursor_loss(const at::Tensor& x0_estimate, const at::Tensor& x0,
                              const at::Tensor& tags);

// Soft-argmax: logits [B, T, gh * gw] over each step's token grid (row-major) -> the expected
// token centre ((j + 0.5) / gw, (i + 0.5) / gh) [B, T, 2], differentiable.
at::Tensor soft_argmax_positions(const at::Tensor& logits, int64_t grid_height, int64_t grid_width);

// The logged cursor per latent step: at the step's last frame (step 0: frame 0; step i: frame
// i c), xy [B, F, 2], valid [B, F] (undefined: every frame) -> ([B, T, 2], [B, T] float).
std::pair<at::Tensor, at::Tensor> cursor_at_steps(const at::Tensor& xy, const at::Tensor& valid,
                                                  int64_t steps, int temporal_stride);

// Mean squared (x, y) error over the valid steps; 0 when none is valid.
at::Tensor cursor_position_loss(const at::Tensor& predicted, const at::Tensor& target,
                                const at::Tensor& valid);

}  // namespace nc::model
