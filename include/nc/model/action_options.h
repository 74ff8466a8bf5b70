// Options of action conditioning (PAPER.md §2.3): the `model.action` config section. Which
// injection mode feeds the actions to the DiT, which blocks get the residual/internal modules,
// the shared encoder (v1 raw / v2 meta slots, slot aggregation, mouse features) and the
// lag-aware alignment of per-frame actions to latent steps. No LibTorch dependency.
#pragma once

#include <string>
#include <vector>

#include "nc/core/config.h"

namespace nc::model {

// Cursor supervision (PAPER.md §1.3 "SVG cursor and per-frame masks", §3.2 Exp 8): the
// `model.action.cursor` section. Three signals, each on its own switch, so that the paper's
// three-way ablation (position; position + Fourier; position + SVG reference) is three configs:
//   reference:        the cursor reference stream (frame 0 = the first frame with mask 1, then the
//                     arrow sprite alone at the logged position with its alpha mask) through the
//                     VAE, z_ref, and its mask tags (the mask max-pooled to the latent grid) are
//                     concatenated to the DiT input: in_dim grows by z_dim + 1;
//   loss_weight:      masked l2 between the DiT's x0 estimate and the true latents under the tags
//                     of the steps after the first (the reconstructed cursor patch);
//   position_weight:  a soft-argmax head over each latent step's tokens predicts the cursor
//                     (x, y) in [0, 1]; MSE to the logged position at the step's last frame.
struct CursorSupervisionOptions {
  bool reference = false;
  double loss_weight = 0;
  double position_weight = 0;
  int size = 24;                       // the sprite's height in frame pixels (gui.cursor.size)
  std::string background = "#808080";  // the cursor-only frames' neutral background
  bool outline = true;                 // the paper's 1-px black outline

  bool any() const { return reference || loss_weight > 0 || position_weight > 0; }

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("reference", reference,
      "concatenate the VAE-encoded cursor reference stream and its mask tags to the DiT input");
    v("loss_weight", loss_weight,
      "weight of the masked l2 loss on the cursor patch (needs reference)", at_least(0));
    v("position_weight", position_weight,
      "weight of the soft-argmax cursor position loss (0: off, no head)", at_least(0));
    v("size", size, "cursor sprite height in frame pixels (as gui.cursor.size of the data)",
      between(4, 512));
    v("background", background, "neutral background of the cursor-only reference frames, #rrggbb");
    v("outline", outline, "the paper's 1-px black outline on the sprite");
  }
  void check(config::Checker& c) const {
    c.require(loss_weight == 0 || reference, "loss_weight",
              "the masked cursor loss needs reference: true");
  }
};

struct ActionOptions {
  std::string injection = "none";  // none | external | contextual | residual | internal
  std::vector<int> blocks;         // residual/internal: the blocks that get a module; empty = all
  int window = 1;                  // w: alignment window p = c*w pixel frames per latent step
  int lag = 0;                     // l: the window ends at a_t - lag (pixel frames)
  int step_lag = 0;                // the same lag in latent steps: mask rules of contextual,
                                   // internal and residual ([i - step_lag, i])
  int frame_window = -1;           // contextual V2V: frames attend within +-frame_window; -1 = all
  std::string encoder = "v2";      // v1: raw 182-d multi-hot; v2: meta slots
  std::string aggregation = "mean";    // v2 slots: mean or attention over the valid slots
  std::string mouse = "fourier";       // none | position | fourier: the cursor trajectory features
  int fourier_features = 16;           // Gaussian projections (sin and cos each)
  double fourier_sigma = 1.0;          // std of the projection
  int fourier_seed = 0;                // seed of the fixed projection
  int dim = 128;                       // D: width of the encoder's per-step action features
  int heads = 4;                       // heads of the external module's attention
  int external_layers = 2;             // external: temporal self-attn + action cross-attn layers
  int slots = 2;                       // S: meta slots per frame
  int text_bytes = 32;                 // typed text (type 3) as UTF-8 bytes: at most this many
  std::string typed_text = "encoder";  // encoder: the shared text encoder; bytes: a byte embedding
  // Temporal contrastive loss (InfoNCE between frame t's features and the action features
  // aligned to step t, symmetric, over the batch's steps that have actions): its weight in the
  // training loss (0: off, and no projection heads), temperature and projection width.
  double contrastive_weight = 0;
  double contrastive_temperature = 0.1;
  int contrastive_dim = 64;
  // The optional future-prediction head of the same objective: the action feature aligned to
  // step t (its window ends l frames before) predicts frame t's feature; MSE, weight 0 = off.
  double future_weight = 0;
  CursorSupervisionOptions cursor;
  // Not a config key: the VAE's temporal stride c, set from model.vae by the model builder.
  int temporal_stride = 4;

  bool enabled() const { return injection != "none"; }
  // Whether block `index` gets a residual/internal module.
  bool in_blocks(int index) const {
    if (blocks.empty()) return true;
    for (int b : blocks)
      if (b == index) return true;
    return false;
  }

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("injection", injection,
      "how actions enter the DiT: none, external (latent delta), contextual (action tokens), "
      "residual (delta after blocks), internal (action cross-attention in blocks)",
      one_of({"none", "external", "contextual", "residual", "internal"}));
    v("blocks", blocks, "residual/internal: indices of the blocks that get an action module; empty = all",
      at_least(0));
    v("window", window, "w: each latent step averages the c*w pixel frames before its anchor", positive());
    v("lag", lag, "l: the alignment window ends at a_t - l (pixel frames)", at_least(0));
    v("step_lag", step_lag, "lag in latent steps for the masks: frame i sees actions [i - step_lag, i]",
      at_least(0));
    v("frame_window", frame_window, "contextual: frames attend to frames within +-frame_window; -1 = all",
      at_least(-1));
    v("encoder", encoder, "v1 (raw 182-d multi-hot) or v2 (meta slots)", one_of({"v1", "v2"}));
    v("aggregation", aggregation, "v2: mean or attention over a frame's valid slots",
      one_of({"mean", "attention"}));
    v("mouse", mouse, "cursor features: none, position (MLP on x, y) or fourier (random Fourier features + MLP)",
      one_of({"none", "position", "fourier"}));
    v("fourier_features", fourier_features, "random Fourier projections of the cursor (sin and cos each)",
      positive());
    v("fourier_sigma", fourier_sigma, "std of the fixed Gaussian projection", positive());
    v("fourier_seed", fourier_seed, "seed of the fixed Gaussian projection", at_least(0));
    v("dim", dim, "width of the per-step action features", positive());
    v("heads", heads, "attention heads of the external module", positive());
    v("external_layers", external_layers, "external: layers of temporal self-attn + action cross-attn",
      positive());
    v("slots", slots, "v2: action slots per frame (the shards' action_* tensors are [T, slots])", positive());
    v("text_bytes", text_bytes, "v2: typed text is embedded from at most this many UTF-8 bytes", positive());
    v("typed_text", typed_text,
      "v2: typed text (action_text_bytes) through the shared text encoder (encoder, PAPER.md §2.3) "
      "or a byte "
      "embedding (bytes)",
      one_of({"encoder", "bytes"}));
    v("contrastive_weight", contrastive_weight,
      "weight of the temporal InfoNCE loss between frame and action features (0: off)", at_least(0));
    v("contrastive_temperature", contrastive_temperature, "InfoNCE temperature", positive());
    v("contrastive_dim", contrastive_dim, "width of the InfoNCE projection heads", positive());
    v("future_weight", future_weight,
      "weight of the future-prediction loss: the action feature predicts the frame feature l "
      "frames later (0: off)",
      at_least(0));
    v("cursor", cursor,
      "cursor supervision: reference stream, masked cursor loss, position head (docs/ACTIONS.md)");
  }
  bool contrastive() const { return enabled() && contrastive_weight > 0; }
  bool future_prediction() const { return enabled() && future_weight > 0; }
  // Whether the batches' cursor tensors are read (mouse features or cursor supervision).
  bool reads_cursor() const { return mouse != "none" || cursor.any(); }

  void check(config::Checker& c) const {
    c.require(dim % heads == 0, "heads",
              "dim " + std::to_string(dim) + " is not divisible by heads " + std::to_string(heads));
  }
};

}  // namespace nc::model
