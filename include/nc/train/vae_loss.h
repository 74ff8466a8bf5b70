// Per-pixel weights of the VAE stage's reconstruction loss (train.vae_loss.foreground).
#pragma once

#include <ATen/core/Tensor.h>

namespace nc::train {

// video [B, C, T, H, W] in [-1, 1] -> weights broadcastable to it, [B, 1, T, H, W]: 1 on the
// background, 1 + foreground on pixels more than 0.1 away (in any channel) from their frame's
// background colour, taken as the per-channel median of the frame (screens are mostly background).
at::Tensor foreground_weights(const at::Tensor& video, double foreground);

}  // namespace nc::train
