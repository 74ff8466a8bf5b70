// The DiT training-step benchmark behind `nc bench dit` (docs/BENCHMARKS.md): the time of one
// step (forward, flow-matching MSE, backward, AdamW) on random inputs of a given latent shape,
// and the step's FLOPs counted analytically from the shapes.
#pragma once

#include <cstdint>
#include <vector>

#include <c10/core/Device.h>

#include "nc/model/dit_options.h"
#include "nc/train/train_options.h"

namespace nc::train {

// A DiT input: batch and latent grid (before patchify).
struct DitStepShape {
  int64_t batch = 1;
  int64_t frames = 3, height = 48, width = 80;  // latent frames, rows, columns
  int64_t image_tokens = 257;                   // CLIP tokens, used when the model has image context
};

// Matrix-product FLOPs (a multiply-add is 2) of one forward and one backward pass:
//   forward = patch 2·B·L·(C_in·P)·d + time 2·B·(f·d + d² + 6d²) + text 2·B·Lt·(c·d + d²)
//           [+ image 2·B·Li·(c_i² + c_i·d)] + N·[ 8·B·L·d² + 4·B·L²·d            (self-attention)
//             + 4·B·L·d² + 4·B·Lt·d² + 4·B·L·Lt·d                               (cross-attention)
//             [+ 4·B·Li·d² + 4·B·L·Li·d]                                        (image tokens)
//             + 4·B·L·d·F ]                                                     (feed-forward)
//           + head 2·B·L·d·(C_out·P)
//   backward = 2·forward − (patch + time_embedding.0 + text_embedding.0): two products per
//   forward product (input and weight gradients), except the three first layers whose inputs
//   need no gradient.
// L = F·H·W / P tokens, P = pt·ph·pw, Lt = text_len, Li = image tokens, d = dim, F = ffn_dim,
// N = num_layers, f = freq_dim. Norms, RoPE, softmax, activations and the optimiser are not
// counted; neither is the recomputation of gradient checkpointing.
struct DitFlops {
  double forward = 0, backward = 0;
  double step() const { return forward + backward; }
};
DitFlops dit_flops(const model::DitOptions& options, const DitStepShape& shape);

struct DitStepResult {
  std::vector<double> step_seconds;  // every timed step
  double median_seconds = 0, best_seconds = 0;
  int64_t tokens = 0;      // video tokens per sample
  int64_t parameters = 0;  // trainable
  double first_loss = 0, last_loss = 0;
  DitFlops flops;
};

// Builds the DiT on `device`, runs `warmup` untimed steps and `steps` timed ones (AdamW with
// `optim`, learning rate optim.lr); inputs and targets are drawn once from `seed`.
DitStepResult bench_dit_step(const model::DitOptions& options, const DitStepShape& shape, const OptimOptions& optim,
                             int warmup, int steps, const c10::Device& device, uint64_t seed = 0);

}  // namespace nc::train
