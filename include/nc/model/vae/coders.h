// Wan2.1's Encoder3d and Decoder3d (wan/modules/vae.py), module tree and parameter names
// included: conv1, downsamples.N / upsamples.N, middle.{0,1,2}, head.{0,2}.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <c10/core/Device.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "nc/model/vae/blocks.h"
#include "nc/model/vae/feature_cache.h"
#include "nc/model/vae/layers.h"
#include "nc/model/vae_options.h"

namespace nc::model::vae {

// Video [B, 3, T, H, W] -> features [B, out_channels, T', H/s, W/s], s = 2^(levels-1):
// conv1, per level num_res_blocks residual blocks (+ a downsampler between levels), middle
// (residual, attention, residual), head (RMS norm, SiLU, causal conv).
class Encoder3dImpl : public torch::nn::Module {
 public:
  Encoder3dImpl(const VaeOptions& options, int64_t out_channels, at::Device device = at::kCPU);
  at::Tensor forward(const at::Tensor& x, FeatureCache* cache = nullptr);

 private:
  CausalConv3d conv1_{nullptr}, head_conv_{nullptr};
  RmsNorm head_norm_{nullptr};
  std::vector<std::shared_ptr<BlockImpl>> blocks_;  // downsamples, then middle
};
TORCH_MODULE(Encoder3d);

// Latent [B, z, T, h, w] -> video [B, 3, T', h*s, w*s]: conv1, middle, per level
// num_res_blocks + 1 residual blocks (+ an upsampler between levels), head.
class Decoder3dImpl : public torch::nn::Module {
 public:
  Decoder3dImpl(const VaeOptions& options, at::Device device = at::kCPU);
  at::Tensor forward(const at::Tensor& x, FeatureCache* cache = nullptr);

 private:
  CausalConv3d conv1_{nullptr}, head_conv_{nullptr};
  RmsNorm head_norm_{nullptr};
  std::vector<std::shared_ptr<BlockImpl>> blocks_;  // middle, then upsamples
};
TORCH_MODULE(Decoder3d);

}  // namespace nc::model::vae
