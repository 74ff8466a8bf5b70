#include "nc/eval/cursor_accuracy.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <ATen/TensorIndexing.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/conj.h>
#include <ATen/ops/fft_irfft2.h>
#include <ATen/ops/fft_rfft2.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/full.h>
#include <ATen/ops/isfinite.h>
#include <ATen/ops/replication_pad2d.h>
#include <ATen/ops/sqrt.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/where.h>

#include "nc/core/error.h"

namespace nc::eval {
namespace {

struct Point {
  double x, y;
};
using Polygon = std::vector<Point>;

// The arrow of the reference recorder (`record_script.py` get_cursor_image(), viewBox
// "8 4 12 20"): white head and tail, black inner head and a black bar (a 2 x 8 rectangle under
// matrix(0.9221 -0.3871 0.3871 0.9221 -5.7605 6.5909)) down the tail. Tip (8.2, 4.9).
const std::vector<Polygon>& arrow_white() {
  static const std::vector<Polygon> p = {
      {{8.2, 20.9}, {8.2, 4.9}, {19.8, 16.5}, {13, 16.5}, {12.6, 16.6}},
      {{17.3, 21.6}, {13.7, 23.1}, {9, 12}, {12.7, 10.5}},
  };
  return p;
}
const std::vector<Polygon>& arrow_black() {
  static const std::vector<Polygon> p = [] {
    auto tf = [](double x, double y) {
      return Point{0.9221 * x + 0.3871 * y - 5.7605, -0.3871 * x + 0.9221 * y + 6.5909};
    };
    std::vector<Polygon> out;
    out.push_back({tf(12.5, 13.6), tf(14.5, 13.6), tf(14.5, 21.6), tf(12.5, 21.6)});
    out.push_back({{9.2, 7.3}, {9.2, 18.5}, {12.2, 15.6}, {12.6, 15.5}, {17.4, 15.5}});
    return out;
  }();
  return p;
}
constexpr double kTipX = 8.2, kTipY = 4.9, kMaxX = 19.8, kMaxY = 23.1;

bool inside(const Polygon& poly, double x, double y) {  // even-odd rule
  bool in = false;
  for (size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
    const Point &a = poly[i], &b = poly[j];
    if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) in = !in;
  }
  return in;
}
bool inside_any(const std::vector<Polygon>& polys, double x, double y) {
  for (const auto& p : polys)
    if (inside(p, x, y)) return true;
  return false;
}

// Smallest n' >= n whose prime factors are 2, 3 and 5 (fast FFT sizes).
int64_t fft_size(int64_t n) {
  for (int64_t m = std::max<int64_t>(n, 1);; ++m) {
    int64_t r = m;
    for (int64_t p : {2, 3, 5})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

double bilinear(const std::vector<float>& v, int w, int h, double x, double y) {
  x = std::clamp(x, 0.0, w - 1.0);
  y = std::clamp(y, 0.0, h - 1.0);
  const int x0 = static_cast<int>(x), y0 = static_cast<int>(y);
  const int x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
  const double fx = x - x0, fy = y - y0;
  auto at = [&](int xx, int yy) { return static_cast<double>(v[static_cast<size_t>(yy) * w + xx]); };
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
}

at::Tensor grey_of(const Image& frame) {  // [H, W] float32 in [0, 1]
  at::Tensor rgb = at::from_blob(const_cast<uint8_t*>(frame.rgb.data()), {frame.height, frame.width, 3}, at::kByte)
                       .to(at::kFloat);
  return (rgb.select(2, 0) * 0.299 + rgb.select(2, 1) * 0.587 + rgb.select(2, 2) * 0.114) / 255.0;
}

}  // namespace

CursorSprite arrow_sprite(double height_px) {
  check(height_px >= 4, "cursor sprite height must be at least 4 px", "eval::arrow_sprite");
  const double unit = height_px / (kMaxY - kTipY);  // pixels per SVG unit
  const int margin = 2;                              // 1 px outline + 1 px clear
  CursorSprite s;
  s.width = static_cast<int>(std::ceil((kMaxX - kTipX) * unit - 1e-9)) + 2 * margin;
  s.height = static_cast<int>(std::ceil((kMaxY - kTipY) * unit - 1e-9)) + 2 * margin;
  s.hotspot_x = s.hotspot_y = margin;
  const size_t n = static_cast<size_t>(s.width) * s.height;
  std::vector<float> cover(n, 0), white(n, 0);
  constexpr int kSub = 4;
  for (int j = 0; j < s.height; ++j)
    for (int i = 0; i < s.width; ++i) {
      int in = 0, lit = 0;
      for (int sy = 0; sy < kSub; ++sy)
        for (int sx = 0; sx < kSub; ++sx) {
          const double x = kTipX + (i - margin + (sx + 0.5) / kSub) / unit;
          const double y = kTipY + (j - margin + (sy + 0.5) / kSub) / unit;
          if (!inside_any(arrow_white(), x, y)) continue;
          ++in;
          lit += !inside_any(arrow_black(), x, y);
        }
      cover[static_cast<size_t>(j) * s.width + i] = static_cast<float>(in) / (kSub * kSub);
      white[static_cast<size_t>(j) * s.width + i] = static_cast<float>(lit) / (kSub * kSub);
    }
  // The 1-px black outline: opacity dilated by one pixel; colour = white share of the opacity.
  s.mask.assign(n, 0);
  s.grey.assign(n, 0);
  for (int j = 0; j < s.height; ++j)
    for (int i = 0; i < s.width; ++i) {
      float a = 0;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int x = i + dx, y = j + dy;
          if (x >= 0 && y >= 0 && x < s.width && y < s.height) a = std::max(a, cover[static_cast<size_t>(y) * s.width + x]);
        }
      const size_t k = static_cast<size_t>(j) * s.width + i;
      s.mask[k] = a;
      s.grey[k] = a > 0 ? white[k] / a : 0;
    }
  return s;
}

CursorSprite sprite_from_image(const Image& rgb, const Image* mask, int hotspot_x, int hotspot_y) {
  check(!rgb.empty(), "empty cursor sprite", "eval.cursor.sprite");
  check(!mask || (mask->width == rgb.width && mask->height == rgb.height), "the sprite mask differs in size from the sprite",
        "eval.cursor.sprite_mask");
  check(hotspot_x < rgb.width && hotspot_y < rgb.height, "the hotspot lies outside the sprite", "eval.cursor.hotspot_x");
  CursorSprite s;
  s.width = rgb.width;
  s.height = rgb.height;
  s.hotspot_x = hotspot_x;
  s.hotspot_y = hotspot_y;
  const size_t n = static_cast<size_t>(s.width) * s.height;
  s.grey.resize(n);
  s.mask.resize(n);
  for (size_t k = 0; k < n; ++k) {
    const uint8_t* p = rgb.rgb.data() + 3 * k;
    s.grey[k] = static_cast<float>((0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]) / 255.0);
    if (mask) {
      const uint8_t* m = mask->rgb.data() + 3 * k;
      s.mask[k] = static_cast<float>((0.299 * m[0] + 0.587 * m[1] + 0.114 * m[2]) / 255.0);
    } else {
      s.mask[k] = 1;
    }
  }
  return s;
}

CursorSprite scale_sprite(const CursorSprite& sprite, double factor) {
  check(factor > 0, "sprite scale must be positive", "eval::scale_sprite");
  CursorSprite s;
  s.width = std::max(1, static_cast<int>(std::lround(sprite.width * factor)));
  s.height = std::max(1, static_cast<int>(std::lround(sprite.height * factor)));
  const double fx = static_cast<double>(sprite.width) / s.width, fy = static_cast<double>(sprite.height) / s.height;
  s.hotspot_x = std::min(s.width - 1, static_cast<int>(std::floor((sprite.hotspot_x + 0.5) / fx)));
  s.hotspot_y = std::min(s.height - 1, static_cast<int>(std::floor((sprite.hotspot_y + 0.5) / fy)));
  const size_t n = static_cast<size_t>(s.width) * s.height;
  s.grey.resize(n);
  s.mask.resize(n);
  constexpr int kSub = 4;  // each destination pixel averages 4x4 bilinear samples of the source
  for (int j = 0; j < s.height; ++j)
    for (int i = 0; i < s.width; ++i) {
      double g = 0, m = 0;
      for (int sy = 0; sy < kSub; ++sy)
        for (int sx = 0; sx < kSub; ++sx) {
          const double x = (i + (sx + 0.5) / kSub) * fx - 0.5, y = (j + (sy + 0.5) / kSub) * fy - 0.5;
          const double a = bilinear(sprite.mask, sprite.width, sprite.height, x, y);
          g += a * bilinear(sprite.grey, sprite.width, sprite.height, x, y);
          m += a;
        }
      const size_t k = static_cast<size_t>(j) * s.width + i;
      s.mask[k] = static_cast<float>(m / (kSub * kSub));
      s.grey[k] = m > 0 ? static_cast<float>(g / m) : 0.f;
    }
  return s;
}

void draw_sprite(Image& frame, const CursorSprite& sprite, int x, int y) {
  for (int j = 0; j < sprite.height; ++j)
    for (int i = 0; i < sprite.width; ++i) {
      const int fx = x - sprite.hotspot_x + i, fy = y - sprite.hotspot_y + j;
      if (fx < 0 || fy < 0 || fx >= frame.width || fy >= frame.height) continue;
      const size_t k = static_cast<size_t>(j) * sprite.width + i;
      const float a = sprite.mask[k], v = sprite.grey[k] * 255.f;
      uint8_t* p = frame.pixel(fx, fy);
      for (int c = 0; c < 3; ++c) p[c] = static_cast<uint8_t>(std::lround(a * v + (1 - a) * p[c]));
    }
}

// ---- locator ------------------------------------------------------------------------------

struct CursorLocator::Kernels {
  struct Scale {
    int width = 0, height = 0, hotspot_x = 0, hotspot_y = 0;
    double weight = 0;          // n = sum of the mask
    double template_norm = 0;   // sum w (T - mean_w T)^2
  };
  int width = 0, height = 0;      // the frame
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t fft_h = 0, fft_w = 0;
  std::vector<Scale> scales;
  at::Tensor spectra;  // [S, 2, N1, N2/2+1] complex64: conj FFTs of w (T - mean T) and of w, per scale
};

CursorLocator::CursorLocator(CursorOptions options, CursorSprite sprite)
    : options_(std::move(options)), base_(std::move(sprite)) {
  check(!options_.scales.empty(), "at least one sprite scale is needed", "eval.cursor.scales");
}

double CursorLocator::frame_scale(int width, int height) const {
  return std::min(static_cast<double>(width) / options_.screen_width,
                  static_cast<double>(height) / options_.screen_height);
}

double CursorLocator::tolerance(int width, int height) const {
  return options_.tolerance_px * frame_scale(width, height);
}

const CursorLocator::Kernels& CursorLocator::kernels(int width, int height) {
  auto& slot = cache_[{width, height}];
  if (slot) return *slot;
  auto k = std::make_shared<Kernels>();
  k->width = width;
  k->height = height;
  const double s = frame_scale(width, height);
  std::vector<CursorSprite> sprites;
  for (double f : options_.scales) {
    if (base_.width == 0) {
      sprites.push_back(arrow_sprite(std::max(4.0, options_.size_px * s * f)));
    } else {
      // A user sprite is drawn at size_px on the screen: scale its height to size_px * s * f.
      sprites.push_back(scale_sprite(base_, options_.size_px * s * f / base_.height));
    }
  }
  for (const auto& sp : sprites) {
    k->pad_top = std::max(k->pad_top, sp.hotspot_y);
    k->pad_left = std::max(k->pad_left, sp.hotspot_x);
    k->pad_bottom = std::max(k->pad_bottom, sp.height - 1 - sp.hotspot_y);
    k->pad_right = std::max(k->pad_right, sp.width - 1 - sp.hotspot_x);
  }
  k->fft_h = fft_size(height + k->pad_top + k->pad_bottom);
  k->fft_w = fft_size(width + k->pad_left + k->pad_right);
  std::vector<at::Tensor> kernels;
  for (const auto& sp : sprites) {
    Kernels::Scale sc;
    sc.width = sp.width;
    sc.height = sp.height;
    sc.hotspot_x = sp.hotspot_x;
    sc.hotspot_y = sp.hotspot_y;
    at::Tensor t = at::from_blob(const_cast<float*>(sp.grey.data()), {sp.height, sp.width}, at::kFloat).to(at::kDouble);
    at::Tensor w = at::from_blob(const_cast<float*>(sp.mask.data()), {sp.height, sp.width}, at::kFloat).to(at::kDouble);
    sc.weight = w.sum().item<double>();
    check(sc.weight > 0, "the cursor sprite is fully transparent", "eval.cursor");
    const double mean = (w * t).sum().item<double>() / sc.weight;
    at::Tensor centred = w * (t - mean);
    sc.template_norm = (centred * (t - mean)).sum().item<double>();
    check(sc.template_norm > 0, "the cursor sprite is a flat colour: nothing to match", "eval.cursor");
    kernels.push_back(at::constant_pad_nd(at::stack({centred, w}), {0, k->fft_w - sp.width, 0, k->fft_h - sp.height}, 0));
    k->scales.push_back(std::move(sc));
  }
  k->spectra = at::conj(at::fft_rfft2(at::stack(kernels).to(at::kFloat))).resolve_conj();
  slot = std::move(k);
  return *slot;
}

CursorMatch CursorLocator::locate(const Image& frame) {
  check(!frame.empty(), "empty frame", "eval::CursorLocator");
  const Kernels& k = kernels(frame.width, frame.height);
  const int64_t h = frame.height, w = frame.width;
  // The frame padded (edges replicated) so that every tip position inside it is a placement;
  // then zeros up to the FFT size, which only placements outside the frame would reach.
  // float32 FFTs on the frame minus its mean: NCC ignores the offset, and centring keeps the
  // rounding of the local sums far below the flatness floor.
  at::Tensor g = grey_of(frame);
  g = (g - g.mean()).view({1, 1, h, w});
  g = at::replication_pad2d(g, {k.pad_left, k.pad_right, k.pad_top, k.pad_bottom}).squeeze(0).squeeze(0);
  g = at::constant_pad_nd(g, {0, k.fft_w - g.size(1), 0, k.fft_h - g.size(0)}, 0);
  const at::Tensor spectra = at::fft_rfft2(at::stack({g, g * g}));  // [2, N1, N2/2+1]
  // Per scale: frame x centred template, frame x mask, frame^2 x mask; one batched inverse FFT.
  const at::Tensor products = at::stack({spectra[0] * k.spectra.select(1, 0), spectra[0] * k.spectra.select(1, 1),
                                         spectra[1] * k.spectra.select(1, 1)},
                                        1);  // [S, 3, N1, N2/2+1]
  const std::vector<int64_t> size{k.fft_h, k.fft_w};
  const at::Tensor corr_all = at::fft_irfft2(products, at::IntArrayRef(size));
  CursorMatch best;
  using namespace at::indexing;
  for (size_t s = 0; s < k.scales.size(); ++s) {
    const auto& sc = k.scales[s];
    // Placement (r, c) puts the sprite's top-left at padded (r, c): its tip on frame pixel
    // (r + hotspot_y - pad_top, c + hotspot_x - pad_left).
    const int64_t r0 = k.pad_top - sc.hotspot_y, c0 = k.pad_left - sc.hotspot_x;
    at::Tensor corr = corr_all[static_cast<int64_t>(s)].index({Slice(), Slice(r0, r0 + h), Slice(c0, c0 + w)});
    at::Tensor num = corr[0], sum = corr[1], sum_sq = corr[2];
    at::Tensor var = sum_sq - sum * sum / sc.weight;
    // A flat patch (std below 1/100 of the range under the mask) matches nothing.
    const double floor = 1e-4 * sc.weight;
    at::Tensor ncc = at::where(var > floor, num / at::sqrt(var.clamp_min(floor) * sc.template_norm),
                               at::full({}, -1.0, var.options()))
                         .contiguous();
    const int64_t idx = ncc.argmax().item<int64_t>();
    const double score = ncc.view(-1)[idx].item<double>();
    if (score > best.score) {
      best.score = score;
      best.y = static_cast<int>(idx / w);
      best.x = static_cast<int>(idx % w);
    }
  }
  best.found = best.score >= options_.min_score;
  return best;
}

at::Tensor logged_cursor(const std::map<std::string, at::Tensor>& tensors, int width, int height) {
  at::Tensor pos;
  auto pixels = tensors.find("cursor");
  auto unit = tensors.find("mouse_trajectories");
  if (pixels != tensors.end()) {
    pos = pixels->second.to(at::kDouble);
  } else if (unit != tensors.end()) {
    pos = unit->second.to(at::kDouble).clone();
    check(pos.dim() == 2 && pos.size(1) == 2, "expected mouse_trajectories [T, 2]", "eval::logged_cursor");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    at::Tensor bad = (pos < 0).logical_or(pos > 1).any(1, true).expand_as(pos);
    pos = at::where(bad, at::full({}, nan, pos.options()), pos);
    pos.select(1, 0).mul_(width - 1);
    pos.select(1, 1).mul_(height - 1);
    return pos;
  } else {
    return {};
  }
  check(pos.dim() == 2 && pos.size(1) == 2, "expected cursor [T, 2] (x, y pixels)", "eval::logged_cursor");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  at::Tensor x = pos.select(1, 0), y = pos.select(1, 1);
  at::Tensor bad = (x < 0).logical_or(y < 0).logical_or(x > width - 1).logical_or(y > height - 1);
  bad = bad.unsqueeze(1).expand_as(pos);
  return at::where(bad, at::full({}, nan, pos.options()), pos).contiguous();
}

}  // namespace nc::eval
