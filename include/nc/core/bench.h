// Micro-benchmarks shared by `nc bench` and the model benchmarks (which report their FLOP/s
// against the matrix-product peak measured in the same run).
#pragma once

#include <string>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

namespace nc::bench {

struct GemmResult {
  int n = 0;
  double seconds_per_product = 0;
  double gflops = 0;
};

// Times C = A·B for square n×n matrices after a warm-up; best of `repeats`.
GemmResult gemm(int n, int repeats, c10::ScalarType dtype = c10::kFloat,
                c10::Device device = c10::Device(c10::kCPU));

}  // namespace nc::bench
