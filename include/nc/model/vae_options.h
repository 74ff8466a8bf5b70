// The video VAE's shape: Wan2.1's causal 3-D VAE (PAPER.md §2.1). The `vae` config section;
// no LibTorch dependency, so every build can read and list it.
#pragma once

#include <string>
#include <vector>

#include "nc/core/config.h"

namespace nc::model {

struct VaeOptions {
  // Defaults are Wan2.1's VAE (wan/modules/vae.py `_video_vae`): stride 4x8x8, 16 channels.
  int base_dim = 96;                      // channels of the first level
  std::vector<int> dim_mult = {1, 2, 4, 4};  // channel multiplier per level
  int num_res_blocks = 2;                 // residual blocks per encoder level (decoder: one more)
  int z_dim = 16;                         // latent channels
  // One flag (0/1) per level boundary: 1 halves time there too. Decoder uses the reverse.
  std::vector<int> temporal_downsample = {0, 1, 1};
  // Every frame encoded and decoded on its own, as by an image VAE (frames folded into the
  // batch): no temporal mixing, so weights trained on single frames serve whole clips, and
  // each frame takes the fast 2-D path. Needs temporal_downsample all 0.
  bool frame_wise = false;
  double dropout = 0;  // inside every residual block (training only)
  std::string weights;  // safetensors (or a checkpoint folder) to start from; empty: random init
  // PAPER.md §2.1: the latent is normalised per channel, (mu - mean) / std.
  std::vector<double> latent_mean = {-0.7571, -0.7089, -0.9113, 0.1075,  -0.1745, 0.9653,
                                     -0.1517, 1.5508,  0.4134,  -0.0715, 0.5517,  -0.3632,
                                     -0.1922, -0.9497, 0.2503,  -0.2921};
  std::vector<double> latent_std = {2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708,
                                    2.6052, 2.0743, 3.2687, 2.1526, 2.8652, 1.5579,
                                    1.6382, 1.1253, 2.8251, 1.9160};

  // Wan2.1's VAE (the defaults), named for readability at call sites.
  static VaeOptions wan21() { return {}; }

  // A few-thousand-parameter VAE for CPU tests and demos: same structure and strides as
  // Wan's (4x8x8), base 8 channels (32 at the bottom), 4 latent channels with mean 0 / std 1.
  static VaeOptions tiny() {
    VaeOptions o;
    o.base_dim = 8;
    o.z_dim = 4;
    o.latent_mean.assign(4, 0.0);
    o.latent_std.assign(4, 1.0);
    return o;
  }

  // Spatial downsampling factor: 2 per level boundary (8 for Wan).
  int spatial_stride() const { return 1 << (dim_mult.empty() ? 0 : int(dim_mult.size()) - 1); }
  // Temporal downsampling factor: 2 per flagged boundary (4 for Wan).
  int temporal_stride() const {
    int s = 1;
    for (int f : temporal_downsample) s *= f ? 2 : 1;
    return s;
  }

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("base_dim", base_dim, "channels of the first level (Wan2.1: 96)", positive());
    v("dim_mult", dim_mult, "channel multiplier per level; each boundary halves H and W",
      positive());
    v("num_res_blocks", num_res_blocks, "residual blocks per encoder level (the decoder has one more)",
      positive());
    v("z_dim", z_dim, "latent channels (Wan2.1: 16)", positive());
    v("temporal_downsample", temporal_downsample,
      "per level boundary, 1 if it also halves time (Wan2.1: [0, 1, 1], stride 4)", between(0, 1));
    v("frame_wise", frame_wise,
      "encode and decode each frame on its own, like an image VAE (needs temporal_downsample all 0)");
    v("dropout", dropout, "dropout inside the residual blocks (training)", between(0, 1));
    v("latent_mean", latent_mean, "per-channel latent mean, subtracted after encoding (z_dim values)");
    v("latent_std", latent_std, "per-channel latent std, divided after encoding (z_dim values)",
      positive());
    v("weights", weights, "safetensors file or checkpoint folder to start from; empty: random init");
  }
  void check(config::Checker& c) const {
    c.require(!dim_mult.empty(), "dim_mult", "dim_mult needs at least one level");
    c.require(temporal_downsample.size() + 1 == dim_mult.size(), "temporal_downsample",
              "temporal_downsample needs one flag per level boundary: " +
                  std::to_string(dim_mult.empty() ? 0 : dim_mult.size() - 1) + " for " +
                  std::to_string(dim_mult.size()) + " levels, got " +
                  std::to_string(temporal_downsample.size()));
    c.require(!frame_wise || temporal_stride() == 1, "frame_wise",
              "frame_wise needs temporal_downsample all 0 (one latent frame per video frame)");
    c.require(int(latent_mean.size()) == z_dim, "latent_mean",
              "latent_mean needs z_dim = " + std::to_string(z_dim) + " values, got " +
                  std::to_string(latent_mean.size()));
    c.require(int(latent_std.size()) == z_dim, "latent_std",
              "latent_std needs z_dim = " + std::to_string(z_dim) + " values, got " +
                  std::to_string(latent_std.size()));
  }
};

}  // namespace nc::model
