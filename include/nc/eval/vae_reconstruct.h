// VAE reconstruction quality (PAPER.md §3.1 Exp 1): clips go through the VAE's chunked encode
// and decode, and PSNR / SSIM of the reconstruction against the input are reported per frame
// -> mean per clip -> mean over clips, as nc eval aggregates (docs/EVAL.md). `nc vae
// reconstruct` writes reconstruct.json, reconstruct.md and one side-by-side MP4 per clip.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include "nc/model/vae.h"

namespace nc::eval {

// One pass of `frames_u8` through the VAE, chunked (Wan's 1 + 4 + 4 ... frames).
//   frames_u8 uint8 [T, H, W, 3], T = 1 + 4k, H and W multiples of 8
//   -> uint8 [T, H, W, 3] (CPU), the decoded frames rounded to 8 bits.
// Timings of the two halves go to `encode_s` / `decode_s`, the normalised latent to `latent`
// ([1, z, 1 + k, h, w]), when given.
at::Tensor vae_roundtrip(model::Vae& vae, const at::Tensor& frames_u8, const c10::Device& device,
                         double* encode_s = nullptr, double* decode_s = nullptr,
                         at::Tensor* latent = nullptr);

// The baseline a VAE must beat on mostly-empty screens: every frame filled with its own
// per-channel median colour (the background). uint8 [T, H, W, 3] -> the same shape.
at::Tensor flat_frames(const at::Tensor& frames_u8);

// PSNR and SSIM of one reconstructed clip: per-frame values and their means.
struct ReconstructionScore {
  at::Tensor psnr, ssim;  // [T] float64
  double mean_psnr = 0, mean_ssim = 0;
};
ReconstructionScore score_reconstruction(const at::Tensor& reference_u8, const at::Tensor& reconstruction_u8);

struct ReconstructOptions {
  int clips = 0;              // at most this many clips, in shard order; 0: all
  std::vector<std::string> ids;  // only these clips (e.g. a run's held-out ones); empty: every clip
  int frames = 0;             // the first `frames` frames of each clip (1 + 4k); 0: the most a clip allows
  int height = 0, width = 0;  // letterbox frames to this size first; 0: as stored (multiples of 8)
  bool videos = true;         // write <out>/<clip_id>.mp4: original | reconstruction
  double fps = 15;            // MP4 frame rate when a clip's record has none
};

// (clips done, clips in all, id of the clip being worked on)
using ReconstructStep = std::function<void(int64_t, int64_t, const std::string&)>;

// Reconstructs the clips of `shards` (a .ncshard file or a folder with shards.json) and writes
// `out_dir`/reconstruct.json and reconstruct.md (and the MP4s). Returns the JSON document:
// {"shards", "frames", "clips": [{id, frames, height, width, psnr, ssim, psnr_min, ssim_min,
// flat_psnr, flat_ssim, encode_s, decode_s, video}], "overall": {clips, frames, psnr, ssim,
// flat_psnr, flat_ssim, encode_fps, decode_fps}, "latent": {mean, std}}: `latent` holds the
// per-channel mean and std of the raw (unnormalised) latents over every clip, the values
// model.vae.latent_mean / latent_std take to give the DiT unit-scale latents.
nlohmann::ordered_json reconstruct_shards(model::Vae& vae, const std::string& shards,
                                          const std::string& out_dir,
                                          const ReconstructOptions& options,
                                          const c10::Device& device,
                                          const ReconstructStep& on_step = {});

// The document's latent statistics as two config overrides, one per line
// ("model.vae.latent_mean=[...]", "model.vae.latent_std=[...]"); reconstruct_shards writes them
// to <out>/latent_overrides.txt for scripts to pass on with --set.
std::string latent_overrides(const nlohmann::ordered_json& doc);

// The markdown table of a reconstruct_shards document.
std::string reconstruct_markdown(const nlohmann::ordered_json& doc);

}  // namespace nc::eval
