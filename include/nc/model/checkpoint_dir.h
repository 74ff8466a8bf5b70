// Finding and validating checkpoint folders (written by train::save_checkpoint): what every
// reader of trained weights needs (rollouts, evaluation, the DiT stage reading a VAE run).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace nc::model {

inline constexpr int kCheckpointVersion = 1;

// True when `dir` is a complete checkpoint (state.json says so and every file validates);
// otherwise `why` says what is wrong.
bool checkpoint_complete(const std::string& dir, std::string* why = nullptr);

// The newest complete checkpoint of a run folder, or `path` itself when it is a checkpoint.
// Incomplete and corrupt ones are skipped (and logged).
std::optional<std::string> latest_checkpoint(const std::string& path);

nlohmann::json read_checkpoint_state(const std::string& dir);

// (step, folder) of every checkpoint folder under <run_dir>/checkpoints, oldest first
// (complete or not).
std::vector<std::pair<int64_t, std::string>> list_checkpoints(const std::string& run_dir);

}  // namespace nc::model
