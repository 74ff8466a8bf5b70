#include "nc/eval/frame_sampling.h"

#include <cmath>
#include <cstring>

#include <ATen/ops/empty.h>

#include "nc/core/error.h"
#include "nc/eval/frames.h"
#include "nc/video/resize.h"

namespace nc::eval {

std::vector<int64_t> resample_indices(int64_t total, double src_fps, double dst_fps, double max_seconds) {
  check(src_fps > 0 && dst_fps > 0, "frame rates must be positive", "eval::resample_indices");
  std::vector<int64_t> out;
  for (int64_t k = 0;; ++k) {
    const double t = k / dst_fps;
    if (max_seconds > 0 && t >= max_seconds - 1e-9) break;
    // The small epsilon keeps exact multiples (k * 15 / 3) from rounding down.
    const int64_t i = static_cast<int64_t>(std::floor(t * src_fps + 1e-9));
    if (i >= total) break;
    out.push_back(i);
  }
  return out;
}

std::pair<int, int> short_side_size(int width, int height, int short_side) {
  check(width > 0 && height > 0 && short_side > 0, "sizes must be positive", "eval::short_side_size");
  if (width <= height)
    return {short_side, std::max(1, static_cast<int>(std::lround(static_cast<double>(height) * short_side / width)))};
  return {std::max(1, static_cast<int>(std::lround(static_cast<double>(width) * short_side / height))), short_side};
}

Image fit_to(const Image& frame, int width, int height) {
  if (frame.width == width && frame.height == height) return frame;
  if (frame.width == width + (width & 1) && frame.height == height + (height & 1)) {
    Image out(width, height);
    for (int y = 0; y < height; ++y)
      std::memcpy(out.pixel(0, y), frame.pixel(0, y), static_cast<size_t>(width) * 3);
    return out;
  }
  return video::resize_area(frame, width, height);
}

at::Tensor resize_frames(const at::Tensor& frames, int width, int height) {
  check(frames.dim() == 4 && frames.size(3) == 3, "expected frames [T, H, W, 3]", "eval::resize_frames");
  if (frames.size(1) == height && frames.size(2) == width) return frames;
  at::Tensor out = at::empty({frames.size(0), height, width, 3}, at::kByte);
  const size_t bytes = static_cast<size_t>(width) * height * 3;
  for (int64_t t = 0; t < frames.size(0); ++t) {
    Image r = video::resize_area(frame_image(frames, t), width, height);
    std::memcpy(out.data_ptr<uint8_t>() + t * bytes, r.rgb.data(), bytes);
  }
  return out;
}

}  // namespace nc::eval
