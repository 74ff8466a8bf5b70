#include "nc/train/sample_random.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/stack.h>

namespace nc::train {
namespace {

at::Generator generator_for(uint64_t seed, uint64_t stream) {
  return at::make_generator<at::CPUGeneratorImpl>(seed ^ (stream * 0x9E3779B97F4A7C15ull));
}

}  // namespace

at::Tensor randn_per_sample(const std::vector<uint64_t>& seeds, at::IntArrayRef shape, const at::TensorOptions& options,
                            uint64_t stream) {
  std::vector<at::Tensor> rows;
  for (uint64_t s : seeds) rows.push_back(at::randn(shape, generator_for(s, stream), at::TensorOptions().dtype(at::kFloat)));
  return at::stack(rows).to(options);
}

at::Tensor uniform_per_sample(const std::vector<uint64_t>& seeds, uint64_t stream) {
  at::Tensor out = at::empty({static_cast<int64_t>(seeds.size())}, at::kDouble);
  for (size_t i = 0; i < seeds.size(); ++i) {
    at::Generator g = generator_for(seeds[i], stream);
    out[static_cast<int64_t>(i)] = at::empty({1}, at::kDouble).uniform_(0, 1, g).item<double>();
  }
  return out;
}

}  // namespace nc::train
