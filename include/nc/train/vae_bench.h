// `nc bench vae`: the video VAE's speed and memory on the configured device (docs/BENCHMARKS.md):
// chunked encode and decode of one clip in frames per second, the process's peak resident
// memory after that clip (a 5-second clip is 77 frames at 15 fps), and the time of one
// training step of the vae stage (forward, backward, AdamW) on a batch of the data section's
// shape.
#pragma once

#include <cstdint>

#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include "nc/config.h"

namespace nc::train {

struct VaeBenchOptions {
  int frames = 77;              // the chunked clip: 1 + 4k (77: 5 s at 15 fps, 1 + 4 x 19)
  int height = 384, width = 640;  // an 80x24 terminal at 13 px (8x16 px cells)
  int train_steps = 3;          // timed training steps (after one untimed warm-up step)
  int train_frames = 9;         // frames per training sample (1 + 4k)
  int train_height = 0, train_width = 0;  // training frame size; 0: data.height/width, else height/width
};

struct VaeBenchResult {
  int64_t parameters = 0;
  double encode_fps = 0, decode_fps = 0;        // frames per second, chunked, the whole clip
  double encode_s = 0, decode_s = 0;
  double rss_before_mb = 0, peak_rss_mb = 0;    // after building the model; peak after the clip
  double train_step_s = 0;                      // mean of the timed steps
  int train_batch = 0, train_frames = 0, train_height = 0, train_width = 0;
  nlohmann::ordered_json to_json() const;
};

// Runs the benchmark with `config`'s VAE (random weights: speed does not depend on them) and
// its data.batch_size and train.optim. The clip's peak memory is measured first, before the
// training step raises the process's high-water mark.
VaeBenchResult bench_vae(const Config& config, const VaeBenchOptions& options, const c10::Device& device);

}  // namespace nc::train
