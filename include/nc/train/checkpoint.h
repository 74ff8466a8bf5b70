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

namespace nc::train {

inline constexpr int kCheckpointVersion = 1;

struct CheckpointContent {
  int64_t step = 0;
  safetensors::NamedTensors model, ema, optimizer;
  nlohmann::json state = nlohmann::json::object();  // merged into state.json
  std::string config_yaml;
};

// Writes <run_dir>/checkpoints/step-<step>/ and deletes all but the newest `keep_last`.
std::string save_checkpoint(const std::string& run_dir, const CheckpointContent& content, int keep_last);

// True when `dir` is a complete checkpoint (state.json says so and every file validates);
// otherwise `why` says what is wrong.
bool checkpoint_complete(const std::string& dir, std::string* why = nullptr);

// The newest complete checkpoint of a run folder, or `path` itself when it is a checkpoint.
// Incomplete and corrupt ones are skipped (and logged).
std::optional<std::string> latest_checkpoint(const std::string& path);

nlohmann::json read_checkpoint_state(const std::string& dir);

}  // namespace nc::train
