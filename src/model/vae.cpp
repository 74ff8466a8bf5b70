#include "nc/model/vae.h"

#include <string>
#include <type_traits>
#include <vector>

#include <ATen/ops/cat.h>
#include <ATen/ops/tensor.h>
#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/model/vae/coders.h"
#include "nc/model/vae/layers.h"

namespace nc::model {
namespace {

// Applies the per-field checks of VaeOptions::visit to a struct built in code (the config
// reader applies them to files), then its cross-field check.
struct FieldChecker {
  template <class T>
  void operator()(const char* key, T& value, const char*, const config::Check& check = {}) {
    if constexpr (config::is_vector<T>::value) {
      for (auto& item : value) (*this)(key, item, "", check);
    } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      const std::string bad = check.violation(double(value));
      if (!bad.empty()) throw Error(bad, std::string("vae.") + key);
    }
  }
};

void validate(VaeOptions options) {
  FieldChecker fields;
  options.visit(fields);
  config::Checker checker(nullptr, "vae.");
  options.check(checker);
}

std::string shape_of(const at::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// frame_wise: frames folded into the batch, [B, C, T, H, W] -> [B*T, C, 1, H, W], and back.
at::Tensor fold_frames(const at::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0) * x.size(2), x.size(1), 1, x.size(3), x.size(4)});
}
at::Tensor unfold_frames(const at::Tensor& y, int64_t batch) {
  return y.view({batch, y.size(0) / batch, y.size(1), y.size(3), y.size(4)}).transpose(1, 2);
}

// "1, 5, 9, ..." for stride 4.
std::string valid_counts(int64_t stride) {
  return fmt::format("use 1, {}, {}, ... frames", 1 + stride, 1 + 2 * stride);
}

}  // namespace

VaeImpl::VaeImpl(VaeOptions options, at::Device device) : options_(std::move(options)) {
  validate(options_);
  const int64_t z = options_.z_dim;
  // Registration order is Wan's state-dict order: encoder, conv1, conv2, decoder.
  encoder_ = register_module("encoder", std::make_shared<vae::Encoder3dImpl>(options_, 2 * z, device));
  conv1_ = register_module("conv1", vae::conv1x1x1(2 * z, 2 * z, device));
  conv2_ = register_module("conv2", vae::conv1x1x1(z, z, device));
  decoder_ = register_module("decoder", std::make_shared<vae::Decoder3dImpl>(options_, device));
  latent_mean_ = at::tensor(options_.latent_mean, at::kDouble);
  latent_std_ = at::tensor(options_.latent_std, at::kDouble);
}

// ---- input checks ------------------------------------------------------------------------------

void VaeImpl::check_video(const at::Tensor& video, const char* what, bool first_chunk) const {
  check(video.defined(), "no video given", what);
  const std::string where = std::string(what) + ": video " + shape_of(video);
  check(video.dim() == 5, "expected a 5-D video [B, 3, T, H, W], got " + std::to_string(video.dim()) + " dimensions",
        where, "add the batch dimension with unsqueeze(0)");
  check(video.size(1) == 3, "expected 3 colour channels, got " + std::to_string(video.size(1)), where,
        "frames are RGB in [-1, 1], laid out [B, 3, T, H, W]");
  check(video.is_floating_point(), "expected a floating-point video", where,
        "convert uint8 frames with x / 127.5 - 1");
  const int64_t ts = options_.temporal_stride(), ss = options_.spatial_stride();
  const int64_t t = video.size(2);
  if (first_chunk) {
    check(t >= 1 && (t - 1) % ts == 0,
          fmt::format("frame count {} is not 1 + {}k", t, ts), where, valid_counts(ts));
  } else {
    check(t >= 1 && t % ts == 0,
          fmt::format("frame count {} is not a multiple of {} (after the first chunk, frames come {} at a time)",
                      t, ts, ts),
          where, fmt::format("push {}, {}, ... frames", ts, 2 * ts));
  }
  check(video.size(3) > 0 && video.size(4) > 0 && video.size(3) % ss == 0 && video.size(4) % ss == 0,
        fmt::format("height {} and width {} must be positive multiples of {}", video.size(3), video.size(4), ss),
        where, "pad or resize the frames (video/resize.h letterbox)");
}

void VaeImpl::check_latent(const at::Tensor& latent, const char* what) const {
  check(latent.defined(), "no latent given", what);
  const std::string where = std::string(what) + ": latent " + shape_of(latent);
  check(latent.dim() == 5, "expected a 5-D latent [B, z, T, h, w], got " + std::to_string(latent.dim()) + " dimensions",
        where, "add the batch dimension with unsqueeze(0)");
  check(latent.size(1) == options_.z_dim,
        fmt::format("expected {} latent channels (z_dim), got {}", options_.z_dim, latent.size(1)), where,
        "latents are laid out [B, z, T, h, w]");
  check(latent.is_floating_point(), "expected a floating-point latent", where);
  check(latent.size(2) >= 1 && latent.size(3) >= 1 && latent.size(4) >= 1, "the latent is empty", where);
}

// ---- normalisation -----------------------------------------------------------------------------

at::Tensor VaeImpl::normalize(const at::Tensor& mu) const {
  std::vector<int64_t> shape(mu.dim(), 1);
  shape.at(1) = options_.z_dim;
  return (mu - latent_mean_.to(mu.options()).view(shape)) / latent_std_.to(mu.options()).view(shape);
}

at::Tensor VaeImpl::denormalize(const at::Tensor& latent) const {
  std::vector<int64_t> shape(latent.dim(), 1);
  shape.at(1) = options_.z_dim;
  return latent * latent_std_.to(latent.options()).view(shape) + latent_mean_.to(latent.options()).view(shape);
}

// ---- chunked steps -----------------------------------------------------------------------------

VaeDistribution VaeImpl::encode_chunk(const at::Tensor& frames, vae::FeatureCache& cache, const char* what) {
  const bool first = cache.size() == 0;
  check_video(frames, what, first);
  if (options_.frame_wise) {  // no state between frames: the cache stays empty
    const std::vector<at::Tensor> parts = conv1_->forward(encoder_->forward(fold_frames(frames))).chunk(2, 1);
    return {unfold_frames(parts[0], frames.size(0)), unfold_frames(parts[1], frames.size(0))};
  }
  const int64_t ts = options_.temporal_stride();
  // Wan's chunks: the first frame alone, then `ts` frames at a time.
  std::vector<at::Tensor> features;
  int64_t t = 0;
  while (t < frames.size(2)) {
    const int64_t len = (first && t == 0) ? 1 : ts;
    cache.rewind();
    features.push_back(encoder_->forward(frames.narrow(2, t, len), &cache));
    t += len;
  }
  const at::Tensor h = features.size() == 1 ? features[0] : at::cat(features, 2);
  const std::vector<at::Tensor> parts = conv1_->forward(h).chunk(2, 1);
  return {parts[0], parts[1]};
}

at::Tensor VaeImpl::decode_chunk(const at::Tensor& latent, vae::FeatureCache& cache, const char* what) {
  check_latent(latent, what);
  const at::Tensor x = conv2_->forward(denormalize(latent));
  if (options_.frame_wise) return unfold_frames(decoder_->forward(fold_frames(x)), latent.size(0));
  std::vector<at::Tensor> frames;
  for (int64_t t = 0; t < x.size(2); ++t) {
    cache.rewind();
    frames.push_back(decoder_->forward(x.narrow(2, t, 1), &cache));
  }
  return frames.size() == 1 ? frames[0] : at::cat(frames, 2);
}

// ---- whole videos ------------------------------------------------------------------------------

VaeDistribution VaeImpl::encode_distribution(const at::Tensor& video, VaePass pass) {
  if (pass == VaePass::kChunked || options_.frame_wise) {
    vae::FeatureCache cache;
    return encode_chunk(video, cache, "vae.encode");
  }
  check_video(video, "vae.encode", /*first_chunk=*/true);
  const std::vector<at::Tensor> parts = conv1_->forward(encoder_->forward(video)).chunk(2, 1);
  return {parts[0], parts[1]};
}

at::Tensor VaeImpl::encode(const at::Tensor& video, VaePass pass) {
  return normalize(encode_distribution(video, pass).mean);
}

at::Tensor VaeImpl::decode_unclamped(const at::Tensor& latent, VaePass pass) {
  if (pass == VaePass::kChunked || options_.frame_wise) {
    vae::FeatureCache cache;
    return decode_chunk(latent, cache, "vae.decode");
  }
  check_latent(latent, "vae.decode");
  return decoder_->forward(conv2_->forward(denormalize(latent)));
}

at::Tensor VaeImpl::decode(const at::Tensor& latent, VaePass pass) {
  return decode_unclamped(latent, pass).clamp(-1, 1);
}

// ---- streams -----------------------------------------------------------------------------------

namespace {

// The batch size and frame size of every push must match the first one's (`shape`, empty
// before the first push).
void check_same_shape(const std::vector<int64_t>& shape, const at::Tensor& x, const char* what, const char* name) {
  if (shape.empty() || !x.defined() || x.dim() != 5) return;  // the VAE's own checks report the rest
  const std::vector<int64_t> now{x.size(0), x.size(3), x.size(4)};
  check(now == shape,
        fmt::format("batch and frame size [{}, {}, {}] differ from the first push's [{}, {}, {}]", now[0], now[1],
                    now[2], shape[0], shape[1], shape[2]),
        std::string(what) + ": " + name + " " + shape_of(x), "call reset() to start a new video");
}

}  // namespace

at::Tensor VaeEncodeStream::push(const at::Tensor& frames) {
  check_same_shape(shape_, frames, "vae encode stream", "video");
  const at::Tensor latent = vae_->normalize(vae_->encode_chunk(frames, cache_, "vae encode stream").mean);
  frames_in_ += frames.size(2);
  shape_ = {frames.size(0), frames.size(3), frames.size(4)};
  return latent;
}

void VaeEncodeStream::reset() {
  cache_.clear();
  frames_in_ = 0;
  shape_.clear();
}

at::Tensor VaeDecodeStream::push(const at::Tensor& latent) {
  check_same_shape(shape_, latent, "vae decode stream", "latent");
  const at::Tensor video = vae_->decode_chunk(latent, cache_, "vae decode stream").clamp(-1, 1);
  latent_in_ += latent.size(2);
  shape_ = {latent.size(0), latent.size(3), latent.size(4)};
  return video;
}

void VaeDecodeStream::reset() {
  cache_.clear();
  latent_in_ = 0;
  shape_.clear();
}

}  // namespace nc::model
