#include "nc/eval/vae_reconstruct.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include <ATen/TensorOperators.h>
#include <ATen/ops/round.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/strings.h"
#include "nc/data/dataset.h"
#include "nc/data/frames.h"
#include "nc/eval/psnr_ssim.h"
#include "nc/video/mp4_writer.h"

namespace nc::eval {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// [3, T, H, W] float in [-1, 1] -> uint8 [T, H, W, 3], as the shards store frames.
at::Tensor to_u8(const at::Tensor& video) {
  return at::round((video.detach().to(at::kCPU).to(at::kFloat) + 1.0) * 127.5)
      .clamp(0, 255)
      .to(at::kByte)
      .permute({1, 2, 3, 0})
      .contiguous();
}

// The frames of one clip used for the study: `wanted` (or the largest 1 + 4k the clip has),
// letterboxed when asked; uint8 [T, H, W, 3].
at::Tensor clip_frames(const data::Sample& s, const ReconstructOptions& o, int64_t stride, const std::string& where) {
  const int64_t total = s.frames.size(0);
  int64_t t = o.frames > 0 ? o.frames : 1 + (total - 1) / stride * stride;
  check(t <= total, fmt::format("clip '{}' has {} frames, fewer than the {} asked for", s.id, total, t), where,
        "ask for fewer with --frames, or leave it out (the most each clip allows)");
  at::Tensor frames = s.frames.narrow(0, 0, t);
  if (o.height > 0 && o.width > 0) frames = to_u8(data::prepare_video(frames, static_cast<int>(t), o.height, o.width));
  return frames.contiguous();
}

}  // namespace

at::Tensor vae_roundtrip(model::Vae& vae, const at::Tensor& frames_u8, const c10::Device& device,
                         double* encode_s, double* decode_s, at::Tensor* latent_out) {
  check(frames_u8.defined() && frames_u8.dim() == 4 && frames_u8.size(3) == 3 &&
            frames_u8.scalar_type() == at::kByte,
        "expected uint8 frames [T, H, W, 3]", "vae round trip");
  c10::NoGradGuard no_grad;
  // [T, H, W, 3] uint8 -> [1, 3, T, H, W] in [-1, 1]
  const at::Tensor video = frames_u8.permute({3, 0, 1, 2}).to(device).to(at::kFloat).div(127.5).sub(1.0).unsqueeze(0);
  auto t0 = std::chrono::steady_clock::now();
  const at::Tensor latent = vae->encode(video, model::VaePass::kChunked);
  if (encode_s) *encode_s = seconds_since(t0);
  if (latent_out) *latent_out = latent;
  t0 = std::chrono::steady_clock::now();
  const at::Tensor decoded = vae->decode(latent, model::VaePass::kChunked);
  const at::Tensor out = to_u8(decoded[0]);  // the copy to CPU waits for the device
  if (decode_s) *decode_s = seconds_since(t0);
  return out;
}

at::Tensor flat_frames(const at::Tensor& frames_u8) {
  check(frames_u8.dim() == 4 && frames_u8.size(3) == 3, "expected frames [T, H, W, 3]",
        "flat_frames");
  const at::Tensor median = std::get<0>(frames_u8.flatten(1, 2).median(1));  // [T, 3]
  return median.view({-1, 1, 1, 3}).expand_as(frames_u8).contiguous();
}

ReconstructionScore score_reconstruction(const at::Tensor& reference_u8,
                                         const at::Tensor& reconstruction_u8) {
  ReconstructionScore s;
  s.psnr = psnr_u8(reconstruction_u8, reference_u8);
  s.ssim = ssim_u8(reconstruction_u8, reference_u8);
  s.mean_psnr = s.psnr.mean().item<double>();
  s.mean_ssim = s.ssim.mean().item<double>();
  return s;
}

nlohmann::ordered_json reconstruct_shards(model::Vae& vae, const std::string& shards, const std::string& out_dir,
                                          const ReconstructOptions& o, const c10::Device& device,
                                          const ReconstructStep& on_step) {
  const int64_t ts = vae->options().temporal_stride(), ss = vae->options().spatial_stride();
  check(o.frames >= 0 && (o.frames == 0 || (o.frames - 1) % ts == 0),
        fmt::format("frame count {} is not 1 + {}k", o.frames, ts), "--frames",
        fmt::format("use 1, {}, {}, ... frames", 1 + ts, 1 + 2 * ts));
  check(o.clips >= 0, "clip count must not be negative (0: all clips)", "--clips");
  check((o.height == 0) == (o.width == 0), "set both height and width, or neither", "data.height");
  check(o.height % ss == 0 && o.width % ss == 0,
        fmt::format("letterbox size {}x{} is not a multiple of the VAE's stride {}", o.width, o.height, ss),
        "data.height");

  data::ShardDataset all(shards);
  std::vector<size_t> picked;
  for (const std::string& id : o.ids) {
    size_t i = 0;
    while (i < all.size() && all.id(i) != id) ++i;
    check(i < all.size(), "no clip '" + id + "'", shards, "list the clips with nc data inspect");
    picked.push_back(i);
  }
  const data::ShardDataset set = o.ids.empty() ? all : data::ShardDataset(all, picked);
  check(set.size() > 0, "no clips", shards);
  const size_t n = o.clips > 0 ? std::min<size_t>(set.size(), static_cast<size_t>(o.clips)) : set.size();
  make_dirs(out_dir);
  vae->eval();

  nlohmann::ordered_json clips = nlohmann::ordered_json::array();
  double sum_psnr = 0, sum_ssim = 0, sum_flat_psnr = 0, sum_flat_ssim = 0, enc_s = 0, dec_s = 0;
  int64_t frames_total = 0;
  const int64_t z = vae->options().z_dim;
  at::Tensor latent_sum = at::zeros({z}, at::kDouble), latent_sq = at::zeros({z}, at::kDouble);
  double latent_count = 0;
  for (size_t i = 0; i < n; ++i) {
    if (on_step) on_step(static_cast<int64_t>(i), static_cast<int64_t>(n), set.id(i));
    const data::Sample s = set.get(i);
    const at::Tensor ref = clip_frames(s, o, ts, shards);
    check(ref.size(1) % ss == 0 && ref.size(2) % ss == 0,
          fmt::format("clip '{}' has {}x{} frames, not multiples of the VAE's stride {}", s.id, ref.size(2),
                      ref.size(1), ss),
          shards, "letterbox them: --set data.height=H --set data.width=W (multiples of " + std::to_string(ss) + ")");
    double e = 0, d = 0;
    at::Tensor latent;
    const at::Tensor recon = vae_roundtrip(vae, ref, device, &e, &d, &latent);
    const ReconstructionScore score = score_reconstruction(ref, recon);
    const ReconstructionScore flat = score_reconstruction(ref, flat_frames(ref));
    {
      c10::NoGradGuard no_grad;
      const at::Tensor raw =
          vae->denormalize(latent).to(at::kCPU, at::kDouble).transpose(0, 1).reshape({z, -1});
      latent_sum += raw.sum(1);
      latent_sq += raw.pow(2).sum(1);
      latent_count += static_cast<double>(raw.size(1));
    }

    std::string video;
    if (o.videos) {
      video = s.id + ".mp4";
      video::VideoWriterOptions vo;
      vo.fps = s.record.value("fps", o.fps);
      // [T, H, W, 3] -> [3, T, H, W] in [-1, 1] for the frame helpers.
      auto as_video = [](const at::Tensor& u8) { return u8.permute({3, 0, 1, 2}).to(at::kFloat).div(127.5).sub(1.0); };
      auto frames = data::side_by_side({data::to_images(as_video(ref)), data::to_images(as_video(recon))});
      video::Mp4Writer writer(out_dir + "/" + video, frames[0].width, frames[0].height, vo);
      for (const auto& f : frames) writer.write(f);
      writer.close();
    }
    clips.push_back({{"id", s.id},
                     {"frames", ref.size(0)},
                     {"height", ref.size(1)},
                     {"width", ref.size(2)},
                     {"psnr", score.mean_psnr},
                     {"ssim", score.mean_ssim},
                     {"psnr_min", score.psnr.min().item<double>()},
                     {"ssim_min", score.ssim.min().item<double>()},
                     {"flat_psnr", flat.mean_psnr},
                     {"flat_ssim", flat.mean_ssim},
                     {"encode_s", e},
                     {"decode_s", d},
                     {"video", video}});
    sum_psnr += score.mean_psnr;
    sum_ssim += score.mean_ssim;
    sum_flat_psnr += flat.mean_psnr;
    sum_flat_ssim += flat.mean_ssim;
    enc_s += e;
    dec_s += d;
    frames_total += ref.size(0);
  }
  if (on_step) on_step(static_cast<int64_t>(n), static_cast<int64_t>(n), "");

  nlohmann::ordered_json doc;
  doc["shards"] = shards;
  doc["frames"] = o.frames;
  doc["clips"] = clips;
  doc["overall"] = {{"clips", n},
                    {"frames", frames_total},
                    {"psnr", sum_psnr / static_cast<double>(n)},
                    {"ssim", sum_ssim / static_cast<double>(n)},
                    {"flat_psnr", sum_flat_psnr / static_cast<double>(n)},
                    {"flat_ssim", sum_flat_ssim / static_cast<double>(n)},
                    {"encode_fps", enc_s > 0 ? frames_total / enc_s : 0.0},
                    {"decode_fps", dec_s > 0 ? frames_total / dec_s : 0.0}};
  const at::Tensor mean = latent_sum / latent_count;
  const at::Tensor std = (latent_sq / latent_count - mean.pow(2)).clamp_min(1e-12).sqrt();
  const auto values = [](const at::Tensor& t) {
    std::vector<double> v(static_cast<size_t>(t.numel()));
    for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = t[i].item<double>();
    return v;
  };
  doc["latent"] = {{"mean", values(mean)}, {"std", values(std)}};
  write_file_atomic(out_dir + "/reconstruct.json", doc.dump(2) + "\n");
  write_file_atomic(out_dir + "/reconstruct.md", reconstruct_markdown(doc));
  write_file_atomic(out_dir + "/latent_overrides.txt", latent_overrides(doc));
  return doc;
}

std::string latent_overrides(const nlohmann::ordered_json& doc) {
  std::string out;
  for (const char* key : {"mean", "std"}) {
    std::string values;
    for (const auto& x : doc.at("latent").at(key)) values += (values.empty() ? "" : ",") + fmt::format("{:.6g}", x.get<double>());
    out += std::string("model.vae.latent_") + key + "=[" + values + "]\n";
  }
  return out;
}

std::string reconstruct_markdown(const nlohmann::ordered_json& doc) {
  std::string md = "# VAE reconstruction\n\n";
  md += fmt::format("Clips from `{}`, chunked encode + decode; PSNR (dB) and SSIM per frame, averaged per clip.\n\n",
                    doc.at("shards").get<std::string>());
  md += "| clip | frames | size | PSNR | SSIM | min PSNR | min SSIM | video |\n";
  md += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
  for (const auto& c : doc.at("clips"))
    md += fmt::format("| {} | {} | {}x{} | {:.2f} | {:.4f} | {:.2f} | {:.4f} | {} |\n", c.at("id").get<std::string>(),
                      c.at("frames").get<int64_t>(), c.at("width").get<int64_t>(), c.at("height").get<int64_t>(),
                      c.at("psnr").get<double>(), c.at("ssim").get<double>(), c.at("psnr_min").get<double>(),
                      c.at("ssim_min").get<double>(), c.at("video").get<std::string>());
  const auto& o = doc.at("overall");
  md += fmt::format("| **overall** ({} clips) | {} | | **{:.2f}** | **{:.4f}** | | | |\n\n",
                    o.at("clips").get<int64_t>(), o.at("frames").get<int64_t>(),
                    o.at("psnr").get<double>(), o.at("ssim").get<double>());
  md += fmt::format(
      "A flat frame (each frame's median colour) scores {:.2f} dB / {:.4f}: the reconstruction "
      "must beat "
      "that to show any glyph, cursor or window.\n\n",
      o.at("flat_psnr").get<double>(), o.at("flat_ssim").get<double>());
  md += fmt::format("Encode {:.1f} frames/s, decode {:.1f} frames/s.\n",
                    o.at("encode_fps").get<double>(), o.at("decode_fps").get<double>());
  if (doc.contains("latent")) {
    std::string sets;
    for (const auto& line : split(latent_overrides(doc), '\n'))
      if (!line.empty()) sets += " --set " + line;
    md += "\nRaw latents per channel, to normalise them for the DiT:\n\n   " + sets + "\n";
  }
  return md;
}

}  // namespace nc::eval
