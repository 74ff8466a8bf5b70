// Frames between the forms the metrics use: packed RGB8 images (what readers give), uint8
// tensors [T, H, W, 3] (what shards give), and float tensors [T, 3, H, W] in [0, 1] (what the
// metrics compute on).
#pragma once

#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/core/image.h"

namespace nc::eval {

// uint8 [T, H, W, 3] from images of one size (nc::Error otherwise).
at::Tensor stack_frames(const std::vector<Image>& frames);

// Frame t of uint8 [T, H, W, 3] as an image (a copy).
Image frame_image(const at::Tensor& frames, int64_t t);

// uint8 [T, H, W, 3] -> float [T, 3, H, W] in [0, 1] (value / 255).
at::Tensor to_unit(const at::Tensor& frames);

}  // namespace nc::eval
