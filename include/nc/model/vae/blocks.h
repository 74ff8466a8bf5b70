// The VAE's blocks, named and shaped like Wan2.1's (wan/modules/vae.py): the residual block,
// the middle attention block and the resamplers. All take `[B, C, T, H, W]` and run either on
// a whole sequence (`cache` null) or on one chunk of it (`cache` carries the past; see
// feature_cache.h); the two give the same frames.
#pragma once

#include <cstdint>

#include <c10/core/Device.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "nc/model/vae/feature_cache.h"
#include "nc/model/vae/layers.h"

namespace nc::model::vae {

// What the encoder and decoder stack: a block that continues a sequence chunk by chunk.
class BlockImpl : public torch::nn::Module {
 public:
  // [B, C, T, H, W] -> [B, C', T', H', W']; `cache` null: the whole sequence.
  virtual at::Tensor forward(const at::Tensor& x, FeatureCache* cache) = 0;
};

// RMS norm, SiLU, causal conv, RMS norm, SiLU, dropout, causal conv; plus a 1x1x1 shortcut
// conv when the channel count changes. Names: residual.{0,2,3,6}.*, shortcut.*.
class ResidualBlockImpl : public BlockImpl {
 public:
  ResidualBlockImpl(int64_t in, int64_t out, double dropout, at::Device device = at::kCPU);
  at::Tensor forward(const at::Tensor& x, FeatureCache* cache) override;

 private:
  RmsNorm norm1_{nullptr}, norm2_{nullptr};
  CausalConv3d conv1_{nullptr}, conv2_{nullptr}, shortcut_{nullptr};
  double dropout_;
};

// Single-head self-attention over the pixels of each frame (frames never see each other).
// Names: norm.gamma, to_qkv.*, proj.* (proj.weight starts at zero, as in Wan).
class AttentionBlockImpl : public BlockImpl {
 public:
  AttentionBlockImpl(int64_t channels, at::Device device = at::kCPU);
  at::Tensor forward(const at::Tensor& x, FeatureCache* cache) override;

 private:
  RmsNorm norm_{nullptr};
  Conv2d to_qkv_{nullptr}, proj_{nullptr};
};

enum class ResampleMode { kUpsample2d, kUpsample3d, kDownsample2d, kDownsample3d };

// Halves (down) or doubles (up) H and W with a per-frame 2-D conv (`resample.1.*`); the 3d
// modes also halve or double time with a causal time conv (`time_conv.*`). The first frame of
// a sequence passes the time step unchanged, which gives the 1 + 4k frame rule:
//   down: T = 1 + 2m -> 1 + m     (output 0 = input 0; output j = conv(2j-2, 2j-1, 2j))
//   up:   T = 1 + m  -> 1 + 2m    (frame 0 kept; frames 1.. through a causal conv to 2 channels
//                                  groups, interleaved in time)
// Upsampling halves the channels (Wan: Conv2d(dim, dim // 2)).
class ResampleImpl : public BlockImpl {
 public:
  ResampleImpl(int64_t channels, ResampleMode mode, at::Device device = at::kCPU);
  at::Tensor forward(const at::Tensor& x, FeatureCache* cache) override;

 private:
  at::Tensor upsample_time(const at::Tensor& x, CacheSlot* slot);
  at::Tensor downsample_time(const at::Tensor& x, CacheSlot* slot);

  ResampleMode mode_;
  Conv2d conv_{nullptr};
  CausalConv3d time_conv_{nullptr};
};

}  // namespace nc::model::vae
