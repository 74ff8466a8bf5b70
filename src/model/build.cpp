#include "nc/model/build.h"

#include <filesystem>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/model/weights.h"

namespace nc::model {

std::string resolve_weights(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    if (!file_exists(path)) throw Error("weights file not found", path);
    return path;
  }
  for (const char* name : {"ema.safetensors", "model.safetensors"})
    if (file_exists(path + "/" + name)) return path + "/" + name;
  throw Error("folder holds no ema.safetensors or model.safetensors", path, "point at a checkpoint folder or file");
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

Dit build_dit(const DitOptions& options, const c10::Device& device) {
  Dit dit(options, at::TensorOptions().device(device));
  if (!options.weights.empty()) {
    const std::string file = resolve_weights(options.weights);
    load_weights(*dit, file);
    log::info("DiT weights from {}", file);
  }
  return dit;
}

}  // namespace nc::model
