#include "nc/eval/frames.h"

#include <cstring>

#include <ATen/ops/empty.h>

#include "nc/core/error.h"

namespace nc::eval {

at::Tensor stack_frames(const std::vector<Image>& frames) {
  if (frames.empty()) return at::empty({0, 0, 0, 3}, at::kByte);
  const int w = frames[0].width, h = frames[0].height;
  at::Tensor out = at::empty({static_cast<int64_t>(frames.size()), h, w, 3}, at::kByte);
  const size_t bytes = static_cast<size_t>(w) * h * 3;
  uint8_t* dst = out.data_ptr<uint8_t>();
  for (size_t t = 0; t < frames.size(); ++t) {
    const Image& f = frames[t];
    check(f.width == w && f.height == h && f.rgb.size() == bytes,
          "frame " + std::to_string(t) + " is " + std::to_string(f.width) + "x" + std::to_string(f.height) +
              ", frame 0 is " + std::to_string(w) + "x" + std::to_string(h),
          "eval::stack_frames");
    std::memcpy(dst + t * bytes, f.rgb.data(), bytes);
  }
  return out;
}

Image frame_image(const at::Tensor& frames, int64_t t) {
  check(frames.dim() == 4 && frames.size(3) == 3 && frames.scalar_type() == at::kByte,
        "expected uint8 frames [T, H, W, 3]", "eval::frame_image");
  check(t >= 0 && t < frames.size(0), "frame index out of range", "eval::frame_image");
  at::Tensor f = frames[t].contiguous();
  Image img;
  img.width = static_cast<int>(f.size(1));
  img.height = static_cast<int>(f.size(0));
  img.rgb.assign(f.data_ptr<uint8_t>(), f.data_ptr<uint8_t>() + f.numel());
  return img;
}

at::Tensor to_unit(const at::Tensor& frames) {
  check(frames.dim() == 4 && frames.size(3) == 3, "expected frames [T, H, W, 3]", "eval::to_unit");
  return frames.permute({0, 3, 1, 2}).to(at::kFloat).div(255.0).contiguous();
}

}  // namespace nc::eval
