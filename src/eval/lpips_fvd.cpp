#include <ATen/TensorOperators.h>
#include <ATen/ops/adaptive_avg_pool2d.h>
#include <ATen/ops/index_select.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/upsample_bilinear2d.h>

#include <cmath>

#include "nc/core/error.h"
#include "nc/eval/frechet.h"
#include "nc/eval/fvd.h"
#include "nc/eval/lpips.h"

namespace nc::eval {

at::Tensor Lpips::distance(const at::Tensor& pred, const at::Tensor& ref) {
  check(pred.dim() == 4 && pred.size(1) == 3 && pred.sizes() == ref.sizes(), "LPIPS needs two [N, 3, H, W] batches",
        net_.path());
  at::Tensor d = net_.forward({pred.to(at::kFloat) * 2 - 1, ref.to(at::kFloat) * 2 - 1});
  check(d.numel() == pred.size(0),
        "the LPIPS module returned " + std::to_string(d.numel()) + " values for " + std::to_string(pred.size(0)) +
            " pairs",
        net_.path());
  return d.reshape({-1}).to(at::kDouble).cpu();
}

std::vector<int64_t> fvd_frame_indices(int64_t total, int count) {
  std::vector<int64_t> idx;
  if (total <= 0 || count <= 0) return idx;
  if (total >= count) {
    for (int i = 0; i < count; ++i)
      idx.push_back(count == 1 ? 0 : static_cast<int64_t>(std::lround(double(i) * (total - 1) / (count - 1))));
  } else {
    for (int64_t i = 0; i < count; ++i) idx.push_back(std::min(i, total - 1));
  }
  return idx;
}

at::Tensor fvd_clip(const at::Tensor& frames, int count, int size) {
  check(frames.dim() == 4 && frames.size(1) == 3 && frames.size(0) > 0, "expected frames [T, 3, H, W]", "eval::fvd_clip");
  std::vector<int64_t> idx = fvd_frame_indices(frames.size(0), count);
  at::Tensor x = at::index_select(frames.to(at::kFloat), 0, at::tensor(idx, at::kLong));
  const int64_t h = x.size(2), w = x.size(3);
  if (h >= size && w >= size) {
    x = at::adaptive_avg_pool2d(x, {size, size});
  } else if (h != size || w != size) {
    x = at::upsample_bilinear2d(x, {size, size}, false);
  }
  at::Tensor mean = at::tensor(std::vector<double>(kKineticsMean, kKineticsMean + 3), at::kFloat).view({1, 3, 1, 1});
  at::Tensor std = at::tensor(std::vector<double>(kKineticsStd, kKineticsStd + 3), at::kFloat).view({1, 3, 1, 1});
  x = (x - mean) / std;
  return x.permute({1, 0, 2, 3}).contiguous();  // [3, F, S, S]
}

at::Tensor FvdFeatures::features(const at::Tensor& clips) {
  check(clips.dim() == 5 && clips.size(1) == 3, "FVD needs clips [N, 3, F, S, S]", net_.path());
  at::Tensor f = net_.forward({clips.to(at::kFloat)});
  check(f.dim() >= 2 && f.size(0) == clips.size(0), "the FVD module must return features [N, D]", net_.path());
  return f.reshape({f.size(0), -1}).to(at::kDouble).cpu();
}

double fvd_from_features(const at::Tensor& real, const at::Tensor& generated) {
  return frechet_distance(fit_gaussian(real), fit_gaussian(generated));
}

}  // namespace nc::eval
