// The video VAE: Wan2.1's causal 3-D VAE (PAPER.md §2.1; wan/modules/vae.py), with its
// parameter names, so Wan's weights load by name (docs/MODELS.md "VAE").
//
//   video  [B, 3, 1 + 4k, H, W] in [-1, 1], H and W multiples of 8
//   latent [B, z, 1 + k, H/8, W/8], normalised per channel: (mu - mean) / std
//
// Causal in time: latent frame j depends only on video frames <= 4j. Encoding runs like Wan's,
// the first frame alone and then chunks of 4 frames, carrying a per-layer cache of the last
// frames from chunk to chunk; decoding runs one latent frame at a time. VaeEncodeStream and
// VaeDecodeStream expose the same chunking to callers that receive frames as they come
// (bounded memory). The strides above are Wan's; other VaeOptions scale them
// (temporal_stride(), spatial_stride()).
#pragma once

#include <cstdint>
#include <memory>

#include <c10/core/Device.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "nc/model/vae/feature_cache.h"
#include "nc/model/vae_options.h"

namespace nc::model {

namespace vae {
class Encoder3dImpl;
class Decoder3dImpl;
class CausalConv3dImpl;
}  // namespace vae

// How a pass walks through time. Both give the same frames (to float rounding).
enum class VaePass {
  kChunked,  // Wan's way: encode 1 + 4 + 4 ... frames, decode 1 latent frame at a time
  kWhole,    // the whole sequence in one go: faster for training, memory grows with T
};

// The encoder's Gaussian, unnormalised (Wan's raw `mu, log_var`): [B, z, 1 + k, H/8, W/8] each.
struct VaeDistribution {
  at::Tensor mean, log_var;
};

class VaeImpl : public torch::nn::Module {
 public:
  // Parameters are created on `device` with PyTorch's default init (Wan's attention output
  // projections start at zero). On the meta device they have shapes only.
  explicit VaeImpl(VaeOptions options = {}, at::Device device = at::kCPU);

  // video [B, 3, 1 + 4k, H, W] -> normalised latent mean [B, z, 1 + k, H/8, W/8].
  at::Tensor encode(const at::Tensor& video, VaePass pass = VaePass::kChunked);
  // video -> the unnormalised mean and log-variance (for training: sample, KL).
  VaeDistribution encode_distribution(const at::Tensor& video, VaePass pass = VaePass::kChunked);
  // normalised latent [B, z, 1 + k, h, w] -> video [B, 3, 1 + 4k, 8h, 8w], clamped to [-1, 1].
  at::Tensor decode(const at::Tensor& latent, VaePass pass = VaePass::kChunked);
  // The same without the clamp (for reconstruction losses).
  at::Tensor decode_unclamped(const at::Tensor& latent, VaePass pass = VaePass::kChunked);

  // Raw <-> normalised latent, per channel: (mu - mean) / std and back. [B, z, ...]
  at::Tensor normalize(const at::Tensor& mu) const;
  at::Tensor denormalize(const at::Tensor& latent) const;

  // One step of a chunked pass, continuing the sequence that `cache` holds (empty: a new one).
  //  encode_chunk: frames [B, 3, n, H, W], n = 1 + 4k for the first step, 4k after (k >= 0)
  //                -> the distribution of the k (+1 on the first step) latent frames completed
  //  decode_chunk: normalised latent [B, z, n, h, w], n >= 1 -> video frames, unclamped:
  //                1 + 4(n - 1) on the first step, 4n after
  // Inputs are checked as in encode/decode; `what` names the caller in messages.
  VaeDistribution encode_chunk(const at::Tensor& frames, vae::FeatureCache& cache,
                               const char* what = "vae.encode_chunk");
  at::Tensor decode_chunk(const at::Tensor& latent, vae::FeatureCache& cache,
                          const char* what = "vae.decode_chunk");

  const VaeOptions& options() const { return options_; }

 private:
  void check_video(const at::Tensor& video, const char* what, bool first_chunk) const;
  void check_latent(const at::Tensor& latent, const char* what) const;

  VaeOptions options_;
  at::Tensor latent_mean_, latent_std_;  // [z], float64, CPU; not parameters (not in Wan's file)
  std::shared_ptr<vae::Encoder3dImpl> encoder_;
  std::shared_ptr<vae::Decoder3dImpl> decoder_;
  std::shared_ptr<vae::CausalConv3dImpl> conv1_, conv2_;
};
TORCH_MODULE(Vae);

// Encodes a video as its frames arrive: push 1 + 4k frames first, then 4k at a time; each push
// returns the normalised latent frames it completes. Memory stays bounded by the chunk size.
class VaeEncodeStream {
 public:
  explicit VaeEncodeStream(Vae vae) : vae_(std::move(vae)) {}
  // frames [B, 3, n, H, W] -> latent [B, z, n' , H/8, W/8] (n' = (n - 1)/4 + 1 first, n/4 after)
  at::Tensor push(const at::Tensor& frames);
  int64_t frames_in() const { return frames_in_; }
  // Starts a new video.
  void reset();

 private:
  Vae vae_;
  vae::FeatureCache cache_;
  int64_t frames_in_ = 0;
  std::vector<int64_t> shape_;  // B, H, W of the first push
};

// Decodes latent frames as they arrive (a rollout): each push of n latent frames returns their
// video frames, clamped to [-1, 1]: 1 + 4(n - 1) on the first push, 4n after. The result equals
// decoding the whole latent at once.
class VaeDecodeStream {
 public:
  explicit VaeDecodeStream(Vae vae) : vae_(std::move(vae)) {}
  // latent [B, z, n, h, w] (normalised) -> video [B, 3, frames, 8h, 8w]
  at::Tensor push(const at::Tensor& latent);
  int64_t latent_frames_in() const { return latent_in_; }
  // Bytes the cache holds between pushes.
  int64_t cache_bytes() const { return cache_.bytes(); }
  void reset();

 private:
  Vae vae_;
  vae::FeatureCache cache_;
  int64_t latent_in_ = 0;
  std::vector<int64_t> shape_;  // B, h, w of the first push
};

}  // namespace nc::model
