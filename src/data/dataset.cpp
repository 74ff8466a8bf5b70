#include "nc/data/dataset.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include <ATen/ops/adaptive_avg_pool2d.h>
#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/index_select.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/upsample_bilinear2d.h>

#include "nc/core/error.h"
#include "nc/video/resize.h"

namespace nc::data {
namespace {

// splitmix64: a tiny, portable generator, so that data orders are the same on every platform.
uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t hash_string(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

// ---- dataset -------------------------------------------------------------------------------------

ShardDataset::ShardDataset(const std::string& path) : path_(path) {
  for (const auto& file : shard_files(path)) {
    shards_.push_back(std::make_shared<ShardReader>(file));
    for (size_t c = 0; c < shards_.back()->size(); ++c) index_.push_back({shards_.size() - 1, c});
  }
  if (index_.empty()) throw Error("no clips in the shards", path, "render or import data first (nc data ...)");
}

ShardDataset::ShardDataset(const ShardDataset& parent, std::vector<size_t> indices)
    : path_(parent.path_), shards_(parent.shards_) {
  for (size_t i : indices) index_.push_back(parent.index_.at(i));
}

const std::string& ShardDataset::id(size_t i) const {
  const Ref& r = index_.at(i);
  return shards_[r.shard]->id(r.clip);
}

Sample ShardDataset::get(size_t i) const {
  if (i >= index_.size()) throw Error("sample index out of range", path_);
  const Ref& r = index_[i];
  const ShardReader& shard = *shards_[r.shard];
  Sample s;
  s.id = shard.id(r.clip);
  s.frames = shard.frames(r.clip);
  s.record = shard.record(r.clip);
  s.tensors = shard.tensors(r.clip);
  return s;
}

std::pair<std::shared_ptr<ShardDataset>, std::shared_ptr<ShardDataset>> split_dataset(const DataOptions& o) {
  if (o.train.empty()) throw Error("no training data given", "data.train", "set data.train to a shard folder");
  auto all = std::make_shared<ShardDataset>(o.train);
  if (!o.val.empty()) return {all, std::make_shared<ShardDataset>(o.val)};
  if (o.val_every <= 0) return {all, nullptr};
  // Held out by a hash of the clip id: stable when shards are added or reordered.
  std::vector<size_t> train, val;
  for (size_t i = 0; i < all->size(); ++i)
    (hash_string(all->id(i)) % static_cast<uint64_t>(o.val_every) == 0 ? val : train).push_back(i);
  if (train.empty()) throw Error("every clip was held out", "data.val_every", "use a larger value or data.val");
  return {std::make_shared<ShardDataset>(*all, train),
          val.empty() ? nullptr : std::make_shared<ShardDataset>(*all, val)};
}

// ---- samples to tensors ----------------------------------------------------------------------------

std::vector<int64_t> sample_frame_indices(int64_t total, int frames, bool window, int stride, uint64_t seed) {
  std::vector<int64_t> idx(frames);
  const int64_t span = static_cast<int64_t>(frames - 1) * stride + 1;
  const int64_t start = window && total > span ? static_cast<int64_t>(mix64(seed) % (total - span + 1)) : 0;
  for (int i = 0; i < frames; ++i) {
    if (window)
      idx[i] = std::min<int64_t>(start + static_cast<int64_t>(i) * stride, total - 1);
    else if (total >= frames)
      idx[i] = frames == 1 ? 0 : static_cast<int64_t>(std::llround(double(i) * (total - 1) / (frames - 1)));
    else
      idx[i] = std::min<int64_t>(i, total - 1);
  }
  return idx;
}

at::Tensor to_training_frames(const at::Tensor& picked, int height, int width) {
  // [T, H, W, 3] uint8 -> [T, 3, H, W] float in [-1, 1]
  at::Tensor x = picked.permute({0, 3, 1, 2}).to(at::kFloat).div_(127.5).sub_(1.0);
  const int64_t h = x.size(2), w = x.size(3);
  if (height > 0 && width > 0 && (h != height || w != width)) {
    auto geo = video::letterbox_geometry(static_cast<int>(w), static_cast<int>(h), width, height);
    const bool shrink = geo.content_w <= w && geo.content_h <= h;
    x = shrink ? at::adaptive_avg_pool2d(x, {geo.content_h, geo.content_w})
               : at::upsample_bilinear2d(x, {geo.content_h, geo.content_w}, /*align_corners=*/false);
    x = at::constant_pad_nd(x, {geo.pad_x, width - geo.content_w - geo.pad_x, geo.pad_y,
                                height - geo.content_h - geo.pad_y},
                            -1.0);
  }
  return x.permute({1, 0, 2, 3}).contiguous();  // [3, T, H, W]
}

at::Tensor prepare_video(const at::Tensor& frames_thwc, int frames, int height, int width) {
  const auto idx = sample_frame_indices(frames_thwc.size(0), frames, /*window=*/false, 1, 0);
  return to_training_frames(at::index_select(frames_thwc, 0, at::tensor(idx, at::kLong)), height, width);
}

at::Tensor busiest_crop(const at::Tensor& video, int ch, int cw, uint64_t seed) {
  const int64_t h = video.size(2), w = video.size(3);
  if (ch > h || cw > w)
    throw Error("a crop of " + std::to_string(cw) + "x" + std::to_string(ch) + " does not fit frames of " +
                    std::to_string(w) + "x" + std::to_string(h),
                "data.crop_height", "crop at most the frame size");
  at::Tensor best;
  double best_spread = -1;
  uint64_t state = seed;
  for (int draw = 0; draw < 4; ++draw) {
    state = mix64(state + 0x9E3779B97F4A7C15ull);
    const int64_t y = static_cast<int64_t>(state % static_cast<uint64_t>(h - ch + 1));
    const int64_t x = static_cast<int64_t>((state >> 32) % static_cast<uint64_t>(w - cw + 1));
    at::Tensor crop = video.slice(2, y, y + ch).slice(3, x, x + cw);
    const double spread = crop.select(1, 0).std().item<double>();
    if (spread > best_spread) {
      best_spread = spread;
      best = crop;
    }
  }
  return best.contiguous();
}

std::string caption_of(const nlohmann::json& record, const std::string& tier, uint64_t pick) {
  static const char* kKeys[] = {"caption", "caption_detailed", "caption_semantic"};
  const char* key = tier == "detailed" ? kKeys[1] : tier == "semantic" ? kKeys[2] : kKeys[0];
  if (tier == "random") key = kKeys[pick % 3];
  return record.value(key, std::string());
}

LoaderOptions LoaderOptions::from(const DataOptions& d, uint64_t seed, int rank, int world) {
  LoaderOptions o;
  o.batch_size = d.batch_size;
  o.frames = d.frames;
  o.window = d.frame_sampling == "window";
  o.frame_stride = d.frame_stride;
  o.crop_height = d.crop_height;
  o.crop_width = d.crop_width;
  o.height = d.height;
  o.width = d.width;
  o.workers = d.workers;
  o.prefetch = d.prefetch;
  o.caption = d.caption;
  o.shuffle = d.shuffle;
  o.seed = seed;
  o.rank = rank;
  o.world = world;
  return o;
}

// ---- loader ------------------------------------------------------------------------------------------

struct Loader::Impl {
  std::mutex mutex;
  std::condition_variable ready, room;
  std::map<int64_t, Batch> done;  // by sequence number
  std::exception_ptr error;
  int64_t next_to_build = 0, consumed = 0;
  bool stop = false;
  std::vector<std::thread> threads;
};

Loader::Loader(std::shared_ptr<const ShardDataset> dataset, LoaderOptions options, LoaderState start)
    : dataset_(std::move(dataset)), options_(options), taken_(start), impl_(std::make_unique<Impl>()) {
  const int64_t per_rank = static_cast<int64_t>(dataset_->size()) / options_.world;
  batches_per_epoch_ = per_rank / options_.batch_size;
  if (batches_per_epoch_ == 0)
    throw Error(std::to_string(dataset_->size()) + " clips cannot fill one batch of " +
                    std::to_string(options_.batch_size) + " on each of " + std::to_string(options_.world) +
                    " rank(s)",
                dataset_->path(), "lower data.batch_size or add clips");
  const int64_t first = start.epoch * batches_per_epoch_ + start.batch;
  impl_->next_to_build = impl_->consumed = first;
  for (int w = 0; w < std::max(1, options_.workers); ++w) {
    impl_->threads.emplace_back([this] {
      while (true) {
        int64_t seq;
        {
          std::unique_lock<std::mutex> lock(impl_->mutex);
          impl_->room.wait(lock, [&] {
            return impl_->stop || impl_->next_to_build < impl_->consumed + options_.prefetch;
          });
          if (impl_->stop) return;
          seq = impl_->next_to_build++;
        }
        try {
          Batch b = build(seq / batches_per_epoch_, seq % batches_per_epoch_);
          std::lock_guard<std::mutex> lock(impl_->mutex);
          impl_->done.emplace(seq, std::move(b));
        } catch (...) {
          std::lock_guard<std::mutex> lock(impl_->mutex);
          if (!impl_->error) impl_->error = std::current_exception();
        }
        impl_->ready.notify_all();
      }
    });
  }
}

Loader::~Loader() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stop = true;
  }
  impl_->room.notify_all();
  for (auto& t : impl_->threads) t.join();
}

Batch Loader::next() {
  std::unique_lock<std::mutex> lock(impl_->mutex);
  const int64_t seq = impl_->consumed;
  impl_->ready.wait(lock, [&] { return impl_->error || impl_->done.count(seq); });
  if (impl_->error) std::rethrow_exception(impl_->error);
  Batch b = std::move(impl_->done.at(seq));
  impl_->done.erase(seq);
  ++impl_->consumed;
  lock.unlock();
  impl_->room.notify_all();
  taken_.batch += 1;
  if (taken_.batch == batches_per_epoch_) {
    taken_.batch = 0;
    taken_.epoch += 1;
  }
  return b;
}

Batch Loader::build(int64_t epoch, int64_t batch) const {
  // The epoch's order: a seeded Fisher-Yates shuffle, then every world-th position for this rank.
  const size_t n = dataset_->size();
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  if (options_.shuffle) {
    uint64_t state = mix64(options_.seed * 0x100000001B3ull + static_cast<uint64_t>(epoch));
    for (size_t i = n - 1; i > 0; --i) {
      state = mix64(state);
      std::swap(order[i], order[state % (i + 1)]);
    }
  }
  Batch out;
  std::vector<at::Tensor> videos;
  std::map<std::string, std::vector<at::Tensor>> tensors;
  for (int k = 0; k < options_.batch_size; ++k) {
    const int64_t pos = (batch * options_.batch_size + k) * options_.world + options_.rank;
    const size_t index = order[static_cast<size_t>(pos)];
    Sample s = dataset_->get(index);
    const int64_t total = s.frames.size(0);
    const uint64_t pick = mix64(options_.seed ^ mix64(static_cast<uint64_t>(epoch) * 1000003ull + index));
    const uint64_t sample_seed = mix64(options_.seed * 0xD6E8FEB86659FD93ull ^
                                       mix64(static_cast<uint64_t>(epoch) * 0x100000001B3ull + static_cast<uint64_t>(pos)));
    const auto idx = at::tensor(
        sample_frame_indices(total, options_.frames, options_.window, options_.frame_stride, sample_seed ^ 0x51ull),
        at::kLong);
    at::Tensor video = to_training_frames(at::index_select(s.frames, 0, idx), options_.height, options_.width);
    if (options_.crop_height > 0) video = busiest_crop(video, options_.crop_height, options_.crop_width, sample_seed);
    videos.push_back(std::move(video));
    out.captions.push_back(caption_of(s.record, options_.caption, pick));
    out.ids.push_back(s.id);
    out.seeds.push_back(sample_seed);
    for (auto& [name, t] : s.tensors)
      tensors[name].push_back(t.size(0) == total ? at::index_select(t, 0, idx) : t);
  }
  for (size_t k = 1; k < videos.size(); ++k)
    if (videos[k].sizes() != videos[0].sizes())
      throw Error("clips " + out.ids[0] + " and " + out.ids[k] + " differ in size (" +
                      std::to_string(videos[0].size(3)) + "x" + std::to_string(videos[0].size(2)) + " and " +
                      std::to_string(videos[k].size(3)) + "x" + std::to_string(videos[k].size(2)) + ")",
                  dataset_->path(), "set data.width and data.height to letterbox every clip to one size");
  out.video = at::stack(videos);
  for (auto& [name, list] : tensors) out.tensors[name] = at::stack(list);
  if (options_.pin_memory) out.video = out.video.pin_memory();
  return out;
}

}  // namespace nc::data
