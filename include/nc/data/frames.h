// Video tensors and images: [3, T, H, W] float in [-1, 1] <-> RGB8 frames, and side-by-side
// views for samples and reports.
#pragma once

#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/core/image.h"

namespace nc::data {

// [3, T, H, W] float in [-1, 1] (any device) -> T frames.
std::vector<Image> to_images(const at::Tensor& video);
// T frames -> [3, T, H, W] float in [-1, 1].
at::Tensor from_images(const std::vector<Image>& frames);
// Frames of equal count and height, left to right, with a `gap`-pixel black bar between.
std::vector<Image> side_by_side(const std::vector<std::vector<Image>>& columns, int gap = 4);

}  // namespace nc::data
