// Parameter counts of a module, grouped by the first component of the parameter names
// ("blocks.3.self_attn.q.weight" counts towards "blocks"), for `nc model summary`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace torch::nn {
class Module;
}

namespace nc::model {

struct ParameterGroup {
  std::string name;
  int64_t tensors = 0, parameters = 0, trainable = 0;
};

std::vector<ParameterGroup> parameter_groups(const torch::nn::Module& module);
int64_t parameter_total(const std::vector<ParameterGroup>& groups);

}  // namespace nc::model
