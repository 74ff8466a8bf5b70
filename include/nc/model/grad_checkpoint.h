// Gradient checkpointing (activation recomputation) for the C++ frontend, which has no
// torch.utils.checkpoint: `grad_checkpoint(fn, inputs, params)` returns fn(inputs) but keeps
// none of fn's intermediate activations. Forward runs fn under no-grad; backward re-runs fn
// with grad enabled (under the autocast state of the forward) and back-propagates through the
// recomputation, giving gradients for `inputs` and for `params`.
//
// Rules: fn must compute the same thing twice: no dropout or other random draws (the DiT
// blocks have none, so no RNG state is saved), no in-place changes to its inputs. Any tensor
// fn uses that needs a gradient must be in `inputs` or `params` (tensors captured by fn are
// treated as constants). Outside grad mode it simply calls fn.
#pragma once

#include <functional>
#include <vector>

#include <ATen/core/Tensor.h>

namespace nc::model {

using CheckpointFn = std::function<at::Tensor(const std::vector<at::Tensor>& inputs)>;

// `inputs` and `params` must be defined tensors.
at::Tensor grad_checkpoint(CheckpointFn fn, const std::vector<at::Tensor>& inputs,
                           const std::vector<at::Tensor>& params);

}  // namespace nc::model
