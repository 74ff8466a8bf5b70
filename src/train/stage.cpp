#include "nc/train/stage.h"

#include <torch/nn/module.h>

#include "nc/core/error.h"
#include "nc/train/stages.h"

namespace nc::train {

NamedParams Stage::trainable() {
  NamedParams out;
  for (const auto& item : module().named_parameters(/*recurse=*/true))
    if (item.value().requires_grad()) out.emplace_back(item.key(), item.value());
  return out;
}

std::unique_ptr<Stage> make_stage(const Config& config, const c10::Device& device) {
  const std::string& stage = config.train.stage;
  if (stage == "vae") return make_vae_stage(config, device);
  if (stage == "dit") return make_dit_stage(config, device);
  throw Error("unknown training stage '" + stage + "'", "train.stage", "use vae or dit");
}

}  // namespace nc::train
