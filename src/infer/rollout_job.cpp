#include "nc/infer/rollout_job.h"

#include <chrono>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/progress.h"
#include "nc/core/strings.h"
#include "nc/data/dataset.h"
#include "nc/data/frames.h"
#ifdef NC_WITH_VIDEO
#include "nc/video/gif_writer.h"
#include "nc/video/mp4_writer.h"
#endif

namespace nc::infer {

void write_video(const std::string& path, const at::Tensor& video, double fps) {
#ifdef NC_WITH_VIDEO
  const std::vector<Image> frames = data::to_images(video);
  if (ends_with(path, ".gif")) {
    video::GifWriter w(path, frames[0].width, frames[0].height, fps);
    for (const auto& f : frames) w.write(f);
    w.close();
  } else {
    video::VideoWriterOptions o;
    o.fps = fps;
    video::Mp4Writer w(path, frames[0].width, frames[0].height, o);
    for (const auto& f : frames) w.write(f);
    w.close();
  }
#else
  (void)video;
  (void)fps;
  throw Error("this build cannot write videos", path, "build with NC_WITH_VIDEO");
#endif
}

nlohmann::json rollout_shards(RolloutEngine& engine, const std::string& shards, const std::string& out_dir,
                              const RolloutJobOptions& o, const SamplerOptions& sampler) {
  check(o.format == "mp4" || o.format == "gif", "unknown video format '" + o.format + "'", "--format", "use mp4 or gif");
  const Config& config = engine.config();
  std::shared_ptr<const data::ShardDataset> clips;
  if (o.held_out) {
    // The same split training made: by a hash of each clip id, every data.val_every-th.
    data::DataOptions d = config.data;
    d.train = shards;
    d.val.clear();
    clips = data::split_dataset(d).second;
    check(clips != nullptr, "no clip of these shards is held out", shards, "raise data.val_every or drop --held-out");
  } else {
    clips = std::make_shared<data::ShardDataset>(shards);
  }
  const data::ShardDataset& set = *clips;
  make_dirs(out_dir);
  const size_t count = o.limit > 0 ? std::min<size_t>(set.size(), static_cast<size_t>(o.limit)) : set.size();
  Progress progress("rollout", static_cast<int64_t>(count), "clip");
  const auto start = std::chrono::steady_clock::now();
  int64_t frames_out = 0;
  for (size_t i = 0; i < count; ++i) {
    data::Sample s = set.get(i);
    const int frames = o.frames > 0 ? o.frames : static_cast<int>(s.frames.size(0));
    const at::Tensor reference = data::prepare_video(s.frames, frames, config.data.height, config.data.width);
    RolloutRequest r;
    r.first_frame = reference.select(1, 0);
    r.caption = data::caption_of(s.record, config.data.caption == "random" ? "regular" : config.data.caption, 0);
    r.frames = frames;
    r.seed = o.seed + i;
    if (engine.uses_actions() && !o.copy_first) {
      // The clip's own actions, frame for frame: no resampling, so the rollout is as long as the clip.
      check(frames == s.frames.size(0),
            "a rollout that follows the clip's actions has its " + std::to_string(s.frames.size(0)) + " frames, not " +
                std::to_string(frames),
            s.id, "leave --frames out");
      r.actions = model::ActionInputs::from_tensors(s.tensors, config.model.action).unsqueeze_batch();
    }
    const at::Tensor video =
        o.copy_first ? r.first_frame.unsqueeze(1).expand({-1, frames, -1, -1}).contiguous() : engine.generate(r, sampler);
    const double fps = s.record.value("fps", 15.0);
    write_video(out_dir + "/" + s.id + "." + o.format, video, fps);
    if (o.side_by_side) {
      auto columns = data::side_by_side({data::to_images(reference), data::to_images(video)});
      write_video(out_dir + "/" + s.id + "_compare." + o.format, data::from_images(columns), fps);
    }
    frames_out += video.size(1);
    progress.advance();
  }
  progress.finish();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json summary = {{"clips", count}, {"frames", frames_out}, {"seconds", secs},
                            {"frames_per_second", secs > 0 ? frames_out / secs : 0},
                            {"sampler", sampler.sampler}, {"steps", sampler.steps}, {"cfg", sampler.cfg}};
  if (o.copy_first) summary = {{"clips", count}, {"frames", frames_out}, {"baseline", "copy-first"}};
  write_file_atomic(out_dir + "/rollout.json", summary.dump(2) + "\n");
  return summary;
}

}  // namespace nc::infer
