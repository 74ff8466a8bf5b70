// Modules from their options, with their `weights` loaded when set. A weights path is a
// .safetensors file or a training checkpoint folder (its EMA weights when it has them).
#pragma once

#include <string>

#include <c10/core/Device.h>

#include "nc/model/dit.h"
#include "nc/model/vae.h"

namespace nc::model {

// `path` itself for a file; for a checkpoint folder its ema.safetensors, else model.safetensors.
std::string resolve_weights(const std::string& path);

Vae build_vae(const VaeOptions& options, const c10::Device& device);
Dit build_dit(const DitOptions& options, const c10::Device& device, const ActionOptions& action = {});

}  // namespace nc::model
