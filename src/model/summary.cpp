#include "nc/model/summary.h"

#include <torch/nn/module.h>

namespace nc::model {

std::vector<ParameterGroup> parameter_groups(const torch::nn::Module& module) {
  std::vector<ParameterGroup> groups;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    const std::string& name = item.key();
    std::string group = name.substr(0, name.find('.'));
    if (groups.empty() || groups.back().name != group) {
      bool found = false;
      for (auto& g : groups) found = found || g.name == group;
      if (!found) groups.push_back({group});
    }
    for (auto& g : groups) {
      if (g.name != group) continue;
      g.tensors += 1;
      g.parameters += item.value().numel();
      if (item.value().requires_grad()) g.trainable += item.value().numel();
    }
  }
  return groups;
}

int64_t parameter_total(const std::vector<ParameterGroup>& groups) {
  int64_t n = 0;
  for (const auto& g : groups) n += g.parameters;
  return n;
}

}  // namespace nc::model
