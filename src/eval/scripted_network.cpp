#include "nc/eval/scripted_network.h"

#include <ATen/core/grad_mode.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include "nc/core/error.h"
#include "nc/core/file_util.h"

namespace nc::eval {

struct ScriptedNetwork::Impl {
  std::string path;
  c10::Device device = c10::kCPU;
  torch::jit::Module module;
};

ScriptedNetwork::ScriptedNetwork(const std::string& path, c10::Device device) : impl_(std::make_unique<Impl>()) {
  check(file_exists(path), "no such file", path);
  impl_->path = path;
  impl_->device = device;
  try {
    impl_->module = torch::jit::load(path, device);
  } catch (const std::exception& e) {
    std::string first = e.what();
    throw Error("not a loadable TorchScript module: " + first.substr(0, first.find('\n')), path,
                "save one with torch.jit.script(model).save(path) (docs/EVAL.md)");
  }
  impl_->module.eval();
}

ScriptedNetwork::~ScriptedNetwork() = default;
ScriptedNetwork::ScriptedNetwork(ScriptedNetwork&&) noexcept = default;
ScriptedNetwork& ScriptedNetwork::operator=(ScriptedNetwork&&) noexcept = default;

at::Tensor ScriptedNetwork::forward(const std::vector<at::Tensor>& inputs) {
  at::NoGradGuard no_grad;
  std::vector<c10::IValue> args;
  for (const auto& t : inputs) args.emplace_back(t.to(impl_->device));
  c10::IValue out;
  try {
    out = impl_->module.forward(args);
  } catch (const std::exception& e) {
    std::string first = e.what();
    throw Error("forward failed: " + first.substr(0, first.find('\n')), impl_->path);
  }
  if (out.isTuple() && !out.toTupleRef().elements().empty()) out = out.toTupleRef().elements()[0];
  check(out.isTensor(), "the module's forward must return a tensor", impl_->path);
  return out.toTensor();
}

const std::string& ScriptedNetwork::path() const { return impl_->path; }
c10::Device ScriptedNetwork::device() const { return impl_->device; }

}  // namespace nc::eval
