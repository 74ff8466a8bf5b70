// A TorchScript module (`torch.jit.script(...)` / `torch.jit.trace(...)` then `.save(path)`),
// loaded with torch::jit::load: how LPIPS and FVD networks reach C++ without re-implementing
// them. Only scripted_network.cpp includes the JIT headers (~10 s to compile).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace nc::eval {

class ScriptedNetwork {
 public:
  // Loads `path` onto `device` in eval mode; nc::Error naming the file when it is missing or
  // not a TorchScript archive.
  ScriptedNetwork(const std::string& path, c10::Device device);
  ~ScriptedNetwork();
  ScriptedNetwork(ScriptedNetwork&&) noexcept;
  ScriptedNetwork& operator=(ScriptedNetwork&&) noexcept;

  // forward(*inputs) without gradients; the inputs are moved to the module's device. The
  // result must be a tensor (nc::Error otherwise).
  at::Tensor forward(const std::vector<at::Tensor>& inputs);
  const std::string& path() const;
  c10::Device device() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nc::eval
