// Random draws per sample, each from its own generator seeded by Batch::seeds: a sample gets
// the same noise whichever rank, batch split or resumed run draws it.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace nc::train {

// [B, ...shape] normal noise; sample b from seeds[b]. Drawn on the CPU, then moved.
at::Tensor randn_per_sample(const std::vector<uint64_t>& seeds, at::IntArrayRef shape, const at::TensorOptions& options,
                            uint64_t stream = 0);
// [B] uniform draws in [0, 1); `stream` separates draws of one sample (noise, sigma, dropout).
at::Tensor uniform_per_sample(const std::vector<uint64_t>& seeds, uint64_t stream);

}  // namespace nc::train
