// What a training run trains: a stage owns its modules (trained and frozen), computes the loss
// of a batch, and can write sample videos. Stages come from a registry keyed by train.stage.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "nc/config.h"
#include "nc/data/dataset.h"
#include "nc/train/adamw.h"

namespace torch::nn {
class Module;
}

namespace nc::train {

struct StepOutput {
  at::Tensor loss;                         // scalar, differentiable
  std::map<std::string, double> metrics;   // logged as they are (loss parts, PSNR, ...)
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string name() const = 0;
  // The trained module: its parameters are checkpointed (model.safetensors) by name.
  virtual torch::nn::Module& module() = 0;
  NamedParams trainable();
  // The loss of `batch`. Random draws use the default generator, which the trainer seeds from
  // (seed, step, micro-batch, rank) before every call: resumes are exact without RNG state.
  virtual StepOutput forward(const data::Batch& batch) = 0;
  // Writes sample videos for `batch` into `dir` (reconstructions, rollouts). Optional.
  virtual void write_samples(const data::Batch& batch, const std::string& dir) {}
};

std::unique_ptr<Stage> make_stage(const Config& config, const c10::Device& device);

}  // namespace nc::train
