#include "nc/model/build.h"

#include <filesystem>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/model/checkpoint_dir.h"
#include "nc/model/weights.h"

namespace nc::model {

std::string resolve_weights(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    if (!file_exists(path)) throw Error("weights file not found", path);
    return path;
  }
  // A checkpoint folder, or a run folder (its newest complete checkpoint).
  const auto ckpt = latest_checkpoint(path);
  if (!ckpt) throw Error("no complete checkpoint here", path, "point at a weights file, a checkpoint or a run folder");
  for (const char* name : {"ema.safetensors", "model.safetensors"})
    if (file_exists(*ckpt + "/" + name)) return *ckpt + "/" + name;
  throw Error("checkpoint holds no ema.safetensors or model.safetensors", *ckpt);
}

Vae build_vae(const VaeOptions& options, const c10::Device& device) {
  Vae vae(options, device);
  if (!options.weights.empty()) {
    const std::string file = resolve_weights(options.weights);
    load_weights(*vae, file);
    log::info("VAE weights from {}", file);
  }
  return vae;
}

Dit build_dit(const DitOptions& options, const c10::Device& device, const ActionOptions& action) {
  Dit dit(options, at::TensorOptions().device(device), action);
  if (!options.weights.empty()) {
    const std::string file = resolve_weights(options.weights);
    load_weights(*dit, file);
    log::info("DiT weights from {}", file);
  }
  return dit;
}

}  // namespace nc::model
