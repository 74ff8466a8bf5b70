// Wan2.1's 3-D rotary position embedding (PAPER.md §2.1 "RoPE").
//
// The head dim d is cut into three consecutive parts, one per axis of the token grid:
//   t: d - 4*floor(d/6),   h: 2*floor(d/6),   w: 2*floor(d/6)      (44/42/42 for d = 128)
// Inside each part, adjacent elements form pairs (x[2i], x[2i+1]) (Wan's view_as_complex of
// the last dim reshaped to (-1, 2)); pair i of an axis with d_a dims turns by the angle
//   pos * theta^(-2i / d_a),   theta = 10000,
// where pos is the token's index along that axis (plus the axis offset). A pair (x0, x1) turned
// by a becomes (x0 cos a - x1 sin a, x0 sin a + x1 cos a), i.e. the complex product
// (x0 + i x1) e^{ia}, so <rope(q, p), rope(k, p')> depends only on p - p' per axis.
//
// Tokens are ordered (f, h, w) row-major, as the patchified latent is flattened.
#pragma once

#include <array>
#include <cstdint>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace nc::model {

// The token grid of one forward: L = frames * height * width tokens, each axis starting at an
// offset (a start frame index for causal/streaming generation; h and w offsets are 0 in Wan).
struct RopeGrid {
  int64_t frames = 1, height = 1, width = 1;
  int64_t frame_offset = 0, height_offset = 0, width_offset = 0;
  int64_t tokens() const { return frames * height * width; }
};

// Per-token rotations: cos and sin, each [L, 1, d/2] float32 (broadcast over heads).
struct RopeTables {
  at::Tensor cos, sin;
  int64_t tokens() const { return cos.defined() ? cos.size(0) : 0; }
};

// Real dims of the (t, h, w) parts for head dim d.
std::array<int64_t, 3> rope_split(int64_t head_dim);

class Rope3d {
 public:
  // head_dim even and >= 6; positions 0 .. max_len-1 per axis.
  explicit Rope3d(int64_t head_dim, int64_t max_len = 1024, double theta = 10000);

  int64_t head_dim() const { return head_dim_; }
  int64_t max_len() const { return max_len_; }
  double theta() const { return theta_; }
  std::array<int64_t, 3> split() const { return rope_split(head_dim_); }

  // Angles of one axis (0 = t, 1 = h, 2 = w): [max_len, d_axis/2] float64, CPU.
  const at::Tensor& angles(int axis) const { return angles_.at(axis); }

  // The rotations of every token of `grid`, on `device` (angles in float64, cos/sin float32).
  // Throws nc::Error when an axis runs past max_len.
  RopeTables tables(const RopeGrid& grid, const c10::Device& device) const;

 private:
  int64_t head_dim_, max_len_;
  double theta_;
  std::array<at::Tensor, 3> angles_;
};

// Rotates q or k: x [B, L, heads, d] with L >= tables.tokens(); the first tables.tokens()
// tokens are rotated, any further ones (padding) pass unchanged. Computed in float32, returned
// in x's dtype.
at::Tensor apply_rope(const at::Tensor& x, const RopeTables& tables);

}  // namespace nc::model
