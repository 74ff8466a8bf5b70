// The temporal contrastive loss of action conditioning (issue "Actions", PAPER.md §2.3): frame
// features at latent step t against the action features aligned to t (the alignment already
// ends its window at a_t - lag), InfoNCE in both directions over the steps that have actions,
// the other such steps of the same sequence being the negatives (PAPER.md §2.3).
#pragma once

#include <ATen/core/Tensor.h>

#include "nc/model/action_encoder.h"

namespace nc::model {

// frames, actions [B, T, C] (projected), valid [B, T] bool -> scalar: per sequence,
//   (CE(f a^T / tau, diag) + CE(a f^T / tau, diag)) / 2 over its N valid steps, with f and a
//   L2-normalised; the mean over the sequences with N >= 2 (zero, still in the graph, if none).
at::Tensor temporal_infonce(const at::Tensor& frames, const at::Tensor& actions, const at::Tensor& valid,
                            double temperature);

// The future-prediction loss: predicted [B, T, C] (the head on the action features) against
// the frame features [B, T, C], detached so that the DiT's features are not pulled towards
// what the actions predict; the mean squared error over the valid [B, T] steps (zero if none).
at::Tensor future_prediction_loss(const at::Tensor& predicted, const at::Tensor& frames,
                                  const at::Tensor& valid);

// [B, T] bool: latent steps whose alignment window holds at least one frame with an action
// (a key, click, scroll or text slot, a v1 event bit, or a known cursor when mouse features are
// on).
at::Tensor steps_with_actions(const ActionInputs& inputs, const ActionOptions& options, int64_t latent_steps);

}  // namespace nc::model
