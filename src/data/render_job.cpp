#include "nc/data/render_job.h"

#include <chrono>
#include <filesystem>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/progress.h"
#include "nc/data/shard.h"
#include "nc/data/term_clips.h"
#ifdef NC_WITH_VIDEO
#include "nc/video/mp4_writer.h"
#endif

namespace nc::data {
namespace fs = std::filesystem;

nlohmann::json RenderJobReport::to_json() const {
  return {{"inputs", inputs},
          {"failed", failed},
          {"clips", clips},
          {"frames", frames},
          {"dropped", {{"frozen", dropped_frozen}, {"sensitive", dropped_sensitive}, {"tail", dropped_tail}}},
          {"warnings", warnings},
          {"errors", errors},
          {"seconds", seconds}};
}

std::vector<std::string> find_casts(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(in, ec))
        if (e.is_regular_file() && e.path().extension() == ".cast") found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      if (found.empty()) throw Error("folder holds no .cast files", in);
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(in, ec)) {
      out.push_back(in);
    } else {
      throw Error("no such file or folder", in);
    }
  }
  return out;
}

RenderJobReport render_casts(const std::vector<std::string>& inputs, const std::string& out_dir,
                             const ClipOptions& clips, const term::RenderOptions& render,
                             const nlohmann::json& config) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> casts = find_casts(inputs);
  RenderJobReport report;
  report.inputs = static_cast<int>(casts.size());
  ShardSetWriter writer(out_dir, static_cast<size_t>(clips.clips_per_shard),
                        {{"config", config}, {"inputs", casts}});
#ifndef NC_WITH_VIDEO
  if (clips.preview_mp4) throw Error("this build has no video support", "clips.preview_mp4", "build with NC_WITH_VIDEO");
#endif
  if (clips.preview_mp4) make_dirs(out_dir + "/previews");

  Progress progress("render", report.inputs, "cast");
  for (const auto& path : casts) {
    try {
      TermSource source;
      source.cast = term::read_cast(path);
      for (const auto& w : source.cast.warnings) log::warn("{}", w);
      report.warnings += static_cast<int>(source.cast.warnings.size());
      source.id = fs::path(path).stem().string();
      source.metadata = {{"source_file", path}, {"title", source.cast.header.title},
                         {"timestamp", source.cast.header.timestamp}};
      const std::string sidecar = (fs::path(path).parent_path() / source.id).string() + clips.captions_sidecar;
      if (!clips.captions_sidecar.empty() && file_exists(sidecar)) {
        try {
          source.sidecar = nlohmann::json::parse(read_file(sidecar));
        } catch (const nlohmann::json::exception& e) {
          throw Error(std::string("captions sidecar is not valid JSON: ") + e.what(), sidecar);
        }
      }
      PlanReport r = render_term_clips(source, clips, render, [&](Clip&& clip) {
#ifdef NC_WITH_VIDEO
        if (clips.preview_mp4) {
          video::VideoWriterOptions vo;
          vo.fps = clip.fps;
          video::Mp4Writer mp4(out_dir + "/previews/" + clip.id + ".mp4", clip.frames[0].width,
                               clip.frames[0].height, vo);
          for (const auto& f : clip.frames) mp4.write(f);
          mp4.close();
        }
#endif
        report.frames += static_cast<int>(clip.frames.size());
        writer.add(clip);
      });
      report.clips += r.clips;
      report.dropped_frozen += r.dropped_frozen;
      report.dropped_sensitive += r.dropped_sensitive;
      report.dropped_tail += r.dropped_tail;
    } catch (const Error& e) {
      // One bad recording must not cost the others: report it and go on.
      ++report.failed;
      report.errors.push_back(e.what());
      log::error("{}", e.what());
    }
    progress.set_status(std::to_string(report.clips) + " clips");
    progress.advance();
  }
  progress.finish();
  writer.finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_file_atomic(out_dir + "/summary.json", report.to_json().dump(2) + "\n");
  return report;
}

}  // namespace nc::data
