#include "nc/model/vae/blocks.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <ATen/ops/cat.h>
#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/dropout.h>
#include <ATen/ops/silu.h>

#include "nc/core/error.h"

namespace nc::model::vae {
namespace {

// [B, C, T, H, W] -> [B*T, C, H, W] and back: the 2-D layers run on every frame.
at::Tensor to_frames(const at::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0) * x.size(2), x.size(1), x.size(3), x.size(4)});
}
at::Tensor from_frames(const at::Tensor& f, int64_t batch) {
  const int64_t t = f.size(0) / batch;
  return f.reshape({batch, t, f.size(1), f.size(2), f.size(3)}).transpose(1, 2).contiguous();
}

// Nearest-neighbour 2x upsampling of [N, C, H, W] (equal to 'nearest-exact' at factor 2),
// as a copy: works for every dtype and device.
at::Tensor upsample_nearest_2x(const at::Tensor& f) {
  const int64_t n = f.size(0), c = f.size(1), h = f.size(2), w = f.size(3);
  return f.reshape({n, c, h, 1, w, 1}).expand({n, c, h, 2, w, 2}).reshape({n, c, 2 * h, 2 * w});
}

CacheSlot* next_slot(FeatureCache* cache) { return cache ? &cache->next() : nullptr; }

// A plain container: children registered under the index names of Wan's nn.Sequential.
std::shared_ptr<torch::nn::Module> indexed(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

}  // namespace

// ---- ResidualBlock -----------------------------------------------------------------------------

ResidualBlockImpl::ResidualBlockImpl(int64_t in, int64_t out, double dropout, at::Device device)
    : dropout_(dropout) {
  auto residual = indexed(*this, "residual");
  // Wan's nn.Sequential: 0 norm, 1 SiLU, 2 conv, 3 norm, 4 SiLU, 5 dropout, 6 conv.
  norm1_ = residual->register_module("0", RmsNorm(in, /*images=*/false, device));
  conv1_ = residual->register_module(
      "2", causal_conv3x3x3(in, out, device));
  norm2_ = residual->register_module("3", RmsNorm(out, /*images=*/false, device));
  conv2_ = residual->register_module(
      "6", causal_conv3x3x3(out, out, device));
  if (in != out) shortcut_ = register_module("shortcut", conv1x1x1(in, out, device));
}

at::Tensor ResidualBlockImpl::forward(const at::Tensor& x, FeatureCache* cache) {
  at::Tensor h = shortcut_ ? shortcut_->forward(x) : x;
  at::Tensor y = conv1_->forward(at::silu(norm1_->forward(x)), next_slot(cache));
  y = at::silu(norm2_->forward(y));
  if (dropout_ > 0) y = at::dropout(y, dropout_, is_training());
  y = conv2_->forward(y, next_slot(cache));
  return y + h;
}

// ---- AttentionBlock ----------------------------------------------------------------------------

AttentionBlockImpl::AttentionBlockImpl(int64_t channels, at::Device device) {
  norm_ = register_module("norm", RmsNorm(channels, /*images=*/true, device));
  to_qkv_ = register_module("to_qkv", Conv2d(channels, 3 * channels, 1, 1, 0, device));
  proj_ = register_module("proj", Conv2d(channels, channels, 1, 1, 0, device));
  // Wan zeroes the output projection: the block starts as the identity.
  if (!proj_->weight.is_meta()) {
    at::NoGradGuard no_grad;
    proj_->weight.zero_();
  }
}

at::Tensor AttentionBlockImpl::forward(const at::Tensor& x, FeatureCache* /*cache*/) {
  const int64_t b = x.size(0), c = x.size(1), h = x.size(3), w = x.size(4);
  at::Tensor f = to_frames(x);  // [N, C, H, W], N = B*T
  const int64_t n = f.size(0), l = h * w;
  // [N, 3C, H, W] -> [N, L, 3C] -> q, k, v: [N, L, C] (channels 0..C-1 are q, then k, then v)
  at::Tensor qkv = to_qkv_->forward(norm_->forward(f)).reshape({n, 3 * c, l}).transpose(1, 2);
  std::vector<at::Tensor> parts = qkv.chunk(3, -1);
  const at::Tensor q = parts[0] * (1.0 / std::sqrt(double(c)));
  const at::Tensor kt = parts[1].transpose(1, 2);  // [N, C, L]
  const at::Tensor& v = parts[2];
  // softmax(q k^T / sqrt(C)) v, in blocks of query rows so that one score block stays under
  // 2^26 elements (a 480p frame has L = 6240 at this level).
  const int64_t rows = std::max<int64_t>(1, (int64_t(1) << 26) / std::max<int64_t>(1, n * l));
  std::vector<at::Tensor> out;
  for (int64_t r = 0; r < l; r += rows) {
    const int64_t len = std::min(rows, l - r);
    out.push_back(q.narrow(1, r, len).matmul(kt).softmax(-1).matmul(v));
  }
  at::Tensor o = out.size() == 1 ? out[0] : at::cat(out, 1);  // [N, L, C]
  o = proj_->forward(o.transpose(1, 2).reshape({n, c, h, w}));
  return from_frames(o, b) + x;
}

// ---- Resample ----------------------------------------------------------------------------------

ResampleImpl::ResampleImpl(int64_t channels, ResampleMode mode, at::Device device) : mode_(mode) {
  // Wan's `resample` nn.Sequential: 0 is the (parameterless) upsample or zero pad, 1 the conv.
  auto resample = indexed(*this, "resample");
  const bool up = mode == ResampleMode::kUpsample2d || mode == ResampleMode::kUpsample3d;
  conv_ = resample->register_module(
      "1", up ? Conv2d(channels, channels / 2, 3, 1, 1, device) : Conv2d(channels, channels, 3, 2, 0, device));
  if (mode == ResampleMode::kUpsample3d)
    time_conv_ = register_module(
        "time_conv", CausalConv3d(channels, 2 * channels, Size3{3, 1, 1}, Size3{1, 1, 1}, Size3{1, 0, 0}, device));
  if (mode == ResampleMode::kDownsample3d)
    time_conv_ = register_module(
        "time_conv", CausalConv3d(channels, channels, Size3{3, 1, 1}, Size3{2, 1, 1}, Size3{0, 0, 0}, device));
}

at::Tensor ResampleImpl::forward(const at::Tensor& x_in, FeatureCache* cache) {
  at::Tensor x = x_in;
  if (mode_ == ResampleMode::kUpsample3d) x = upsample_time(x, next_slot(cache));
  at::Tensor f = to_frames(x);
  if (mode_ == ResampleMode::kUpsample2d || mode_ == ResampleMode::kUpsample3d) {
    f = conv_->forward(upsample_nearest_2x(f));
  } else {
    // Wan pads right and bottom only, then a stride-2 3x3 conv.
    f = conv_->forward(at::constant_pad_nd(f, {0, 1, 0, 1}));
  }
  x = from_frames(f, x.size(0));
  if (mode_ == ResampleMode::kDownsample3d) x = downsample_time(x, next_slot(cache));
  return x;
}

at::Tensor ResampleImpl::upsample_time(const at::Tensor& x, CacheSlot* slot) {
  // The sequence's first frame passes unchanged; every later frame becomes two.
  const bool has_first = !slot || !slot->seen_first;
  if (slot) slot->seen_first = true;
  const at::Tensor rest = has_first ? x.narrow(2, 1, x.size(2) - 1) : x;
  std::vector<at::Tensor> parts;
  if (has_first) parts.push_back(x.narrow(2, 0, 1));
  if (rest.size(2) > 0) {
    // [B, 2C, t, H, W] -> [B, 2, C, t, H, W] -> [B, C, t, 2, H, W] -> [B, C, 2t, H, W]
    const at::Tensor y = time_conv_->forward(rest, slot);
    const int64_t b = y.size(0), c = y.size(1) / 2, t = y.size(2), h = y.size(3), w = y.size(4);
    parts.push_back(y.reshape({b, 2, c, t, h, w}).permute({0, 2, 3, 1, 4, 5}).reshape({b, c, 2 * t, h, w}));
  }
  return parts.size() == 1 ? parts[0] : at::cat(parts, 2);
}

at::Tensor ResampleImpl::downsample_time(const at::Tensor& x, CacheSlot* slot) {
  const int64_t t = x.size(2);
  at::Tensor out;
  if (!slot || !slot->seen_first) {
    // The first frame passes; then one output per two frames, each over (2j-2, 2j-1, 2j).
    check(t % 2 == 1, "internal: the first chunk of a time downsampler needs an odd frame count");
    out = t >= 3 ? at::cat({x.narrow(2, 0, 1), time_conv_->forward(x)}, 2) : x.narrow(2, 0, 1);
  } else {
    check(t % 2 == 0, "internal: later chunks of a time downsampler need an even frame count");
    out = time_conv_->forward(at::cat({slot->frames, x}, 2));
  }
  if (slot) {
    slot->seen_first = true;
    slot->frames = x.narrow(2, t - 1, 1).clone();
  }
  return out;
}

}  // namespace nc::model::vae
