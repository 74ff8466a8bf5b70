// Frame selection and resizing for paired metrics: the App. B.3 decode (fps 3, short side 256,
// at most 5 s), fitting a prediction to its reference's size, and frames from a video of one
// rate at another rate.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/core/image.h"

namespace nc::eval {

// The frames a video of `total` frames at `src_fps` shows at times k / dst_fps, k = 0, 1, ...
// while k / dst_fps < max_seconds (max_seconds <= 0: no limit) and the frame exists. Frame i
// is shown during [i / src_fps, (i + 1) / src_fps): index floor(k * src_fps / dst_fps).
std::vector<int64_t> resample_indices(int64_t total, double src_fps, double dst_fps, double max_seconds = 0);

// The size whose short side is `short_side`, the long side scaled to keep the aspect
// (rounded, at least 1): 1024x768 -> 341x256.
std::pair<int, int> short_side_size(int width, int height, int short_side);

// A prediction fitted to the reference size: unchanged when equal; cropped when it is the
// reference size padded to even (what H.264 yuv420p writers do to odd sizes); otherwise
// resized with area averaging (video::resize_area). Needs NC_WITH_VIDEO.
Image fit_to(const Image& frame, int width, int height);

// uint8 [T, H, W, 3] -> uint8 [T, height, width, 3], every frame through video::resize_area.
at::Tensor resize_frames(const at::Tensor& frames, int width, int height);

}  // namespace nc::eval
