#include "nc/train/vae_loss.h"

#include <tuple>

#include <ATen/ops/median.h>
#include <ATen/ops/sub.h>

namespace nc::train {

at::Tensor foreground_weights(const at::Tensor& video, double foreground) {
  const at::Tensor background = std::get<0>(video.flatten(3).median(-1)).unsqueeze(-1).unsqueeze(-1);
  const at::Tensor is_foreground = video.sub(background).abs().amax(1, true).gt(0.1).to(video.scalar_type());
  return is_foreground.mul(foreground).add(1.0);
}

}  // namespace nc::train
