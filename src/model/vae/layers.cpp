#include "nc/model/vae/layers.h"

#include <cmath>

#include <ATen/ops/cat.h>
#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/conv3d.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/ones.h>

namespace nc::model::vae {

void init_conv_(at::Tensor& weight, at::Tensor& bias) {
  if (weight.is_meta()) return;
  // kaiming_uniform_(a = sqrt(5)) reduces to a bound of 1/sqrt(fan_in); the bias uses the same.
  const double bound = 1.0 / std::sqrt(double(weight.numel() / weight.size(0)));
  at::NoGradGuard no_grad;
  weight.uniform_(-bound, bound);
  bias.uniform_(-bound, bound);
}

Conv2dImpl::Conv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                       at::Device device)
    : stride_(stride), padding_(padding) {
  const auto options = at::TensorOptions().device(device);
  weight = register_parameter("weight", at::empty({out, in, kernel, kernel}, options));
  bias = register_parameter("bias", at::empty({out}, options));
  init_conv_(weight, bias);
}

at::Tensor Conv2dImpl::forward(const at::Tensor& x) {
  return at::conv2d(x, weight, bias, {stride_, stride_}, {padding_, padding_});
}

CausalConv3dImpl::CausalConv3dImpl(int64_t in, int64_t out, Size3 kernel, Size3 stride, Size3 padding,
                                   at::Device device)
    : stride_(stride), past_(2 * padding[0]), pad_h_(padding[1]), pad_w_(padding[2]) {
  const auto options = at::TensorOptions().device(device);
  weight = register_parameter("weight", at::empty({out, in, kernel[0], kernel[1], kernel[2]}, options));
  bias = register_parameter("bias", at::empty({out}, options));
  init_conv_(weight, bias);
}

at::Tensor CausalConv3dImpl::forward(const at::Tensor& x, CacheSlot* slot) {
  // One frame with nothing before it (a picture, a video's first frame): only the kernel's last
  // temporal tap meets data, the others meet the zero padding. One 2-D convolution with that
  // tap gives the same frame at 1/k_t of the work (and CPU 2-D convolutions are faster still).
  const bool lone_frame = x.size(2) == 1 && stride_[0] == 1 && past_ == weight.size(2) - 1 &&
                          !(slot && past_ > 0 && slot->frames.defined());
  at::Tensor input;
  int64_t pad_t = past_;
  if (slot && past_ > 0) {
    // Context = what the earlier chunks left (nothing before the first: zero padding).
    input = slot->frames.defined() ? at::cat({slot->frames, x}, 2) : x;
    pad_t = past_ - (input.size(2) - x.size(2));
    // Keep the last `past_` frames of the padded input; clone so the chunk can be freed.
    at::Tensor padded = pad_t > 0 ? at::constant_pad_nd(input, {0, 0, 0, 0, pad_t, 0}) : input;
    slot->frames = padded.narrow(2, padded.size(2) - past_, past_).clone();
    input = at::constant_pad_nd(padded, {pad_w_, pad_w_, pad_h_, pad_h_, 0, 0});
  } else if (!lone_frame) {
    input = at::constant_pad_nd(x, {pad_w_, pad_w_, pad_h_, pad_h_, pad_t, 0});
  }
  if (lone_frame) {
    const at::Tensor frame = at::constant_pad_nd(x.select(2, 0), {pad_w_, pad_w_, pad_h_, pad_h_});
    return at::conv2d(frame, weight.select(2, past_), bias, {stride_[1], stride_[2]}).unsqueeze(2);
  }
  return at::conv3d(input, weight, bias, {stride_[0], stride_[1], stride_[2]});
}

RmsNormImpl::RmsNormImpl(int64_t channels, bool images, at::Device device)
    : scale_(std::sqrt(double(channels))) {
  const auto options = at::TensorOptions().device(device);
  gamma = register_parameter(
      "gamma", images ? at::empty({channels, 1, 1}, options) : at::empty({channels, 1, 1, 1}, options));
  if (!gamma.is_meta()) {
    at::NoGradGuard no_grad;
    gamma.fill_(1.0);
  }
}

at::Tensor RmsNormImpl::forward(const at::Tensor& x) {
  // F.normalize(x, dim=1): divide by max(||x||, 1e-12).
  return x / x.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12) * (gamma * scale_);
}

}  // namespace nc::model::vae
