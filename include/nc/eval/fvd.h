// FVD (PAPER.md §3.2 App. B.3: FVD_all, FVD+15): r3d18 features ("prelogits") of 16-frame,
// 112x112 clips, then the Fréchet distance between the real and generated feature Gaussians
// (frechet.h). The network is a TorchScript module the user supplies (`eval.fvd_weights`):
// forward(x) with x [N, 3, 16, 112, 112] normalised as torchvision's r3d_18 expects (Kinetics
// mean/std below) returning features [N, D]; e.g. r3d_18(weights="KINETICS400_V1") with
// fc = Identity. Without weights FVD is reported as unavailable, never estimated.
#pragma once

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/eval/scripted_network.h"

namespace nc::eval {

inline constexpr double kKineticsMean[3] = {0.43216, 0.394666, 0.37645};
inline constexpr double kKineticsStd[3] = {0.22803, 0.22145, 0.216989};

// Uniform subsample / pad to `count` frames: round(i (T-1) / (count-1)) when T >= count, else
// 0 .. T-1 followed by T-1 repeated.
std::vector<int64_t> fvd_frame_indices(int64_t total, int count);

// frames [T, 3, H, W] in [0, 1] -> [3, count, size, size]: subsampled / padded, resized
// (adaptive average pooling where it shrinks, bilinear where it grows; aspect not kept),
// normalised with the Kinetics mean and std.
at::Tensor fvd_clip(const at::Tensor& frames, int count = 16, int size = 112);

class FvdFeatures {
 public:
  FvdFeatures(const std::string& path, c10::Device device) : net_(path, device) {}
  // clips [N, 3, F, S, S] (fvd_clip) -> [N, D] float64 on the CPU.
  at::Tensor features(const at::Tensor& clips);

 private:
  ScriptedNetwork net_;
};

// FVD between real and generated features [N, D] (N >= 2 each): frechet_distance of their
// Gaussians.
double fvd_from_features(const at::Tensor& real, const at::Tensor& generated);

}  // namespace nc::eval
