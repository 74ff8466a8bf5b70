#include "nc/model/grad_checkpoint.h"

#include <memory>
#include <utility>

#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include "nc/core/torch_compat.h"

namespace nc::model {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// What backward needs besides tensors: the function, the split of the saved list, and the
// autocast state to recompute under. Kept in ctx->saved_data as a capsule.
struct CheckpointState : torch::CustomClassHolder {
  CheckpointFn fn;
  size_t num_inputs = 0;
  compat::AutocastState autocast;
};

// Runs fn under the forward's autocast settings with the autocast weight cache off: the
// no-grad pass must not leave grad-less casts of the weights for the recomputation to reuse.
at::Tensor run_uncached(const CheckpointState& state, const std::vector<at::Tensor>& inputs) {
  const compat::AutocastState outer = compat::autocast_state();
  compat::AutocastState inner = state.autocast;
  inner.cache_enabled = false;
  compat::set_autocast_state(inner);
  try {
    at::Tensor out = state.fn(inputs);
    compat::set_autocast_state(outer);
    return out;
  } catch (...) {
    compat::set_autocast_state(outer);
    throw;
  }
}

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
  // Arguments: the state (not a tensor), then inputs, then params (tensor lists, flattened by
  // autograd into one gradient slot each).
  static at::Tensor forward(AutogradContext* ctx, c10::intrusive_ptr<CheckpointState> state,
                            at::TensorList inputs, at::TensorList params) {
    at::Tensor out = run_uncached(*state, inputs.vec());
    std::vector<at::Tensor> saved = inputs.vec();
    saved.insert(saved.end(), params.begin(), params.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["state"] = at::IValue::make_capsule(std::move(state));
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto holder = ctx->saved_data["state"].toCapsule();
    const auto* state = static_cast<const CheckpointState*>(holder.get());
    const variable_list saved = ctx->get_saved_variables();
    const size_t n_in = state->num_inputs;

    // Recompute from detached copies of the inputs, so the new graph stops at them.
    std::vector<at::Tensor> inputs;
    inputs.reserve(n_in);
    for (size_t i = 0; i < n_in; ++i) {
      at::Tensor d = saved[i].detach();
      d.requires_grad_(saved[i].requires_grad());
      inputs.push_back(std::move(d));
    }
    at::Tensor out;
    {
      at::AutoGradMode grad_on(true);
      out = run_uncached(*state, inputs);
    }

    // Gradients for every input and param that wants one; the rest stay undefined.
    variable_list targets;
    std::vector<size_t> where;
    for (size_t i = 0; i < saved.size(); ++i) {
      const at::Tensor& t = i < n_in ? inputs[i] : saved[i];
      if (t.requires_grad()) {
        targets.push_back(t);
        where.push_back(i);
      }
    }
    variable_list grads(1 + saved.size());  // slot 0: the state argument
    if (!targets.empty() && out.requires_grad()) {
      const variable_list g = torch::autograd::grad({out}, targets, {grad_outputs[0]},
                                                    /*retain_graph=*/false,
                                                    /*create_graph=*/false,
                                                    /*allow_unused=*/true);
      for (size_t j = 0; j < where.size(); ++j) grads[1 + where[j]] = g[j];
    }
    return grads;
  }
};

}  // namespace

at::Tensor grad_checkpoint(CheckpointFn fn, const std::vector<at::Tensor>& inputs,
                           const std::vector<at::Tensor>& params) {
  if (!at::GradMode::is_enabled()) return fn(inputs);
  auto state = c10::make_intrusive<CheckpointState>();
  state->fn = std::move(fn);
  state->num_inputs = inputs.size();
  state->autocast = compat::autocast_state();
  return CheckpointFunction::apply(std::move(state), at::TensorList(inputs),
                                   at::TensorList(params));
}

}  // namespace nc::model
