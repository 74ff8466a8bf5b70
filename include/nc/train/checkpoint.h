// Training checkpoints: one folder per step under <run>/checkpoints/, written under a temporary
// name and renamed, so that a crash never leaves a half-written checkpoint that looks whole:
//
//   step-00000500/  model.safetensors      the trained module's weights (by parameter name)
//                   ema.safetensors        their EMA (when train.ema_decay > 0)
//                   optimizer.safetensors  AdamW moments, its step, RNG states
//                   state.json             format, step, data position, schedule, elapsed, ...
//                   config.yaml            the resolved config of the run
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "nc/core/safetensors.h"
#include "nc/model/checkpoint_dir.h"

namespace nc::train {

using model::checkpoint_complete;
using model::kCheckpointVersion;
using model::latest_checkpoint;
using model::read_checkpoint_state;

struct CheckpointContent {
  int64_t step = 0;
  safetensors::NamedTensors model, ema, optimizer;
  nlohmann::json state = nlohmann::json::object();  // merged into state.json
  std::string config_yaml;
};

// Writes <run_dir>/checkpoints/step-<step>/ and deletes all but the newest `keep_last`.
std::string save_checkpoint(const std::string& run_dir, const CheckpointContent& content, int keep_last);

}  // namespace nc::train
