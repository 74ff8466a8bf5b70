// Clips for training: a dataset over clip shards (random access, thread-safe) and a threaded
// loader that turns them into batches: [B, 3, T, H, W] float in [-1, 1], captions, per-frame
// tensors. The loader is deterministic given (seed, epoch, position) and shards the data by
// rank, so a run resumes exactly and data-parallel ranks see disjoint samples.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "nc/data/data_options.h"
#include "nc/data/shard.h"

namespace nc::data {

struct Sample {
  std::string id;
  at::Tensor frames;  // uint8 [T, H, W, 3]
  nlohmann::json record;
  std::map<std::string, at::Tensor> tensors;
};

class ShardDataset {
 public:
  // Every clip of the shards behind `path` (a .ncshard file or a folder with shards.json).
  explicit ShardDataset(const std::string& path);
  // A subset: the clips at `indices` of `parent`.
  ShardDataset(const ShardDataset& parent, std::vector<size_t> indices);

  size_t size() const { return index_.size(); }
  Sample get(size_t i) const;
  const std::string& id(size_t i) const;
  const std::string& path() const { return path_; }

 private:
  struct Ref {
    size_t shard, clip;
  };
  std::string path_;
  std::vector<std::shared_ptr<ShardReader>> shards_;
  std::vector<Ref> index_;
};

// Splits `all` into (train, val): val is `val_path` when given, else every `val_every`-th clip.
std::pair<std::shared_ptr<ShardDataset>, std::shared_ptr<ShardDataset>> split_dataset(const DataOptions& options);

struct Batch {
  at::Tensor video;                  // float [B, 3, T, H, W] in [-1, 1]
  std::vector<std::string> captions;
  std::vector<std::string> ids;
  std::map<std::string, at::Tensor> tensors;  // stacked per-frame tensors, [B, T, ...]
  // One seed per sample, from (seed, epoch, position in the epoch's order): random draws made
  // per sample from these do not depend on the number of ranks or on the batch split, so data
  // parallelism and exact resume reproduce a single-process run.
  std::vector<uint64_t> seeds;
};

// Where a loader is in its stream: `epoch` and the number of batches taken in it.
struct LoaderState {
  int64_t epoch = 0, batch = 0;
};

struct LoaderOptions {
  int batch_size = 1, frames = 9, height = 0, width = 0, workers = 2, prefetch = 4;
  bool window = false;  // frame_sampling: window (else spread)
  int frame_stride = 1, crop_height = 0, crop_width = 0;
  std::string caption = "regular";
  bool shuffle = true;
  uint64_t seed = 0;
  int rank = 0, world = 1;
  bool pin_memory = false;
  static LoaderOptions from(const DataOptions& d, uint64_t seed, int rank, int world);
};

// The frames a sample takes from a clip of `total` frames: `spread` evenly from first to last,
// or (window) consecutive frames `stride` apart from a start drawn from `seed`; clips too short
// repeat their last frame.
std::vector<int64_t> sample_frame_indices(int64_t total, int frames, bool window, int stride, uint64_t seed);

// Turns frames [T, H, W, 3] uint8 into the training form, letterboxed to height x width (when
// set): float [3, T, H, W] in [-1, 1].
at::Tensor to_training_frames(const at::Tensor& frames_thwc, int height, int width);

// `frames` frames spread evenly over a clip, in the training form (rollouts and references).
at::Tensor prepare_video(const at::Tensor& frames_thwc, int frames, int height, int width);

// A crop [3, T, ch, cw] of video [3, T, H, W] at the same place in every frame: of 4 positions
// drawn from `seed`, the one whose first frame varies most (terminal frames are mostly empty
// background, which teaches an autoencoder nothing).
at::Tensor busiest_crop(const at::Tensor& video, int ch, int cw, uint64_t seed);

// The caption of a record for a tier ("random" picks a tier from `pick`).
std::string caption_of(const nlohmann::json& record, const std::string& tier, uint64_t pick);

class Loader {
 public:
  Loader(std::shared_ptr<const ShardDataset> dataset, LoaderOptions options, LoaderState start = {});
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // The next batch (blocks until it is ready); epochs follow each other without end.
  Batch next();
  // The position after the batches taken so far (what a checkpoint stores).
  LoaderState state() const { return taken_; }
  int64_t batches_per_epoch() const { return batches_per_epoch_; }

 private:
  struct Impl;
  Batch build(int64_t epoch, int64_t batch) const;

  std::shared_ptr<const ShardDataset> dataset_;
  LoaderOptions options_;
  LoaderState taken_;
  int64_t batches_per_epoch_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nc::data
