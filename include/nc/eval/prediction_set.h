// Generated videos on disk, as `nc rollout` writes them (docs/FORMATS.md "Rollout outputs"):
// a folder holding, per clip id, `<id>.mp4` (or any video libav reads: .gif, .webm, .mkv,
// .avi, .mov) or a folder `<id>/` of PNG frames (`0000.png`, `0001.png`, ... in name order).
// Reading is tolerant about the form; pairing is strict: an id present in two forms is an
// error, and ids without a partner are reported by the caller.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "nc/core/image.h"

namespace nc::eval {

struct PredictedVideo {
  std::vector<Image> frames;
  double fps = 0;  // the container's rate; 0 for PNG folders (the reference's rate applies)
};

class PredictionSet {
 public:
  // Scans `dir` (not recursive beyond one PNG folder level). nc::Error when `dir` is missing or
  // an id appears twice.
  explicit PredictionSet(const std::string& dir);

  const std::string& dir() const { return dir_; }
  std::vector<std::string> ids() const;  // sorted
  bool contains(const std::string& id) const { return paths_.count(id) != 0; }
  const std::string& path(const std::string& id) const;
  // Decodes every frame (at most `max_frames` when > 0).
  PredictedVideo read(const std::string& id, int64_t max_frames = 0) const;

 private:
  std::string dir_;
  std::map<std::string, std::string> paths_;  // id -> video file or PNG folder
};

}  // namespace nc::eval
