// nc vae reconstruct | font-study, and nc bench vae: the video VAE's reconstruction quality
// (PAPER.md §3.1 Exp 1) and speed. Parses, resolves the config, calls the library
// (eval/vae_reconstruct.h, eval/vae_font_study.h, train/vae_bench.h). The vae group needs
// NC_WITH_VIDEO (MP4 output), font-study NC_WITH_TERM (the renderer); the benchmark is always built.
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "common.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/progress.h"
#include "nc/core/system_info.h"
#include "nc/model/build.h"
#include "nc/model/checkpoint_dir.h"
#include "nc/train/vae_bench.h"
#ifdef NC_WITH_VIDEO
#include "nc/eval/vae_reconstruct.h"
#endif
#ifdef NC_WITH_TERM
#include "nc/eval/vae_font_study.h"
#endif

namespace nc::cli {

#ifdef NC_WITH_VIDEO
namespace {

// The config of a VAE checkpoint: defaults < --config < the checkpoint's config.yaml < --set
// (docs/CONFIG.md). `ckpt` is a .safetensors file (its shape then comes from --config), a
// checkpoint folder or a run folder (its newest checkpoint). A DiT checkpoint stands for the
// VAE it was trained on (its model.vae.weights).
Config load_vae_config(const std::string& ckpt, const ConfigArgs& args) {
  config::Document doc = args.file.empty() ? config::Document{} : config::load_file(args.file);
  std::string weights = ckpt;
  std::error_code ec;
  if (std::filesystem::is_directory(ckpt, ec)) {
    const auto dir = model::latest_checkpoint(ckpt);
    if (!dir) throw Error("no complete checkpoint", ckpt, "train one: nc train --config configs/vae-tiny.yaml");
    weights = *dir;
    if (file_exists(*dir + "/config.yaml")) {
      config::merge(doc, config::load_file(*dir + "/config.yaml"));
      const Config saved = config::bind<Config>(doc);
      if (saved.train.stage != "vae") {
        check(!saved.model.vae.weights.empty(),
              "a " + saved.train.stage + " checkpoint whose config names no VAE (model.vae.weights)", *dir,
              "pass the VAE's own checkpoint");
        weights = saved.model.vae.weights;
      }
    }
  } else if (!file_exists(ckpt)) {
    throw Error("checkpoint not found", ckpt, "give a .safetensors file, a checkpoint folder or a run folder");
  }
  config::apply_override(doc, "model.vae.weights=" + nlohmann::json(weights).dump());
  for (const auto& assignment : args.overrides) config::apply_override(doc, assignment);
  return config::bind<Config>(doc);
}

// Progress over the library's (done, total, status) callbacks.
struct StepProgress {
  std::string label, unit;
  std::unique_ptr<Progress> progress;
  void operator()(int64_t done, int64_t total, const std::string& status) {
    if (!progress) progress = std::make_unique<Progress>(label, total, unit);
    progress->set_status(status);
    progress->set(done);
  }
};

void add_reconstruct(CLI::App& vae, Commands& commands) {
  struct Args {
    ConfigArgs config;
    std::string ckpt, shards, out;
    eval::ReconstructOptions options;
    bool no_videos = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = vae.add_subcommand(
      "reconstruct", "clips through the VAE (chunked): PSNR/SSIM per clip and overall, side-by-side MP4s");
  add_config_options(cmd, a->config);
  cmd->add_option("--ckpt", a->ckpt, "VAE weights: .safetensors, a checkpoint folder or a run folder")->required();
  cmd->add_option("--shards", a->shards, "clips: a .ncshard file or a folder with shards.json")->required();
  cmd->add_option("--out", a->out, "output folder: reconstruct.json, reconstruct.md, <clip>.mp4, config.yaml")
      ->required();
  cmd->add_option("--clips", a->options.clips, "at most this many clips, in shard order (0: all)")
      ->capture_default_str();
  cmd->add_option("--clip", a->options.ids, "only this clip id (repeatable; e.g. a run's held-out clips)");
  cmd->add_option("--frames", a->options.frames, "the first N frames of each clip, N = 1 + 4k (0: the most a clip has)")
      ->capture_default_str();
  cmd->add_flag("--no-videos", a->no_videos, "skip the side-by-side MP4s");
  commands.push_back({cmd, [a] {
                        Config config = load_vae_config(a->ckpt, a->config);
                        const c10::Device device = setup_run(config);
                        eval::ReconstructOptions o = a->options;
                        o.height = config.data.height;
                        o.width = config.data.width;
                        o.videos = !a->no_videos;
                        o.fps = config.clips.fps;
                        model::Vae vae = model::build_vae(config.model.vae, device);
                        write_resolved_config(a->out, config);
                        StepProgress progress{"reconstruct", "clip", nullptr};
                        auto doc = eval::reconstruct_shards(vae, a->shards, a->out, o, device, std::ref(progress));
                        if (progress.progress) progress.progress->finish();
                        std::cout << eval::reconstruct_markdown(doc);
                        log::info("wrote {}/reconstruct.json and {}/reconstruct.md", a->out, a->out);
                      }});
}

#ifdef NC_WITH_TERM
void add_font_study(CLI::App& vae, Commands& commands) {
  struct Args {
    ConfigArgs config;
    std::string ckpt, out;
    eval::FontStudyOptions options;
    bool no_ocr = false, no_videos = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = vae.add_subcommand(
      "font-study", "PAPER.md Exp 1: one terminal session at 13 px and 6 px through the VAE: PSNR, SSIM, OCR accuracy");
  add_config_options(cmd, a->config);
  cmd->add_option("--ckpt", a->ckpt, "VAE weights: .safetensors, a checkpoint folder or a run folder")->required();
  cmd->add_option("--out", a->out, "output folder: font_study.json, font_study.md, font_<px>px.mp4/.png, config.yaml")
      ->required();
  cmd->add_option("--sizes", a->options.font_sizes, "font sizes in px")->capture_default_str();
  cmd->add_option("--frames", a->options.frames, "frames, 1 + 4k (the session's lines appear over them)")
      ->capture_default_str();
  cmd->add_option("--cols", a->options.cols, "terminal columns")->capture_default_str();
  cmd->add_option("--rows", a->options.rows, "terminal rows")->capture_default_str();
  cmd->add_flag("--no-ocr", a->no_ocr, "PSNR and SSIM only");
  cmd->add_flag("--no-videos", a->no_videos, "skip the side-by-side MP4 and PNG per size");
  commands.push_back({cmd, [a] {
                        Config config = load_vae_config(a->ckpt, a->config);
                        const c10::Device device = setup_run(config);
                        eval::FontStudyOptions o = a->options;
                        o.ocr = !a->no_ocr;
                        o.videos = !a->no_videos;
                        o.ocr_options = config.eval.ocr;
                        o.fps = config.clips.fps;
                        model::Vae vae = model::build_vae(config.model.vae, device);
                        write_resolved_config(a->out, config);
                        StepProgress progress{"font study", "step", nullptr};
                        auto doc = eval::font_study(vae, config.render, o, a->out, device, std::ref(progress));
                        if (progress.progress) progress.progress->finish();
                        std::cout << eval::font_study_markdown(doc);
                        log::info("wrote {}/font_study.json and {}/font_study.md", a->out, a->out);
                      }});
}
#endif

}  // namespace

void add_vae_command(CLI::App& app, Commands& commands) {
  auto* vae = app.add_subcommand("vae", "the video VAE: reconstruction quality (docs/MODELS.md)");
  vae->require_subcommand(1);
  add_reconstruct(*vae, commands);
#ifdef NC_WITH_TERM
  add_font_study(*vae, commands);
#endif
}
#endif  // NC_WITH_VIDEO

void add_bench_vae_command(CLI::App& bench, Commands& commands) {
  struct Args {
    ConfigArgs config;
    train::VaeBenchOptions options;
    std::string out;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = bench.add_subcommand(
      "vae", "VAE encode/decode frames/s, peak memory for a 77-frame clip (chunked), training step time");
  add_config_options(cmd, a->config);
  cmd->add_option("--frames", a->options.frames, "clip length, 1 + 4k (77: 5 s at 15 fps)")->capture_default_str();
  cmd->add_option("--height", a->options.height, "frame height (multiple of 8)")->capture_default_str();
  cmd->add_option("--width", a->options.width, "frame width (multiple of 8)")->capture_default_str();
  cmd->add_option("--train-steps", a->options.train_steps, "timed training steps (after one warm-up)")
      ->capture_default_str();
  cmd->add_option("--train-frames", a->options.train_frames, "frames per training sample, 1 + 4k")
      ->capture_default_str();
  cmd->add_option("--train-height", a->options.train_height, "training frame height (0: data.height, else --height)");
  cmd->add_option("--train-width", a->options.train_width, "training frame width (0: data.width, else --width)");
  cmd->add_option("--out", a->out, "also write the results as JSON to this file");
  commands.push_back({cmd, [a] {
                        Config config = load_config(a->config);
                        const c10::Device device = setup_run(config);
                        const SystemInfo info = system_info();
                        const auto& o = a->options;
                        const train::VaeBenchResult r = train::bench_vae(config, o, device);
                        std::cout << fmt::format(
                            "vae on {} ({} threads): {} parameters\n"
                            "  {} frames {}x{}, chunked: encode {:.2f} frames/s ({:.2f} s), decode {:.2f} frames/s "
                            "({:.2f} s); peak RSS {:.0f} MB ({:.0f} MB before the clip)\n"
                            "  training step (batch {}, {} frames {}x{}): {:.3f} s\n",
                            device.str(), info.threads, r.parameters, o.frames, o.width, o.height, r.encode_fps,
                            r.encode_s, r.decode_fps, r.decode_s, r.peak_rss_mb, r.rss_before_mb, r.train_batch,
                            r.train_frames, r.train_width, r.train_height, r.train_step_s);
                        if (!a->out.empty())
                          write_file_atomic(a->out, nlohmann::ordered_json({{"benchmark", "vae"},
                                                                            {"device", device.str()},
                                                                            {"system", to_json(info)},
                                                                            {"results", r.to_json()}})
                                                            .dump(2) +
                                                        "\n");
                      }});
}

}  // namespace nc::cli
