#include "nc/train/vae_bench.h"

#include <sys/resource.h>

#include <chrono>
#include <memory>
#include <string>

#include <ATen/TensorOperators.h>
#include <ATen/ops/rand.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/model/build.h"
#include "nc/train/stages.h"

namespace nc::train {
namespace {

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // Linux reports KiB
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void check_shape(int frames, int height, int width, const model::VaeOptions& vae, const std::string& what) {
  const int ts = vae.temporal_stride(), ss = vae.spatial_stride();
  check(frames >= 1 && (frames - 1) % ts == 0, fmt::format("frame count {} is not 1 + {}k", frames, ts), what);
  check(height > 0 && width > 0 && height % ss == 0 && width % ss == 0,
        fmt::format("frame size {}x{} is not a positive multiple of {}", width, height, ss), what);
}

}  // namespace

nlohmann::ordered_json VaeBenchResult::to_json() const {
  return {{"parameters", parameters},     {"encode_fps", encode_fps},         {"decode_fps", decode_fps},
          {"encode_s", encode_s},         {"decode_s", decode_s},             {"rss_before_mb", rss_before_mb},
          {"peak_rss_mb", peak_rss_mb},   {"train_step_s", train_step_s},     {"train_batch", train_batch},
          {"train_frames", train_frames}, {"train_height", train_height},     {"train_width", train_width}};
}

VaeBenchResult bench_vae(const Config& config, const VaeBenchOptions& o, const c10::Device& device) {
  const model::VaeOptions& vo = config.model.vae;
  check_shape(o.frames, o.height, o.width, vo, "--frames/--height/--width");
  VaeBenchResult r;
  r.train_batch = config.data.batch_size;
  r.train_frames = o.train_frames;
  r.train_height = o.train_height > 0 ? o.train_height : config.data.height > 0 ? config.data.height : o.height;
  r.train_width = o.train_width > 0 ? o.train_width : config.data.width > 0 ? config.data.width : o.width;
  check_shape(r.train_frames, r.train_height, r.train_width, vo, "--train-frames/--train-height/--train-width");
  check(o.train_steps >= 1, "at least one timed training step", "--train-steps");

  // 1. The clip, streamed: frames go in 1, 4, 4, ... at a time and latent frames come out one
  // by one, so neither the clip nor its reconstruction is ever held whole (bounded memory).
  {
    model::Vae vae = model::build_vae(vo, device);
    vae->eval();
    for (const auto& p : vae->parameters()) r.parameters += p.numel();
    c10::NoGradGuard no_grad;
    const int ts = vo.temporal_stride();
    {  // warm-up: one frame through both halves (allocator, kernels)
      model::VaeEncodeStream enc(vae);
      model::VaeDecodeStream dec(vae);
      dec.push(enc.push(at::rand({1, 3, 1, o.height, o.width}, at::TensorOptions().device(device)) * 2 - 1));
    }
    r.rss_before_mb = peak_rss_mb();
    model::VaeEncodeStream enc(vae);
    model::VaeDecodeStream dec(vae);
    int done = 0;
    while (done < o.frames) {
      const int n = done == 0 ? 1 : ts;
      const at::Tensor frames = at::rand({1, 3, n, o.height, o.width}, at::TensorOptions().device(device)) * 2 - 1;
      auto t0 = std::chrono::steady_clock::now();
      const at::Tensor latent = enc.push(frames);
      (void)latent.sum().item<double>();  // waits for the device
      r.encode_s += seconds_since(t0);
      t0 = std::chrono::steady_clock::now();
      const at::Tensor video = dec.push(latent);
      (void)video.sum().item<double>();
      r.decode_s += seconds_since(t0);
      done += n;
    }
    r.peak_rss_mb = peak_rss_mb();
    r.encode_fps = o.frames / r.encode_s;
    r.decode_fps = o.frames / r.decode_s;
  }

  // 2. Training steps of the vae stage on random frames of the training shape.
  {
    std::unique_ptr<Stage> stage = make_vae_stage(config, device);
    AdamW optimizer(stage->trainable(), config.train.optim);
    data::Batch batch;
    batch.video = at::rand({r.train_batch, 3, r.train_frames, r.train_height, r.train_width},
                           at::TensorOptions().device(device)) * 2 - 1;
    for (int b = 0; b < r.train_batch; ++b) {
      batch.ids.push_back("bench_" + std::to_string(b));
      batch.captions.emplace_back();
      batch.seeds.push_back(static_cast<uint64_t>(b) + 1);
    }
    auto step = [&] {
      optimizer.zero_grad();
      StepOutput out = stage->forward(batch);
      out.loss.backward();
      optimizer.step(config.train.optim.lr);
      (void)out.loss.item<double>();
    };
    step();  // warm-up
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < o.train_steps; ++i) step();
    r.train_step_s = seconds_since(t0) / o.train_steps;
  }
  return r;
}

}  // namespace nc::train
