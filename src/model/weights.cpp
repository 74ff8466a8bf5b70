#include "nc/model/weights.h"

#include <set>

#include <torch/nn/module.h>

#include "nc/core/error.h"

namespace nc::model {
namespace {

std::string shape_text(at::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Up to `max` names, then "... (N more)".
std::string some(const std::vector<std::string>& names, size_t max = 5) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < max; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > max) s += ", ... (" + std::to_string(names.size() - max) + " more)";
  return s;
}

}  // namespace

safetensors::NamedTensors named_weights(const torch::nn::Module& module) {
  safetensors::NamedTensors out;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) out.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) out.emplace_back(item.key(), item.value());
  return out;
}

void save_weights(const torch::nn::Module& module, const std::string& path,
                  const std::map<std::string, std::string>& metadata) {
  safetensors::NamedTensors tensors = named_weights(module);
  for (auto& [name, tensor] : tensors) tensor = tensor.detach();
  safetensors::save(path, tensors, metadata);
}

LoadReport load_weights(torch::nn::Module& module, const safetensors::File& file, bool strict) {
  // Everything is checked before anything is copied: a failed load leaves the module as it was.
  LoadReport report;
  std::set<std::string> known;
  safetensors::NamedTensors targets = named_weights(module);
  for (const auto& [name, target] : targets) {
    known.insert(name);
    if (!file.contains(name)) {
      report.missing.push_back(name);
      continue;
    }
    const safetensors::TensorInfo& info = file.info(name);
    if (at::IntArrayRef(info.shape) != target.sizes())
      throw Error("shape " + shape_text(info.shape) + " in the file, the model has " + shape_text(target.sizes()),
                  file.path() + ": " + name, "the file was written for another model configuration");
    check(!target.is_meta(), "cannot load into a parameter on the meta device", file.path() + ": " + name,
          "build the model on cpu or cuda, then load");
  }
  for (const auto& info : file.tensors())
    if (!known.count(info.name)) report.unexpected.push_back(info.name);
  if (strict && (!report.missing.empty() || !report.unexpected.empty())) {
    std::string what;
    if (!report.missing.empty())
      what += std::to_string(report.missing.size()) + " model tensors missing from the file (" + some(report.missing) + ")";
    if (!report.unexpected.empty())
      what += std::string(what.empty() ? "" : "; ") + std::to_string(report.unexpected.size()) +
              " file tensors the model does not have (" + some(report.unexpected) + ")";
    throw Error(what, file.path(), "check that the file belongs to this model and configuration");
  }
  at::NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    if (!file.contains(name)) continue;
    target.copy_(file.view(name));  // converts dtype and device
    report.loaded.push_back(name);
  }
  return report;
}

LoadReport load_weights(torch::nn::Module& module, const std::string& path, bool strict) {
  return load_weights(module, safetensors::File::open(path), strict);
}

}  // namespace nc::model
