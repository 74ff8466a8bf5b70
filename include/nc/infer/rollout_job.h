// Rollouts over held-out clips (`nc rollout --from-shards`): every clip's first frame and
// caption through the engine, written as <out>/<clip id>.mp4 (what `nc eval` pairs with the
// references by id), with optional ground-truth | generated comparisons.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "nc/infer/rollout.h"

namespace nc::infer {

struct RolloutJobOptions {
  int limit = 0;              // clips to roll out; 0: all
  bool held_out = false;      // only the clips the config's data split holds out (data.val_every)
  int frames = 0;             // frames per rollout; 0: the reference clip's length
  bool side_by_side = false;  // also <id>_compare.mp4: reference | generated
  std::string format = "mp4"; // mp4 or gif
  uint64_t seed = 0;
  // The persistence baseline: every frame is the given first frame (no model runs). What a
  // neural computer must beat to show it renders change, not just the screen it was given.
  bool copy_first = false;
};

// Returns a summary (clips, frames, seconds, frames per second).
nlohmann::json rollout_shards(RolloutEngine& engine, const std::string& shards, const std::string& out_dir,
                              const RolloutJobOptions& options, const SamplerOptions& sampler);

// Writes frames ([3, T, H, W] in [-1, 1]) as .mp4 or .gif by the path's extension.
void write_video(const std::string& path, const at::Tensor& video, double fps);

}  // namespace nc::infer
