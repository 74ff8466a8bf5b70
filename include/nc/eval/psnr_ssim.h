// PSNR and SSIM per frame (PAPER.md §3: Exp 1, 3 and the GUI's SSIM_all / SSIM+15).
//
// Both take float frames [T, 3, H, W] with values in [0, data_range] and return one value per
// frame, [T] float64. SSIM is torchmetrics' structural_similarity_index_measure with its
// defaults: a Gaussian window of 11 taps, sigma 1.5, K1 0.01, K2 0.03, statistics from the
// window centred on every pixel whose window lies inside the frame (torchmetrics pads by
// reflection and then crops the padded border away: the same set), SSIM averaged over those
// pixels and the channels. Computed in float64 with the separable window (torchmetrics runs
// in the input's dtype; float32 moves SSIM by up to ~1e-4 on flat frames).
#pragma once

#include <ATen/core/Tensor.h>

namespace nc::eval {

// 10 log10(data_range^2 / MSE) per frame, MSE over channels and pixels (float64). Identical
// frames (MSE 0) give `cap_db`, as does anything above it.
at::Tensor psnr(const at::Tensor& pred, const at::Tensor& ref, double data_range = 1.0, double cap_db = 100);

struct SsimOptions {
  int kernel_size = 11;
  double sigma = 1.5;
  double k1 = 0.01, k2 = 0.03;
  double data_range = 1.0;
};

// The normalised 1-D Gaussian window [kernel_size], float64: exp(-d^2 / (2 sigma^2)) for
// d = -(size-1)/2 .. (size-1)/2, divided by its sum.
at::Tensor gaussian_window(int kernel_size, double sigma);

// Mean SSIM per frame, [T] float64. Frames smaller than the window are an nc::Error.
at::Tensor ssim(const at::Tensor& pred, const at::Tensor& ref, const SsimOptions& options = {});

// The same two metrics on uint8 frames [T, H, W, 3] read as value / 255 (data range 1), with
// no float copy of the frames: what nc eval uses. PSNR's squared error is summed exactly in
// integers.
at::Tensor psnr_u8(const at::Tensor& pred, const at::Tensor& ref, double cap_db = 100);
at::Tensor ssim_u8(const at::Tensor& pred, const at::Tensor& ref, const SsimOptions& options = {});

}  // namespace nc::eval
