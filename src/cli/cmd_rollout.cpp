// nc rollout: generate frames from a trained checkpoint, for one prompt and first frame, one
// clip of a shard, or every clip of a held-out set.
#include <iostream>

#include "common.h"
#include "nc/core/log.h"
#include "nc/data/dataset.h"
#include "nc/data/frames.h"
#include "nc/infer/rollout_job.h"
#include "nc/train/checkpoint.h"
#ifdef NC_WITH_VIDEO
#include "nc/video/png.h"
#endif

namespace nc::cli {

void add_rollout_command(CLI::App& app, Commands& commands) {
  struct Args {
    std::string ckpt, prompt, first_frame, from_clip, from_shards, out, sampler, format = "mp4";
    std::vector<std::string> overrides;
    int frames = 0, steps = 0, limit = 0;
    double cfg = -1, shift = -1;
    uint64_t seed = 0;
    bool untrained = false, side_by_side = false, held_out = false, copy_first = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("rollout", "generate frames from a checkpoint (one prompt, one clip, or a held-out set)");
  cmd->add_option("--ckpt", a->ckpt, "checkpoint folder, or a run folder (its newest checkpoint)")->required();
  cmd->add_option("--prompt", a->prompt, "the caption (with --first-frame)");
  cmd->add_option("--first-frame", a->first_frame, "PNG of the first screen (with --prompt)");
  cmd->add_option("--from-clip", a->from_clip, "SHARDS:CLIP_ID: that clip's first frame and caption");
  cmd->add_option("--from-shards", a->from_shards, "roll out every clip of these shards into --out (a folder)");
  cmd->add_option("--limit", a->limit, "with --from-shards: at most this many clips");
  cmd->add_flag("--held-out", a->held_out, "with --from-shards: only the clips the training split held out");
  cmd->add_option("--format", a->format, "with --from-shards: mp4 (default) or gif");
  cmd->add_option("--frames", a->frames, "frames to generate (longer than a training clip: chunk by chunk)");
  cmd->add_option("--steps", a->steps, "sampling steps (default: rollout.steps)");
  cmd->add_option("--cfg", a->cfg, "guidance scale (default: rollout.cfg)");
  cmd->add_option("--shift", a->shift, "sigma shift (default: rollout.shift)");
  cmd->add_option("--sampler", a->sampler, "euler or unipc (default: rollout.sampler)");
  cmd->add_option("--seed", a->seed, "noise seed");
  cmd->add_flag("--untrained", a->untrained, "keep the DiT's initial weights (a baseline)");
  cmd->add_flag("--copy-first", a->copy_first,
                "with --from-shards: repeat each clip's first frame instead of generating (the persistence baseline)");
  cmd->add_flag("--side-by-side", a->side_by_side, "also write reference | generated comparisons");
  cmd->add_option("--set", a->overrides, "override a key of the checkpoint's config")->take_all();
  cmd->add_option("--out,-o", a->out, "output .mp4/.gif, or a folder with --from-shards")->required();
  commands.push_back({cmd, [a] {
                        const auto ckpt = train::latest_checkpoint(a->ckpt);
                        if (!ckpt) throw Error("no complete checkpoint", a->ckpt, "train one with nc train");
                        Config config = config::load<Config>(*ckpt + "/config.yaml", a->overrides);
                        const c10::Device device = setup_run(config);
                        const infer::SamplerOptions sampler =
                            sampler_from_flags(config.rollout, a->steps, a->cfg, a->shift, a->sampler);
                        infer::RolloutEngine engine(config, *ckpt, device, a->untrained);

                        if (!a->from_shards.empty()) {
                          infer::RolloutJobOptions o;
                          o.limit = a->limit;
                          o.held_out = a->held_out;
                          o.format = a->format;
                          o.frames = a->frames;
                          o.side_by_side = a->side_by_side;
                          o.seed = a->seed;
                          o.copy_first = a->copy_first;
                          auto summary = infer::rollout_shards(engine, a->from_shards, a->out, o, sampler);
                          std::cout << "rolled out " << summary["clips"] << " clips (" << summary["frames"]
                                    << " frames, " << summary.value("frames_per_second", 0.0) << " frames/s) -> "
                                    << a->out << "\n";
                          return;
                        }
                        check(!a->copy_first, "--copy-first is a baseline over clips", "--copy-first",
                              "use it with --from-shards");
                        infer::RolloutRequest r;
                        r.seed = a->seed;
                        at::Tensor reference;
                        double fps = config.clips.fps;
                        if (!a->from_clip.empty()) {
                          const auto colon = a->from_clip.rfind(':');
                          check(colon != std::string::npos, "expected SHARDS:CLIP_ID", "--from-clip");
                          data::ShardDataset set(a->from_clip.substr(0, colon));
                          const std::string id = a->from_clip.substr(colon + 1);
                          size_t index = set.size();
                          for (size_t i = 0; i < set.size(); ++i)
                            if (set.id(i) == id) index = i;
                          check(index < set.size(), "no clip '" + id + "'", a->from_clip);
                          data::Sample s = set.get(index);
                          r.frames = a->frames > 0 ? a->frames : static_cast<int>(s.frames.size(0));
                          reference = data::prepare_video(s.frames, r.frames, config.data.height, config.data.width);
                          r.first_frame = reference.select(1, 0);
                          r.caption = a->prompt.empty() ? data::caption_of(s.record, "regular", 0) : a->prompt;
                          fps = s.record.value("fps", fps);
                        } else {
                          check(!a->prompt.empty() && !a->first_frame.empty(),
                                "give --prompt and --first-frame, --from-clip or --from-shards", "nc rollout");
#ifdef NC_WITH_VIDEO
                          at::Tensor image = data::from_images({video::read_png(a->first_frame)});  // [3, 1, H, W]
                          at::Tensor u8 = image.add(1).mul(127.5).round().clamp(0, 255).to(at::kByte).permute({1, 2, 3, 0});
                          r.first_frame = data::prepare_video(u8, 1, config.data.height, config.data.width).select(1, 0);
#else
                          throw Error("this build cannot read PNG files", "--first-frame", "build with NC_WITH_VIDEO");
#endif
                          r.caption = a->prompt;
                          r.frames = a->frames > 0 ? a->frames : config.data.frames;
                        }
                        at::Tensor video = engine.generate(r, sampler);
                        if (a->side_by_side && reference.defined())
                          video = data::from_images(data::side_by_side({data::to_images(reference), data::to_images(video)}));
                        infer::write_video(a->out, video, fps);
                        std::cout << "wrote " << video.size(1) << " frames to " << a->out << "\n";
                      }});
}

}  // namespace nc::cli
