// Clip shards: many clips in one file, built for random access by a training loader
// (docs/FORMATS.md "Clip shards"):
//
//   "NCSHARD1" | record 0 | record 1 | ... | index (JSON) | index offset u64 | index size u64 | "NCSHEND1"
//   record = meta JSON | coded frame 0 | ... | coded frame T-1 | raw tensor bytes ...
//
// The index gives every clip's id and the byte ranges of its parts, so reading clip i touches
// only its own bytes (the file is memory-mapped). Frames use the rle-delta-1 codec.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nc/core/file_util.h"
#include "nc/data/clip.h"

namespace nc {
class MappedFile;
}

namespace nc::data {

inline constexpr const char* kShardExtension = ".ncshard";

// Writes one shard; the file appears under its name only after finish().
class ShardWriter {
 public:
  explicit ShardWriter(std::string path);
  void add(const Clip& clip);
  void finish();
  size_t clips() const { return index_.size(); }
  uint64_t bytes() const { return offset_; }

 private:
  void write(const std::string& bytes);

  std::string path_;
  AtomicFileWriter out_;
  uint64_t offset_ = 0;
  std::vector<nlohmann::json> index_;
};

// Frames of a clip as stored: T frames of H x W x 3.
struct FrameShape {
  int64_t frames = 0, height = 0, width = 0;
  size_t bytes() const { return static_cast<size_t>(frames * height * width * 3); }
};

class ShardReader {
 public:
  explicit ShardReader(const std::string& path);

  const std::string& path() const { return path_; }
  size_t size() const { return entries_.size(); }
  const std::string& id(size_t i) const;
  std::optional<size_t> find(const std::string& id) const;
  FrameShape shape(size_t i) const;

  // The clip's record: id, fps, captions, text, events, data_info, meta, metadata, ...
  nlohmann::json record(size_t i) const;
  // Decodes all frames into `out` (shape(i).bytes() bytes, [T, H, W, 3]).
  void decode_frames(size_t i, uint8_t* out) const;
  // uint8 [T, H, W, 3].
  at::Tensor frames(size_t i) const;
  std::map<std::string, at::Tensor> tensors(size_t i) const;
  // Everything, as written.
  Clip clip(size_t i) const;

 private:
  struct Range {
    uint64_t offset = 0, size = 0;
  };
  struct TensorEntry {
    std::string name, dtype;
    std::vector<int64_t> shape;
    Range range;
  };
  struct Entry {
    std::string id;
    Range meta;
    FrameShape shape;
    std::vector<Range> frames;
    std::vector<TensorEntry> tensors;
  };
  std::string_view bytes(const Range& r) const;
  const Entry& entry(size_t i) const;

  std::string path_;
  std::shared_ptr<MappedFile> file_;
  std::vector<Entry> entries_;
};

// A directory of shards plus `shards.json` (the manifest a Dataset opens). shards.json is
// rewritten as each shard closes, so a run that dies keeps a consistent folder.
class ShardSetWriter {
 public:
  // `info` is stored in the manifest (the resolved config, the inputs). With `append`, the
  // shards already listed in the folder's shards.json are kept and new ones take free names.
  ShardSetWriter(std::string dir, size_t clips_per_shard, nlohmann::json info = {}, bool append = false);
  void add(const Clip& clip);
  // Called after each shard is finished (its file name, the ids of its clips).
  std::function<void(const std::string& file, const std::vector<std::string>& ids)> on_shard_done;
  // Closes the open shard and writes shards.json; returns the number of clips written.
  size_t finish();
  size_t clips() const { return total_; }

 private:
  void close_shard();
  void write_manifest();

  std::string dir_;
  std::vector<std::string> current_ids_;
  size_t clips_per_shard_;
  nlohmann::json info_;
  std::unique_ptr<ShardWriter> current_;
  std::string current_name_;
  std::vector<nlohmann::json> shards_;
  size_t total_ = 0;
};

// The shard files behind `path`: a .ncshard file, a directory with shards.json, or several of
// these joined with commas.
std::vector<std::string> shard_files(const std::string& path);

}  // namespace nc::data
