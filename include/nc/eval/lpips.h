// LPIPS with the AlexNet backbone (PAPER.md §3.2 App. B.3: LPIPS_all, LPIPS+15), from a
// TorchScript module the user supplies (`eval.lpips_weights`): forward(x, y) with x, y
// [N, 3, H, W] float in [-1, 1] returning N distances (any shape with N elements, as
// lpips.LPIPS(net="alex") returns [N, 1, 1, 1]). Without weights LPIPS is reported as
// unavailable, never estimated.
#pragma once

#include <string>

#include <ATen/core/Tensor.h>

#include "nc/eval/scripted_network.h"

namespace nc::eval {

class Lpips {
 public:
  Lpips(const std::string& path, c10::Device device) : net_(path, device) {}

  // pred, ref: [N, 3, H, W] in [0, 1] (mapped to [-1, 1] here) -> [N] float64 on the CPU.
  at::Tensor distance(const at::Tensor& pred, const at::Tensor& ref);

 private:
  ScriptedNetwork net_;
};

}  // namespace nc::eval
