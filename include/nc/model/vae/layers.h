// The VAE's parameter-holding layers, with Wan2.1's parameter names and shapes
// (wan/modules/vae.py): a 2-D convolution applied per frame, the causal 3-D convolution and
// Wan's channel-first RMS norm. Each creates its parameters on a given device; on the meta
// device they have shapes but no storage (to list a full-size model without allocating it).
#pragma once

#include <array>
#include <cstdint>

#include <c10/core/Device.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "nc/model/vae/feature_cache.h"

namespace nc::model::vae {

// (time, height, width)
using Size3 = std::array<int64_t, 3>;

// PyTorch's default convolution init: weight and bias uniform in +-1/sqrt(fan_in).
// Does nothing on the meta device.
void init_conv_(at::Tensor& weight, at::Tensor& bias);

// nn.Conv2d: `weight [out, in, k, k]`, `bias [out]`.
class Conv2dImpl : public torch::nn::Module {
 public:
  Conv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t padding = 0,
             at::Device device = at::kCPU);
  // [N, in, H, W] -> [N, out, H', W']
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight, bias;

 private:
  int64_t stride_, padding_;
};
TORCH_MODULE(Conv2d);

// Wan's CausalConv3d: an nn.Conv3d whose time padding (2 * padding_t) is all on the past side,
// so output frame t sees input frames <= t. `weight [out, in, kt, kh, kw]`, `bias [out]`.
class CausalConv3dImpl : public torch::nn::Module {
 public:
  CausalConv3dImpl(int64_t in, int64_t out, Size3 kernel, Size3 stride = {1, 1, 1},
                   Size3 padding = {0, 0, 0}, at::Device device = at::kCPU);
  // [B, in, T, H, W] -> [B, out, T', H', W'].
  // Without a slot: the whole sequence, zeros before its first frame.
  // With a slot: one chunk of a longer sequence; the slot holds the frames the previous chunks
  // left (zeros before the first chunk) and is updated to this chunk's last ones.
  at::Tensor forward(const at::Tensor& x, CacheSlot* slot = nullptr);

  // Frames of past context the convolution needs (2 * padding_t; 2 for Wan's 3-tap convs).
  int64_t past_frames() const { return past_; }

  at::Tensor weight, bias;

 private:
  Size3 stride_;
  int64_t past_, pad_h_, pad_w_;
};
TORCH_MODULE(CausalConv3d);

// The two shapes most of the VAE uses: Wan's CausalConv3d(in, out, 3, padding=1) (3x3x3, causal
// in time, same size) and CausalConv3d(in, out, 1) (per-voxel).
inline CausalConv3d causal_conv3x3x3(int64_t in, int64_t out, at::Device device) {
  return CausalConv3d(in, out, Size3{3, 3, 3}, Size3{1, 1, 1}, Size3{1, 1, 1}, device);
}
inline CausalConv3d conv1x1x1(int64_t in, int64_t out, at::Device device) {
  return CausalConv3d(in, out, Size3{1, 1, 1}, Size3{1, 1, 1}, Size3{0, 0, 0}, device);
}

// Wan's RMS_norm: x / ||x||_2 over channels (dim 1) * sqrt(C) * gamma. `gamma` is
// [C, 1, 1, 1] for video ([B, C, T, H, W]) and [C, 1, 1] for images ([N, C, H, W]).
// Wan's optional bias is never used in the VAE and is not built.
class RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(int64_t channels, bool images, at::Device device = at::kCPU);
  at::Tensor forward(const at::Tensor& x);

  at::Tensor gamma;

 private:
  double scale_;
};
TORCH_MODULE(RmsNorm);

}  // namespace nc::model::vae
