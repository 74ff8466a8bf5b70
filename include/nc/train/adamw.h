// AdamW with decoupled weight decay, the update PyTorch's torch.optim.AdamW makes, written
// here so that its state is plain named tensors (optimizer.safetensors) and resumes exactly.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/core/safetensors.h"
#include "nc/train/train_options.h"

namespace nc::train {

using NamedParams = std::vector<std::pair<std::string, at::Tensor>>;

class AdamW {
 public:
  AdamW(NamedParams params, OptimOptions options);

  // One update with learning rate `lr` from the parameters' .grad() (parameters without a
  // gradient are skipped, as PyTorch does).
  void step(double lr);
  void zero_grad();
  int64_t steps() const { return steps_; }
  const NamedParams& params() const { return params_; }

  // "<name>.exp_avg", "<name>.exp_avg_sq" and "adamw.step".
  safetensors::NamedTensors state() const;
  // Restores state(); throws nc::Error naming the file on a missing or mis-shaped tensor.
  void load_state(const safetensors::File& file);

 private:
  NamedParams params_;
  OptimOptions options_;
  std::vector<at::Tensor> exp_avg_, exp_avg_sq_;
  int64_t steps_ = 0;
};

// Global L2 norm of the gradients, and their scaling to `max_norm` when above it (0: no clip).
double clip_grad_norm(const NamedParams& params, double max_norm);

// Learning rate at `step` (0-based): linear warm-up, then cosine to min_lr_ratio x lr, or constant.
double learning_rate(const ScheduleOptions& schedule, double peak, int64_t step, int64_t total_steps);

// Exponential moving average of parameters (kept in float32).
class Ema {
 public:
  Ema(const NamedParams& params, double decay);
  void update(const NamedParams& params);
  safetensors::NamedTensors state() const;
  void load_state(const safetensors::File& file);

 private:
  double decay_;
  safetensors::NamedTensors shadow_;
};

}  // namespace nc::train
