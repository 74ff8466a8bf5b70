#include "nc/model/vae/coders.h"

#include <string>

#include <ATen/ops/silu.h>

namespace nc::model::vae {
namespace {

CacheSlot* next_slot(FeatureCache* cache) { return cache ? &cache->next() : nullptr; }

// Registers `block` as child `index` of `list` and appends it to `blocks`.
template <class Impl>
void add(torch::nn::Module& list, std::vector<std::shared_ptr<BlockImpl>>& blocks,
         std::shared_ptr<Impl> block) {
  list.register_module(std::to_string(list.children().size()), block);
  blocks.push_back(std::move(block));
}

// middle: residual, attention, residual (all at `dim` channels).
void add_middle(torch::nn::Module& owner, std::vector<std::shared_ptr<BlockImpl>>& blocks,
                int64_t dim, double dropout, at::Device device) {
  auto middle = owner.register_module("middle", std::make_shared<torch::nn::Module>());
  add(*middle, blocks, std::make_shared<ResidualBlockImpl>(dim, dim, dropout, device));
  add(*middle, blocks, std::make_shared<AttentionBlockImpl>(dim, device));
  add(*middle, blocks, std::make_shared<ResidualBlockImpl>(dim, dim, dropout, device));
}

}  // namespace

Encoder3dImpl::Encoder3dImpl(const VaeOptions& o, int64_t out_channels, at::Device device) {
  // Channels per level: base * [1, mult...]; level i goes dims[i] -> dims[i + 1].
  std::vector<int64_t> dims{o.base_dim};
  for (int m : o.dim_mult) dims.push_back(int64_t(o.base_dim) * m);
  conv1_ = register_module("conv1", causal_conv3x3x3(3, dims[0], device));

  auto downsamples = register_module("downsamples", std::make_shared<torch::nn::Module>());
  const size_t levels = o.dim_mult.size();
  for (size_t i = 0; i < levels; ++i) {
    int64_t in = dims[i];
    const int64_t out = dims[i + 1];
    for (int r = 0; r < o.num_res_blocks; ++r) {
      add(*downsamples, blocks_, std::make_shared<ResidualBlockImpl>(in, out, o.dropout, device));
      in = out;
    }
    if (i + 1 < levels) {
      const auto mode = o.temporal_downsample[i] ? ResampleMode::kDownsample3d : ResampleMode::kDownsample2d;
      add(*downsamples, blocks_, std::make_shared<ResampleImpl>(out, mode, device));
    }
  }
  add_middle(*this, blocks_, dims.back(), o.dropout, device);

  auto head = register_module("head", std::make_shared<torch::nn::Module>());
  head_norm_ = head->register_module("0", RmsNorm(dims.back(), /*images=*/false, device));
  head_conv_ = head->register_module(
      "2", causal_conv3x3x3(dims.back(), out_channels, device));
}

at::Tensor Encoder3dImpl::forward(const at::Tensor& video, FeatureCache* cache) {
  at::Tensor x = conv1_->forward(video, next_slot(cache));
  for (const auto& block : blocks_) x = block->forward(x, cache);
  return head_conv_->forward(at::silu(head_norm_->forward(x)), next_slot(cache));
}

Decoder3dImpl::Decoder3dImpl(const VaeOptions& o, at::Device device) {
  // Channels per level, deepest first: base * [mult[-1], mult reversed...].
  std::vector<int64_t> dims{int64_t(o.base_dim) * o.dim_mult.back()};
  for (auto it = o.dim_mult.rbegin(); it != o.dim_mult.rend(); ++it) dims.push_back(int64_t(o.base_dim) * *it);
  conv1_ = register_module("conv1", causal_conv3x3x3(o.z_dim, dims[0], device));
  add_middle(*this, blocks_, dims[0], o.dropout, device);

  auto upsamples = register_module("upsamples", std::make_shared<torch::nn::Module>());
  const size_t levels = o.dim_mult.size();
  for (size_t i = 0; i < levels; ++i) {
    // Every upsampler halves the channels, so the levels after the first start at dims[i] / 2.
    int64_t in = i == 0 ? dims[i] : dims[i] / 2;
    const int64_t out = dims[i + 1];
    for (int r = 0; r < o.num_res_blocks + 1; ++r) {
      add(*upsamples, blocks_, std::make_shared<ResidualBlockImpl>(in, out, o.dropout, device));
      in = out;
    }
    if (i + 1 < levels) {
      // The decoder mirrors the encoder: its level i undoes encoder boundary levels - 2 - i.
      const bool in_time = o.temporal_downsample[levels - 2 - i] != 0;
      add(*upsamples, blocks_,
          std::make_shared<ResampleImpl>(out, in_time ? ResampleMode::kUpsample3d : ResampleMode::kUpsample2d, device));
    }
  }

  auto head = register_module("head", std::make_shared<torch::nn::Module>());
  head_norm_ = head->register_module("0", RmsNorm(dims.back(), /*images=*/false, device));
  head_conv_ = head->register_module("2", causal_conv3x3x3(dims.back(), 3, device));
}

at::Tensor Decoder3dImpl::forward(const at::Tensor& latent, FeatureCache* cache) {
  at::Tensor x = conv1_->forward(latent, next_slot(cache));
  for (const auto& block : blocks_) x = block->forward(x, cache);
  return head_conv_->forward(at::silu(head_norm_->forward(x)), next_slot(cache));
}

}  // namespace nc::model::vae
