#include "nc/video/resize.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "frame_check.h"
#include "nc/core/error.h"

namespace nc::video {
namespace {

// The source taps of one destination index along an axis; weights sum to 1.
struct Taps {
  std::vector<int> first, count;  // per destination index: taps [first, first + count)
  std::vector<int> index;
  std::vector<float> weight;
};

Taps axis_taps(int src, int dst) {
  Taps t;
  t.first.resize(dst);
  t.count.resize(dst);
  const double ratio = static_cast<double>(src) / dst;
  for (int i = 0; i < dst; ++i) {
    t.first[i] = static_cast<int>(t.index.size());
    if (dst < src) {  // area: destination pixel i covers [i * ratio, (i + 1) * ratio)
      const double lo = i * ratio, hi = (i + 1) * ratio;
      const int j0 = static_cast<int>(std::floor(lo));
      const int j1 = std::min(src, static_cast<int>(std::ceil(hi)));
      for (int j = j0; j < j1; ++j) {
        const double cover = std::min<double>(hi, j + 1) - std::max<double>(lo, j);
        if (cover <= 1e-12) continue;
        t.index.push_back(j);
        t.weight.push_back(static_cast<float>(cover / ratio));
      }
    } else if (dst == src) {
      t.index.push_back(i);
      t.weight.push_back(1.0f);
    } else {  // bilinear between the two nearest source centres
      const double c = std::clamp((i + 0.5) * ratio - 0.5, 0.0, src - 1.0);
      const int j0 = static_cast<int>(c);
      const double f = c - j0;
      t.index.push_back(j0);
      t.weight.push_back(static_cast<float>(1 - f));
      if (f > 0 && j0 + 1 < src) {
        t.index.push_back(j0 + 1);
        t.weight.push_back(static_cast<float>(f));
      }
    }
    t.count[i] = static_cast<int>(t.index.size()) - t.first[i];
  }
  return t;
}

uint8_t to_u8(float v) { return static_cast<uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f)); }

}  // namespace

Image resize_area(const Image& src, int w, int h) {
  video::detail::check_image(src, "resize_area");
  check(w > 0 && h > 0,
        "cannot resize to " + std::to_string(w) + "x" + std::to_string(h), "resize_area");
  if (w == src.width && h == src.height) return src;

  // Horizontal pass into floats (src.height rows of w pixels), then vertical into bytes.
  const Taps tx = axis_taps(src.width, w), ty = axis_taps(src.height, h);
  std::vector<float> mid(static_cast<size_t>(w) * src.height * 3);
  for (int y = 0; y < src.height; ++y) {
    const uint8_t* row = src.pixel(0, y);
    float* out = mid.data() + static_cast<size_t>(y) * w * 3;
    for (int x = 0; x < w; ++x, out += 3) {
      float r = 0, g = 0, b = 0;
      for (int k = tx.first[x], e = k + tx.count[x]; k < e; ++k) {
        const uint8_t* p = row + tx.index[k] * 3;
        const float wt = tx.weight[k];
        r += wt * p[0], g += wt * p[1], b += wt * p[2];
      }
      out[0] = r, out[1] = g, out[2] = b;
    }
  }
  Image dst(w, h);
  const size_t stride = static_cast<size_t>(w) * 3;
  std::vector<float> acc(stride);
  for (int y = 0; y < h; ++y) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (int k = ty.first[y], e = k + ty.count[y]; k < e; ++k) {
      const float* in = mid.data() + ty.index[k] * stride;
      const float wt = ty.weight[k];
      for (size_t i = 0; i < stride; ++i) acc[i] += wt * in[i];
    }
    uint8_t* out = dst.pixel(0, y);
    for (size_t i = 0; i < stride; ++i) out[i] = to_u8(acc[i]);
  }
  return dst;
}

LetterboxGeometry letterbox_geometry(int src_w, int src_h, int dst_w, int dst_h) {
  check(src_w > 0 && src_h > 0 && dst_w > 0 && dst_h > 0,
        "letterbox of " + std::to_string(src_w) + "x" + std::to_string(src_h) + " into " +
            std::to_string(dst_w) + "x" + std::to_string(dst_h) + ": sizes must be positive",
        "letterbox");
  LetterboxGeometry g;
  const double sx = static_cast<double>(dst_w) / src_w, sy = static_cast<double>(dst_h) / src_h;
  // The limiting axis is set exactly so that rounding never leaves a one-pixel stripe there.
  if (sx <= sy) {
    g.scale = sx;
    g.content_w = dst_w;
    g.content_h = std::clamp(static_cast<int>(std::lround(src_h * sx)), 1, dst_h);
  } else {
    g.scale = sy;
    g.content_h = dst_h;
    g.content_w = std::clamp(static_cast<int>(std::lround(src_w * sy)), 1, dst_w);
  }
  g.pad_x = (dst_w - g.content_w) / 2;
  g.pad_y = (dst_h - g.content_h) / 2;
  return g;
}

Image letterbox(const Image& src, int w, int h, uint8_t r, uint8_t g, uint8_t b,
                LetterboxGeometry* geo) {
  video::detail::check_image(src, "letterbox");
  const LetterboxGeometry lg = letterbox_geometry(src.width, src.height, w, h);
  const Image content = resize_area(src, lg.content_w, lg.content_h);
  Image out(w, h, r, g, b);
  const size_t row_bytes = static_cast<size_t>(lg.content_w) * 3;
  for (int y = 0; y < lg.content_h; ++y)
    std::copy_n(content.pixel(0, y), row_bytes, out.pixel(lg.pad_x, lg.pad_y + y));
  if (geo) *geo = lg;
  return out;
}

}  // namespace nc::video
