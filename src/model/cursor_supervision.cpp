#include "nc/model/cursor_supervision.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/max_pool3d.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>

#include "nc/core/error.h"
#include "nc/gui/cursor.h"
#include "nc/gui/gui_options.h"

namespace nc::model {

CursorReference cursor_reference(const at::Tensor& first_frames, const at::Tensor& xy,
                                 const at::Tensor& valid, const CursorSupervisionOptions& o) {
  constexpr const char* kWhere = "model::cursor_reference";
  check(first_frames.dim() == 4 && first_frames.size(1) == 3, "first frames must be [B, 3, H, W]",
        kWhere);
  check(xy.dim() == 3 && xy.size(0) == first_frames.size(0) && xy.size(2) == 2,
        "cursor positions must be [B, F, 2] with the frames' batch", kWhere);
  check(!valid.defined() ||
            (valid.dim() == 2 && valid.size(0) == xy.size(0) && valid.size(1) == xy.size(1)),
        "cursor_valid must be [B, F] like the positions", kWhere);
  const gui::CursorSprite sprite = gui::arrow_cursor(o.size, o.outline);
  const auto background = gui::parse_hex_colour(o.background, "model.action.cursor.background");
  const at::Tensor frames8 = first_frames.detach()
                                 .to(at::kCPU, at::kFloat)
                                 .add(1)
                                 .mul(127.5)
                                 .round()
                                 .clamp(0, 255)
                                 .to(at::kByte);
  const at::Tensor pos = xy.detach().to(at::kCPU, at::kFloat);
  const at::Tensor ok = valid.defined() ? valid.detach().to(at::kCPU).ne(0)
                                        : at::ones({xy.size(0), xy.size(1)}, at::kBool);
  std::vector<at::Tensor> images, masks;
  for (int64_t b = 0; b < xy.size(0); ++b) {
    const gui::ReferenceStream s = gui::reference_stream(frames8[b].permute({1, 2, 0}).contiguous(),
                                                         pos[b], ok[b], sprite, background);
    images.push_back(s.images.permute({1, 0, 2, 3}));  // [3, F, H, W]
    masks.push_back(s.masks.permute({1, 0, 2, 3}));
  }
  const auto to = first_frames.options().dtype(at::kFloat);
  return {at::stack(images).to(to), at::stack(masks).to(to)};
}

at::Tensor mask_tags(const at::Tensor& masks, int temporal_stride, int spatial_stride) {
  check(masks.dim() == 5 && masks.size(1) == 1, "reference masks must be [B, 1, F, H, W]",
        "model::mask_tags");
  const int64_t frames = masks.size(2);
  check((frames - 1) % temporal_stride == 0,
        "reference frames must be 1 + " + std::to_string(temporal_stride) + "k, got " +
            std::to_string(frames),
        "model::mask_tags");
  const int64_t s = spatial_stride;
  const at::Tensor first = at::max_pool3d(masks.narrow(2, 0, 1), {1, s, s}, {1, s, s});
  if (frames == 1) return first;
  const int64_t c = temporal_stride;
  const at::Tensor rest = at::max_pool3d(masks.narrow(2, 1, frames - 1), {c, s, s}, {c, s, s});
  return at::cat({first, rest}, 2);
}

at::Tensor reference_condition(Vae& vae, const CursorReference& reference) {
  c10::NoGradGuard no_grad;
  const VaeOptions& o = vae->options();
  const at::Tensor z = vae->encode(reference.images, VaePass::kWhole);
  const at::Tensor tags =
      mask_tags(reference.masks, o.temporal_stride(), o.spatial_stride()).to(z.scalar_type());
  check(tags.sizes().slice(2) == z.sizes().slice(2),
        "the reference tags and latents differ in shape", "model::reference_condition");
  return at::cat({tags, z}, 1);
}

at::Tensor masked_cursor_loss(const at::Tensor& x0_estimate, const at::Tensor& x0,
                              const at::Tensor& tags) {
  check(x0_estimate.sizes() == x0.sizes() && tags.dim() == 5 && tags.size(1) == 1 &&
            tags.size(2) == x0.size(2),
        "the cursor loss needs x0 [B, z, T, h, w] twice and tags [B, 1, T, h, w]",
        "model::masked_cursor_loss");
  if (x0.size(2) < 2) return x0.new_zeros({});
  const int64_t steps = x0.size(2) - 1;
  const at::Tensor w = tags.narrow(2, 1, steps).to(at::kFloat);
  const at::Tensor err =
      (x0_estimate.narrow(2, 1, steps) - x0.narrow(2, 1, steps)).to(at::kFloat).pow(2);
  const at::Tensor total = w.sum() * x0.size(1);
  return (err * w).sum() / total.clamp_min(1e-6);
}

at::Tensor soft_argmax_positions(const at::Tensor& logits, int64_t grid_height,
                                 int64_t grid_width) {
  check(logits.dim() == 3 && logits.size(2) == grid_height * grid_width,
        "position logits must be [B, T, " + std::to_string(grid_height * grid_width) + "]",
        "model::soft_argmax_positions");
  const auto fo = logits.options().dtype(at::kFloat);
  const at::Tensor xs = (at::arange(grid_width, fo) + 0.5) / grid_width;
  const at::Tensor ys = (at::arange(grid_height, fo) + 0.5) / grid_height;
  const at::Tensor cx = xs.repeat({grid_height}),
                   cy = ys.repeat_interleave(grid_width);  // row-major
  const at::Tensor p = at::softmax(logits.to(at::kFloat), -1);
  return at::stack({(p * cx).sum(-1), (p * cy).sum(-1)}, -1);
}

std::pair<at::Tensor, at::Tensor> cursor_at_steps(const at::Tensor& xy, const at::Tensor& valid,
                                                  int64_t steps, int temporal_stride) {
  check(xy.dim() == 3 && xy.size(2) == 2, "cursor positions must be [B, F, 2]",
        "model::cursor_at_steps");
  check((steps - 1) * temporal_stride < xy.size(1),
        std::to_string(steps) + " latent steps need " +
            std::to_string((steps - 1) * temporal_stride + 1) +
            " frames of cursor positions, got " + std::to_string(xy.size(1)),
        "model::cursor_at_steps");
  const at::Tensor index = at::arange(steps, xy.options().dtype(at::kLong)) * temporal_stride;
  const at::Tensor pos = xy.index_select(1, index).to(at::kFloat);
  const at::Tensor ok = valid.defined()
                            ? valid.index_select(1, index.to(valid.device())).ne(0).to(at::kFloat)
                            : at::ones({xy.size(0), steps}, xy.options().dtype(at::kFloat));
  return {pos, ok.to(pos.device())};
}

at::Tensor cursor_position_loss(const at::Tensor& predicted, const at::Tensor& target,
                                const at::Tensor& valid) {
  check(predicted.sizes() == target.sizes() && predicted.dim() == 3 && valid.dim() == 2,
        "positions must be [B, T, 2] twice with validity [B, T]", "model::cursor_position_loss");
  const at::Tensor err = (predicted.to(at::kFloat) - target.to(at::kFloat)).pow(2).sum(-1);
  return (err * valid).sum() / (valid.sum() * 2).clamp_min(1e-6);
}

}  // namespace nc::model
