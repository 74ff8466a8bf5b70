#include "nc/core/bench.h"

#include <chrono>
#include <limits>

#include <ATen/core/Tensor.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/randn.h>

#include "nc/core/error.h"

namespace nc::bench {

GemmResult gemm(int n, int repeats, c10::ScalarType dtype, c10::Device device) {
  check(n > 0 && repeats > 0, "gemm size and repeats must be positive");
  auto opts = at::TensorOptions().dtype(dtype).device(device);
  at::Tensor a = at::randn({n, n}, opts), b = at::randn({n, n}, opts);
  auto sync = [&](const at::Tensor& t) { (void)t.sum().item<double>(); };
  sync(at::mm(a, b));  // warm-up: thread pools, BLAS kernels, CUDA context
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    at::Tensor c = at::mm(a, b);
    if (device.is_cuda()) sync(c);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  GemmResult result;
  result.n = n;
  result.seconds_per_product = best;
  result.gflops = 2.0 * n * double(n) * n / best / 1e9;
  return result;
}

}  // namespace nc::bench
