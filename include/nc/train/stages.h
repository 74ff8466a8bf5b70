// The registered training stages (train.stage).
#pragma once

#include <memory>

#include "nc/train/stage.h"

namespace nc::train {

// The VAE alone: L1/L2 reconstruction + KL (train.vae_loss).
std::unique_ptr<Stage> make_vae_stage(const Config& config, const c10::Device& device);
// The DiT: flow matching on latents of the frozen VAE, conditioned on captions through the
// text encoder and, for i2v, on the first frame.
std::unique_ptr<Stage> make_dit_stage(const Config& config, const c10::Device& device);

}  // namespace nc::train
