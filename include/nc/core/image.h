// An 8-bit RGB image in packed row-major order: the frame type of the data pipeline, before
// frames become tensors ([H, W, 3] uint8 views of `rgb`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nc {

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3 bytes

  Image() = default;
  Image(int w, int h, uint8_t r = 0, uint8_t g = 0, uint8_t b = 0) : width(w), height(h) {
    rgb.resize(static_cast<size_t>(w) * h * 3);
    for (size_t i = 0; i < rgb.size(); i += 3) {
      rgb[i] = r;
      rgb[i + 1] = g;
      rgb[i + 2] = b;
    }
  }
  uint8_t* pixel(int x, int y) { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
  const uint8_t* pixel(int x, int y) const {
    return rgb.data() + (static_cast<size_t>(y) * width + x) * 3;
  }
  bool empty() const { return width == 0 || height == 0; }
  bool operator==(const Image& o) const {
    return width == o.width && height == o.height && rgb == o.rgb;
  }
};

}  // namespace nc
