#include "nc/model/rope.h"

#include <string>

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/outer.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/stack.h>

#include "nc/core/error.h"

namespace nc::model {

std::array<int64_t, 3> rope_split(int64_t head_dim) {
  const int64_t sixth = head_dim / 6;
  return {head_dim - 4 * sixth, 2 * sixth, 2 * sixth};
}

Rope3d::Rope3d(int64_t head_dim, int64_t max_len, double theta)
    : head_dim_(head_dim), max_len_(max_len), theta_(theta) {
  check(head_dim % 2 == 0 && head_dim >= 6, "RoPE head dim must be even and >= 6",
        "head_dim = " + std::to_string(head_dim), "choose dim / num_heads accordingly");
  check(max_len > 0, "RoPE max_len must be positive", "max_len = " + std::to_string(max_len));
  const auto split = rope_split(head_dim);
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  const at::Tensor positions = at::arange(max_len, f64);
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t d = split[axis];
    // theta^(-2i/d) for i = 0 .. d/2 - 1
    const at::Tensor inv_freq = at::pow(theta, at::arange(0, d, 2, f64) / static_cast<double>(d)).reciprocal();
    angles_[axis] = at::outer(positions, inv_freq);  // [max_len, d/2]
  }
}

RopeTables Rope3d::tables(const RopeGrid& grid, const c10::Device& device) const {
  const std::array<int64_t, 3> size = {grid.frames, grid.height, grid.width};
  const std::array<int64_t, 3> offset = {grid.frame_offset, grid.height_offset, grid.width_offset};
  static const char* kAxis[3] = {"frames", "height", "width"};
  std::array<at::Tensor, 3> parts;
  for (int axis = 0; axis < 3; ++axis) {
    check(size[axis] > 0 && offset[axis] >= 0 && offset[axis] + size[axis] <= max_len_,
          "RoPE positions out of range", std::string("axis ") + kAxis[axis],
          "offset " + std::to_string(offset[axis]) + " + size " + std::to_string(size[axis]) +
              " must be within max_len " + std::to_string(max_len_) + " (model.dit.rope_max_len)");
    parts[axis] = angles_[axis].narrow(0, offset[axis], size[axis]).to(device);
  }
  const int64_t f = size[0], h = size[1], w = size[2];
  const at::Tensor angle =
      at::cat({parts[0].view({f, 1, 1, -1}).expand({f, h, w, parts[0].size(1)}),
               parts[1].view({1, h, 1, -1}).expand({f, h, w, parts[1].size(1)}),
               parts[2].view({1, 1, w, -1}).expand({f, h, w, parts[2].size(1)})},
              -1)
          .reshape({f * h * w, 1, head_dim_ / 2});
  return {angle.cos().to(at::kFloat), angle.sin().to(at::kFloat)};
}

at::Tensor apply_rope(const at::Tensor& x, const RopeTables& tables) {
  TORCH_CHECK(x.dim() == 4, "apply_rope: x must be [B, L, heads, d], got ", x.sizes());
  const int64_t n = tables.tokens();
  TORCH_CHECK(n <= x.size(1) && tables.cos.size(-1) * 2 == x.size(3),
              "apply_rope: tables for ", n, " tokens of head dim ", tables.cos.size(-1) * 2,
              " do not fit x ", x.sizes());
  const at::Tensor head = (n == x.size(1) ? x : x.narrow(1, 0, n)).to(at::kFloat);
  const auto pairs = head.unflatten(-1, {x.size(3) / 2, 2});  // [B, n, heads, d/2, 2]
  const at::Tensor x0 = pairs.select(-1, 0), x1 = pairs.select(-1, 1);
  const at::Tensor rotated =
      at::stack({x0 * tables.cos - x1 * tables.sin, x0 * tables.sin + x1 * tables.cos}, -1)
          .flatten(-2)
          .to(x.scalar_type());
  if (n == x.size(1)) return rotated;
  return at::cat({rotated, x.narrow(1, n, x.size(1) - n)}, 1);
}

}  // namespace nc::model
