// Module weights <-> safetensors files, by parameter name. A module whose tree follows a
// checkpoint's names (Wan2.1's VAE and DiT) loads that checkpoint with no name map.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "nc/core/safetensors.h"

namespace torch::nn {
class Module;
}

namespace nc::model {

// Every parameter and buffer of `module`, by dotted name ("encoder.conv1.weight"), in
// registration order.
safetensors::NamedTensors named_weights(const torch::nn::Module& module);

// Writes named_weights(module) to `path` (atomically).
void save_weights(const torch::nn::Module& module, const std::string& path,
                  const std::map<std::string, std::string>& metadata = {});

struct LoadReport {
  std::vector<std::string> loaded;      // names copied into the module
  std::vector<std::string> missing;     // in the module, not in the file
  std::vector<std::string> unexpected;  // in the file, not in the module
};

// Copies the file's tensors into the module's parameters and buffers of the same name,
// converting to each parameter's dtype and device. A shape mismatch is always an nc::Error;
// with `strict`, so is any missing or unexpected name (the message lists them).
LoadReport load_weights(torch::nn::Module& module, const safetensors::File& file, bool strict = true);
LoadReport load_weights(torch::nn::Module& module, const std::string& path, bool strict = true);

}  // namespace nc::model
