#include "nc/gui/cursor.h"

#include <algorithm>
#include <cmath>

#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>

#include "nc/core/error.h"

namespace nc::gui {
namespace {

struct Point {
  double x, y;
};
struct Shape {
  std::vector<Point> points;
  uint8_t value;  // 255 white, 0 black
};

// PAPER.md §1.3: the arrow of record_script.py, in viewBox units, painter's order.
std::vector<Shape> arrow_shapes() {
  std::vector<Shape> shapes;
  shapes.push_back({{{8.2, 20.9}, {8.2, 4.9}, {19.8, 16.5}, {13, 16.5}, {12.6, 16.6}}, 255});
  shapes.push_back({{{17.3, 21.6}, {13.7, 23.1}, {9, 12}, {12.7, 10.5}}, 255});
  // <rect x=12.5 y=13.6 width=2 height=8 transform="matrix(0.9221 -0.3871 0.3871 0.9221 -5.7605 6.5909)">
  Shape bar{{}, 0};
  for (Point p : {Point{12.5, 13.6}, Point{14.5, 13.6}, Point{14.5, 21.6}, Point{12.5, 21.6}})
    bar.points.push_back({0.9221 * p.x + 0.3871 * p.y - 5.7605, -0.3871 * p.x + 0.9221 * p.y + 6.5909});
  shapes.push_back(bar);
  shapes.push_back({{{9.2, 7.3}, {9.2, 18.5}, {12.2, 15.6}, {12.6, 15.5}, {17.4, 15.5}}, 0});
  return shapes;
}

bool inside(const std::vector<Point>& poly, double x, double y) {
  bool in = false;
  for (size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
    const Point &a = poly[i], &b = poly[j];
    if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) in = !in;
  }
  return in;
}

uint8_t blend(uint8_t src, uint8_t dst, uint8_t alpha) {
  return static_cast<uint8_t>((src * alpha + dst * (255 - alpha) + 127) / 255);
}

}  // namespace

CursorSprite arrow_cursor(int size, bool outline) {
  check(size >= 4 && size <= 4096, "cursor size " + std::to_string(size) + " out of range 4..4096", "gui.cursor.size");
  const double s = size / 20.0;  // pixels per viewBox unit (the viewBox is 12 x 20)
  const int margin = outline ? 1 : 0;
  const int body_w = std::max(1, static_cast<int>(std::lround(12 * s)));
  CursorSprite sp;
  sp.width = body_w + 2 * margin;
  sp.height = size + 2 * margin;
  sp.hot_x = static_cast<int>(std::floor(0.2 * s)) + margin;
  sp.hot_y = static_cast<int>(std::floor(0.9 * s)) + margin;
  const std::vector<Shape> shapes = arrow_shapes();
  constexpr int kSub = 8;  // samples per pixel per axis
  std::vector<float> alpha(static_cast<size_t>(sp.width * sp.height), 0), value(alpha.size(), 0);
  for (int py = 0; py < sp.height; ++py)
    for (int px = 0; px < sp.width; ++px) {
      int covered = 0, white = 0;
      for (int j = 0; j < kSub; ++j)
        for (int i = 0; i < kSub; ++i) {
          const double ux = (px - margin + (i + 0.5) / kSub) / s + 8;
          const double uy = (py - margin + (j + 0.5) / kSub) / s + 4;
          int top = -1;
          for (size_t k = 0; k < shapes.size(); ++k)
            if (inside(shapes[k].points, ux, uy)) top = static_cast<int>(k);
          if (top < 0) continue;
          ++covered;
          if (shapes[static_cast<size_t>(top)].value == 255) ++white;
        }
      const size_t o = static_cast<size_t>(py * sp.width + px);
      alpha[o] = covered / float(kSub * kSub);
      value[o] = covered ? white / float(covered) : 0;
    }
  sp.rgba.assign(static_cast<size_t>(sp.width * sp.height * 4), 0);
  for (int py = 0; py < sp.height; ++py)
    for (int px = 0; px < sp.width; ++px) {
      const size_t o = static_cast<size_t>(py * sp.width + px);
      float a = alpha[o], v = value[o];
      if (outline) {
        // The paper's 1-px black outline (4-neighbourhood), under the shape.
        float ring = 0;
        const int d[4][2] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
        for (const auto& dd : d) {
          const int qx = px + dd[0], qy = py + dd[1];
          if (qx >= 0 && qy >= 0 && qx < sp.width && qy < sp.height)
            ring = std::max(ring, alpha[static_cast<size_t>(qy * sp.width + qx)]);
        }
        const float total = a + ring * (1 - a);
        v = total > 0 ? v * a / total : 0;
        a = total;
      }
      const uint8_t c = static_cast<uint8_t>(std::lround(v * 255));
      sp.rgba[4 * o] = sp.rgba[4 * o + 1] = sp.rgba[4 * o + 2] = c;
      sp.rgba[4 * o + 3] = static_cast<uint8_t>(std::lround(a * 255));
    }
  return sp;
}

std::array<int, 2> hotspot_pixel(double x, double y, int width, int height) {
  const int px = static_cast<int>(std::lround(std::clamp(x, 0.0, 1.0) * (width - 1)));
  const int py = static_cast<int>(std::lround(std::clamp(y, 0.0, 1.0) * (height - 1)));
  return {std::clamp(px, 0, width - 1), std::clamp(py, 0, height - 1)};
}

void draw_cursor(Image& image, const CursorSprite& sprite, int px, int py) {
  const auto [ox, oy] = sprite_origin(sprite, px, py);
  for (int y = std::max(0, oy); y < std::min(image.height, oy + sprite.height); ++y)
    for (int x = std::max(0, ox); x < std::min(image.width, ox + sprite.width); ++x) {
      const uint8_t* s = &sprite.rgba[static_cast<size_t>(((y - oy) * sprite.width + (x - ox)) * 4)];
      uint8_t* d = image.pixel(x, y);
      for (int c = 0; c < 3; ++c) d[c] = blend(s[c], d[c], s[3]);
    }
}

CursorPatches cursor_patches(const at::Tensor& xy, const at::Tensor& valid, int width, int height,
                             const CursorSprite& sprite, std::array<uint8_t, 3> background) {
  check(xy.dim() == 2 && xy.size(1) == 2 && valid.dim() == 1 && valid.size(0) == xy.size(0),
        "cursor positions must be [T, 2] with validity [T]", "cursor_patches");
  const at::Tensor pos = xy.to(at::kFloat).contiguous();
  const at::Tensor ok = valid.to(at::kByte).contiguous();
  const int64_t T = xy.size(0), h = sprite.height, w = sprite.width;
  CursorPatches out{at::zeros({T, 2}, at::kInt), at::zeros({T, h, w}, at::kByte), at::empty({T, h, w, 3}, at::kByte)};
  // The sprite over the background, once.
  std::vector<uint8_t> over(static_cast<size_t>(h * w * 3)), alpha(static_cast<size_t>(h * w));
  for (int64_t i = 0; i < h * w; ++i) {
    const uint8_t* s = &sprite.rgba[static_cast<size_t>(i * 4)];
    alpha[static_cast<size_t>(i)] = s[3];
    for (int c = 0; c < 3; ++c) over[static_cast<size_t>(i * 3 + c)] = blend(s[c], background[static_cast<size_t>(c)], s[3]);
  }
  int32_t* oxy = out.xy.data_ptr<int32_t>();
  uint8_t* mask = out.mask.data_ptr<uint8_t>();
  uint8_t* img = out.image.data_ptr<uint8_t>();
  const float* p = pos.data_ptr<float>();
  const uint8_t* v = ok.data_ptr<uint8_t>();
  for (int64_t t = 0; t < T; ++t) {
    uint8_t* ti = img + t * h * w * 3;
    if (!v[t]) {
      for (int64_t i = 0; i < h * w; ++i)
        for (int c = 0; c < 3; ++c) ti[i * 3 + c] = background[static_cast<size_t>(c)];
      continue;
    }
    const auto [px, py] = hotspot_pixel(p[2 * t], p[2 * t + 1], width, height);
    const auto [ox, oy] = sprite_origin(sprite, px, py);
    oxy[2 * t] = ox;
    oxy[2 * t + 1] = oy;
    std::copy(alpha.begin(), alpha.end(), mask + t * h * w);
    std::copy(over.begin(), over.end(), ti);
  }
  return out;
}

ReferenceStream expand_reference_stream(const at::Tensor& first_frame, const CursorPatches& patches,
                                        std::array<uint8_t, 3> background) {
  check(first_frame.dim() == 3 && first_frame.size(2) == 3 && first_frame.scalar_type() == at::kByte,
        "the first frame must be [H, W, 3] uint8", "expand_reference_stream");
  const int64_t T = patches.xy.size(0), H = first_frame.size(0), W = first_frame.size(1);
  const int64_t h = patches.mask.size(1), w = patches.mask.size(2);
  ReferenceStream out{at::empty({T, 3, H, W}, at::kFloat), at::zeros({T, 1, H, W}, at::kFloat)};
  if (T == 0) return out;
  float* img = out.images.data_ptr<float>();
  float* mask = out.masks.data_ptr<float>();
  const at::Tensor f0 = first_frame.contiguous();
  const uint8_t* f = f0.data_ptr<uint8_t>();
  const at::Tensor pxy = patches.xy.to(at::kInt).contiguous(), pm = patches.mask.contiguous(),
                   pi = patches.image.contiguous();
  const int32_t* oxy = pxy.data_ptr<int32_t>();
  const uint8_t* m = pm.data_ptr<uint8_t>();
  const uint8_t* pim = pi.data_ptr<uint8_t>();
  auto unit = [](uint8_t v) { return v / 127.5f - 1.0f; };
  // t = 0: the full desktop with mask 1.
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x)
      for (int c = 0; c < 3; ++c) img[(c * H + y) * W + x] = unit(f[(y * W + x) * 3 + c]);
  std::fill(mask, mask + H * W, 1.0f);
  for (int64_t t = 1; t < T; ++t) {
    float* ti = img + t * 3 * H * W;
    float* tm = mask + t * H * W;
    for (int c = 0; c < 3; ++c) std::fill(ti + c * H * W, ti + (c + 1) * H * W, unit(background[static_cast<size_t>(c)]));
    const uint8_t* tmask = m + t * h * w;
    const uint8_t* timg = pim + t * h * w * 3;
    const int64_t ox = oxy[2 * t], oy = oxy[2 * t + 1];
    for (int64_t y = std::max<int64_t>(0, oy); y < std::min(H, oy + h); ++y)
      for (int64_t x = std::max<int64_t>(0, ox); x < std::min(W, ox + w); ++x) {
        const int64_t i = (y - oy) * w + (x - ox);
        tm[y * W + x] = tmask[i] / 255.0f;
        for (int c = 0; c < 3; ++c) ti[(c * H + y) * W + x] = unit(timg[i * 3 + c]);
      }
  }
  return out;
}

ReferenceStream reference_stream(const at::Tensor& first_frame, const at::Tensor& xy, const at::Tensor& valid,
                                 const CursorSprite& sprite, std::array<uint8_t, 3> background) {
  check(first_frame.dim() == 3, "the first frame must be [H, W, 3] uint8", "reference_stream");
  return expand_reference_stream(
      first_frame,
      cursor_patches(xy, valid, static_cast<int>(first_frame.size(1)), static_cast<int>(first_frame.size(0)), sprite,
                     background),
      background);
}

}  // namespace nc::gui
