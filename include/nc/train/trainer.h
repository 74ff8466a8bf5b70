// One training loop for every stage (VAE, terminal DiT, GUI DiT with actions). run() reads top to
// bottom: data, stage, optimiser, resume, then the loop (micro-batches, gradient sync, clip,
// step, EMA, logs, held-out loss, samples, checkpoints), then the final checkpoint.
//
// A run folder holds config.yaml, metrics.jsonl (one JSON record per logged step and per
// evaluation), checkpoints/step-*/, samples/step-*/ and summary.json.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "nc/config.h"
#include "nc/train/distributed.h"

namespace nc::train {

struct TrainerOptions {
  std::string run_dir;
  bool resume = false;  // continue from the newest complete checkpoint in run_dir
  std::string resume_from;  // or from this checkpoint folder
};

struct TrainSummary {
  int64_t first_step = 0, last_step = 0;
  double first_loss = 0, last_loss = 0, val_loss = -1, seconds = 0, samples_per_second = 0;
  std::string checkpoint;
  bool stopped_early = false;  // SIGTERM/SIGINT or train.max_minutes
  nlohmann::json to_json() const;
};

class Trainer {
 public:
  Trainer(Config config, TrainerOptions options);
  TrainSummary run();

 private:
  Config config_;
  TrainerOptions options_;
};

// A checkpoint's config must describe the same model and data shapes as the run resuming from
// it; returns the first differences ("model.dit.dim: 64 in the checkpoint, 128 now"), empty
// when compatible.
std::vector<std::string> resume_conflicts(const nlohmann::json& saved, const nlohmann::json& current);

// Asks the running trainer (if any) to checkpoint and stop: what SIGTERM/SIGINT do.
void request_stop();

}  // namespace nc::train
