#include "nc/data/frames.h"

#include <cstring>

#include <ATen/ops/from_blob.h>
#include <ATen/ops/stack.h>

#include "nc/core/error.h"

namespace nc::data {

std::vector<Image> to_images(const at::Tensor& video) {
  check(video.dim() == 4 && video.size(0) == 3, "expected a [3, T, H, W] video tensor", "data::to_images");
  at::Tensor u8 = video.detach().to(at::kCPU, at::kFloat).add(1.0).mul(127.5).round().clamp(0, 255)
                      .to(at::kByte).permute({1, 2, 3, 0}).contiguous();  // [T, H, W, 3]
  std::vector<Image> out;
  const int64_t t = u8.size(0), h = u8.size(1), w = u8.size(2);
  const uint8_t* p = u8.data_ptr<uint8_t>();
  for (int64_t k = 0; k < t; ++k) {
    Image img;
    img.width = static_cast<int>(w);
    img.height = static_cast<int>(h);
    img.rgb.assign(p + k * h * w * 3, p + (k + 1) * h * w * 3);
    out.push_back(std::move(img));
  }
  return out;
}

at::Tensor from_images(const std::vector<Image>& frames) {
  check(!frames.empty(), "no frames", "data::from_images");
  std::vector<at::Tensor> list;
  for (const auto& f : frames)
    list.push_back(at::from_blob(const_cast<uint8_t*>(f.rgb.data()), {f.height, f.width, 3}, at::kByte).clone());
  return at::stack(list).permute({3, 0, 1, 2}).to(at::kFloat).div(127.5).sub(1.0).contiguous();
}

std::vector<Image> side_by_side(const std::vector<std::vector<Image>>& columns, int gap) {
  check(!columns.empty() && !columns[0].empty(), "nothing to place side by side", "data::side_by_side");
  const size_t count = columns[0].size();
  const int h = columns[0][0].height;
  int width = 0;
  for (const auto& c : columns) {
    check(c.size() == count && c[0].height == h, "columns differ in frame count or height", "data::side_by_side");
    width += c[0].width;
  }
  width += gap * static_cast<int>(columns.size() - 1);
  std::vector<Image> out;
  for (size_t k = 0; k < count; ++k) {
    Image img(width, h);
    int x0 = 0;
    for (const auto& c : columns) {
      const Image& f = c[k];
      for (int y = 0; y < h; ++y) std::memcpy(img.pixel(x0, y), f.pixel(0, y), static_cast<size_t>(f.width) * 3);
      x0 += f.width + gap;
    }
    out.push_back(std::move(img));
  }
  return out;
}

}  // namespace nc::data
