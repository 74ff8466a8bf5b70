#include "nc/eval/psnr_ssim.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/clamp_max.h>
#include <ATen/Parallel.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/exp.h>
#include <ATen/ops/log10.h>

#include "nc/core/error.h"

namespace nc::eval {
namespace {

void check_pair(const at::Tensor& pred, const at::Tensor& ref, const char* where) {
  check(pred.defined() && ref.defined(), "undefined frames", where);
  check(pred.dim() == 4 && pred.size(1) == 3, "expected frames [T, 3, H, W]", where);
  check(pred.sizes() == ref.sizes(),
        "prediction and reference frames differ in shape: " + std::to_string(pred.size(0)) + "x" +
            std::to_string(pred.size(2)) + "x" + std::to_string(pred.size(3)) + " vs " + std::to_string(ref.size(0)) +
            "x" + std::to_string(ref.size(2)) + "x" + std::to_string(ref.size(3)),
        where);
}

}  // namespace

at::Tensor psnr(const at::Tensor& pred, const at::Tensor& ref, double data_range, double cap_db) {
  check_pair(pred, ref, "eval::psnr");
  at::Tensor diff = pred.to(at::kDouble) - ref.to(at::kDouble);
  at::Tensor mse = diff.mul(diff).mean({1, 2, 3});
  // mse = 0 gives +inf, which the cap turns into cap_db.
  at::Tensor db = at::log10((data_range * data_range) / mse) * 10.0;
  return at::clamp_max(db, cap_db);
}

at::Tensor gaussian_window(int kernel_size, double sigma) {
  check(kernel_size >= 1 && sigma > 0, "SSIM window needs a positive size and sigma", "eval::gaussian_window");
  at::Tensor d = at::arange(kernel_size, at::TensorOptions().dtype(at::kDouble)) - (kernel_size - 1) / 2.0;
  at::Tensor g = at::exp(d.mul(d) / (-2.0 * sigma * sigma));
  return g / g.sum();
}

namespace {

// out[j] = sum_t g[t] in[j + t] for j < ow.
void blur_row(const double* __restrict in, double* __restrict out, int64_t ow, const std::vector<double>& g) {
  std::fill(out, out + ow, 0.0);
  for (size_t t = 0; t < g.size(); ++t) {
    const double gt = g[t];
    const double* __restrict r = in + t;
    for (int64_t j = 0; j < ow; ++j) out[j] += gt * r[j];
  }
}

// The vertical window sums of x, y, x^2, y^2, xy for output row i (inputs rows i .. i+k-1).
void blur_column_sums(const double* __restrict x, const double* __restrict y, int64_t i, int64_t w,
                      const std::vector<double>& g, double* __restrict sx, double* __restrict sy,
                      double* __restrict sxx, double* __restrict syy, double* __restrict sxy) {
  std::fill(sx, sx + w, 0.0);
  std::fill(sy, sy + w, 0.0);
  std::fill(sxx, sxx + w, 0.0);
  std::fill(syy, syy + w, 0.0);
  std::fill(sxy, sxy + w, 0.0);
  for (size_t t = 0; t < g.size(); ++t) {
    const double gt = g[t];
    const double* __restrict rx = x + (i + static_cast<int64_t>(t)) * w;
    const double* __restrict ry = y + (i + static_cast<int64_t>(t)) * w;
    for (int64_t j = 0; j < w; ++j) {
      const double a = rx[j], b = ry[j], ga = gt * a, gb = gt * b;
      sx[j] += ga;
      sy[j] += gb;
      sxx[j] += ga * a;
      syy[j] += gb * b;
      sxy[j] += ga * b;
    }
  }
}

// Mean SSIM of one plane (x, y: h x w, row-major) with the separable window g, one output row
// at a time (the working set stays in cache): vertical sums of the five statistics, then the
// horizontal pass, then the SSIM map. float64.
double ssim_plane(const double* x, const double* y, int64_t h, int64_t w, const std::vector<double>& g, double c1,
                  double c2) {
  const int64_t k = static_cast<int64_t>(g.size()), oh = h - k + 1, ow = w - k + 1;
  std::vector<double> column(static_cast<size_t>(5 * w)), row(static_cast<size_t>(5 * ow));
  double total = 0;
  for (int64_t i = 0; i < oh; ++i) {
    double* c = column.data();
    blur_column_sums(x, y, i, w, g, c, c + w, c + 2 * w, c + 3 * w, c + 4 * w);
    for (int m = 0; m < 5; ++m) blur_row(c + m * w, row.data() + m * ow, ow, g);
    const double* mx = row.data();
    const double* my = mx + ow;
    const double* exx = my + ow;
    const double* eyy = exx + ow;
    const double* exy = eyy + ow;
    for (int64_t j = 0; j < ow; ++j) {
      const double mxx = mx[j] * mx[j], myy = my[j] * my[j], mxy = mx[j] * my[j];
      const double sxx = exx[j] - mxx, syy = eyy[j] - myy, sxy = exy[j] - mxy;
      total += ((2 * mxy + c1) * (2 * sxy + c2)) / ((mxx + myy + c1) * (sxx + syy + c2));
    }
  }
  return total / static_cast<double>(oh * ow);
}

}  // namespace

namespace {

struct SsimSetup {
  std::vector<double> g;
  double c1 = 0, c2 = 0;
};

SsimSetup ssim_setup(const SsimOptions& o, int64_t h, int64_t w) {
  const int64_t k = o.kernel_size;
  check(h >= k && w >= k,
        "frames of " + std::to_string(w) + "x" + std::to_string(h) + " are smaller than the SSIM window (" +
            std::to_string(k) + ")",
        "eval::ssim");
  SsimSetup s;
  const at::Tensor window = gaussian_window(o.kernel_size, o.sigma);
  s.g.assign(window.data_ptr<double>(), window.data_ptr<double>() + k);
  s.c1 = std::pow(o.k1 * o.data_range, 2);
  s.c2 = std::pow(o.k2 * o.data_range, 2);
  return s;
}

// Mean over channels of per-plane SSIM, [frames] float64.
at::Tensor mean_over_channels(const std::vector<double>& plane, int64_t frames, int64_t channels) {
  std::vector<double> out(static_cast<size_t>(frames), 0.0);
  for (int64_t t = 0; t < frames; ++t) {
    for (int64_t c = 0; c < channels; ++c) out[t] += plane[t * channels + c];
    out[t] /= static_cast<double>(channels);
  }
  return at::tensor(out, at::TensorOptions().dtype(at::kDouble));
}

void check_u8(const at::Tensor& pred, const at::Tensor& ref, const char* where) {
  check(pred.defined() && ref.defined() && pred.dim() == 4 && pred.size(3) == 3 && pred.scalar_type() == at::kByte &&
            ref.scalar_type() == at::kByte,
        "expected uint8 frames [T, H, W, 3]", where);
  check(pred.sizes() == ref.sizes(), "prediction and reference frames differ in shape", where);
}

}  // namespace

at::Tensor ssim(const at::Tensor& pred, const at::Tensor& ref, const SsimOptions& o) {
  check_pair(pred, ref, "eval::ssim");
  const SsimSetup setup = ssim_setup(o, pred.size(2), pred.size(3));
  // float64 throughout (float32 loses ~1e-4 of SSIM to cancellation in E[x^2] - mu^2 on flat
  // regions); the separable window equals torchmetrics' 2-D outer product.
  const at::Tensor x = pred.to(at::kDouble).contiguous(), y = ref.to(at::kDouble).contiguous();
  const int64_t frames = x.size(0), channels = x.size(1), h = x.size(2), w = x.size(3);
  std::vector<double> plane(static_cast<size_t>(frames * channels));
  at::parallel_for(0, frames * channels, 1, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p)
      plane[p] = ssim_plane(x.data_ptr<double>() + p * h * w, y.data_ptr<double>() + p * h * w, h, w, setup.g,
                            setup.c1, setup.c2);
  });
  return mean_over_channels(plane, frames, channels);
}

at::Tensor ssim_u8(const at::Tensor& pred, const at::Tensor& ref, const SsimOptions& o) {
  check_u8(pred, ref, "eval::ssim_u8");
  const at::Tensor x = pred.contiguous(), y = ref.contiguous();
  const int64_t frames = x.size(0), h = x.size(1), w = x.size(2);
  const SsimSetup setup = ssim_setup(o, h, w);
  std::vector<double> plane(static_cast<size_t>(frames * 3));
  at::parallel_for(0, frames * 3, 1, [&](int64_t begin, int64_t end) {
    // One channel plane at a time as float64 in [0, 1]: 2 x H x W doubles per thread.
    std::vector<double> a(static_cast<size_t>(h * w)), b(static_cast<size_t>(h * w));
    for (int64_t p = begin; p < end; ++p) {
      const int64_t t = p / 3, c = p % 3;
      const uint8_t* px = x.data_ptr<uint8_t>() + t * h * w * 3 + c;
      const uint8_t* py = y.data_ptr<uint8_t>() + t * h * w * 3 + c;
      for (int64_t i = 0; i < h * w; ++i) {
        a[i] = px[3 * i] / 255.0;
        b[i] = py[3 * i] / 255.0;
      }
      plane[p] = ssim_plane(a.data(), b.data(), h, w, setup.g, setup.c1, setup.c2);
    }
  });
  return mean_over_channels(plane, frames, 3);
}

at::Tensor psnr_u8(const at::Tensor& pred, const at::Tensor& ref, double cap_db) {
  check_u8(pred, ref, "eval::psnr_u8");
  const at::Tensor x = pred.contiguous(), y = ref.contiguous();
  const int64_t frames = x.size(0), n = x.numel() / std::max<int64_t>(frames, 1);
  std::vector<double> out(static_cast<size_t>(frames));
  at::parallel_for(0, frames, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const uint8_t* a = x.data_ptr<uint8_t>() + t * n;
      const uint8_t* b = y.data_ptr<uint8_t>() + t * n;
      int64_t sse = 0;  // exact: at most 255^2 per value
      for (int64_t i = 0; i < n; ++i) {
        const int d = static_cast<int>(a[i]) - static_cast<int>(b[i]);
        sse += d * d;
      }
      out[t] = sse == 0 ? cap_db : std::min(cap_db, 10.0 * std::log10(255.0 * 255.0 * n / static_cast<double>(sse)));
    }
  });
  return at::tensor(out, at::TensorOptions().dtype(at::kDouble));
}

}  // namespace nc::eval
