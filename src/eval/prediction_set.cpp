#include "nc/eval/prediction_set.h"

#include <algorithm>
#include <filesystem>

#include "nc/core/error.h"
#include "nc/core/strings.h"
#include "nc/video/png.h"
#include "nc/video/video_reader.h"

namespace nc::eval {
namespace fs = std::filesystem;

namespace {

bool is_video_extension(std::string ext) {
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".mp4", ".gif", ".webm", ".mkv", ".avi", ".mov"})
    if (ext == e) return true;
  return false;
}

bool is_png(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png";
}

std::vector<std::string> png_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && is_png(e.path())) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

PredictionSet::PredictionSet(const std::string& dir) : dir_(dir) {
  std::error_code ec;
  check(fs::is_directory(dir, ec), "no such folder of predictions", dir,
        "give the folder nc rollout wrote (<clip_id>.mp4 / .gif / <clip_id>/NNNN.png)");
  for (const auto& e : fs::directory_iterator(dir)) {
    const fs::path& p = e.path();
    const std::string name = p.filename().string();
    if (name.empty() || name[0] == '.' || name.find(".tmp-") != std::string::npos) continue;  // hidden, unfinished
    std::string id;
    if (e.is_regular_file() && is_video_extension(p.extension().string())) {
      id = p.stem().string();
      if (ends_with(id, "_compare")) continue;  // nc rollout --side-by-side's reference | generated views
    } else if (e.is_directory() && !png_files(p.string()).empty()) {
      id = p.filename().string();
    } else {
      continue;
    }
    auto [it, fresh] = paths_.emplace(id, p.string());
    check(fresh, "clip id '" + id + "' has two predictions: " + it->second + " and " + p.string(), dir,
          "keep one per id");
  }
}

std::vector<std::string> PredictionSet::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, path] : paths_) out.push_back(id);
  return out;
}

const std::string& PredictionSet::path(const std::string& id) const {
  auto it = paths_.find(id);
  check(it != paths_.end(), "no prediction for clip '" + id + "'", dir_);
  return it->second;
}

PredictedVideo PredictionSet::read(const std::string& id, int64_t max_frames) const {
  const std::string& p = path(id);
  PredictedVideo out;
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    for (const auto& f : png_files(p)) {
      if (max_frames > 0 && static_cast<int64_t>(out.frames.size()) >= max_frames) break;
      out.frames.push_back(video::read_png(f));
      const Image& a = out.frames.front();
      const Image& b = out.frames.back();
      check(a.width == b.width && a.height == b.height, "PNG frames of different sizes", f);
    }
    return out;
  }
  video::VideoReader reader(p);
  out.fps = reader.fps();
  Image frame;
  while ((max_frames <= 0 || static_cast<int64_t>(out.frames.size()) < max_frames) && reader.read(frame))
    out.frames.push_back(frame);
  check(!out.frames.empty(), "the video has no frames", p);
  return out;
}

}  // namespace nc::eval
