// The `model` config section: every network of a neural computer and how they fit together.
// Defaults are Wan2.1's shapes (VAE, umT5-XXL, the 1.3B DiT); configs/tiny.yaml shrinks them.
#pragma once

#include "nc/core/config.h"
#include "nc/model/action_options.h"
#include "nc/model/dit_options.h"
#include "nc/model/flow_matching.h"
#include "nc/model/vae_options.h"
#include "nc/text/t5_options.h"

namespace nc::model {

struct ModelConfig {
  VaeOptions vae;
  text::T5Options text;
  DitOptions dit;
  FlowMatchingOptions flow;
  ActionOptions action;

  template <class V>
  void visit(V& v) {
    v("vae", vae, "the causal 3-D video VAE (Wan2.1 architecture)");
    v("text", text, "the T5/umT5 caption encoder");
    v("dit", dit, "the diffusion transformer");
    v("flow", flow, "flow-matching training: noise levels, shift, condition dropout");
    v("action", action, "action conditioning: encoder, alignment and injection mode (docs/ACTIONS.md)");
  }

  // model.action with the VAE's temporal stride c filled in: what the Dit is built with.
  ActionOptions dit_action() const {
    ActionOptions a = action;
    a.temporal_stride = vae.temporal_stride();
    return a;
  }

  // The DiT reads what the VAE and the text encoder produce.
  void check(config::Checker& c) const {
    c.require(dit.text_dim == text.dim, "dit.text_dim",
              "must equal model.text.dim (" + std::to_string(text.dim) + ")");
    c.require(dit.out_dim == vae.z_dim, "dit.out_dim",
              "must equal model.vae.z_dim (" + std::to_string(vae.z_dim) + ")");
    // i2v input: noise (z) + frame mask (temporal stride) + first-frame latent (z), PAPER.md §2.1;
    // the cursor reference stream adds its mask tags (1) and latents (z), PAPER.md §1.3.
    const bool reference = action.cursor.reference;
    c.require(!reference || dit.is_i2v(), "action.cursor.reference",
              "the cursor reference stream needs model_type i2v");
    const int expected_in = (dit.is_i2v() ? 2 * vae.z_dim + vae.temporal_stride() : vae.z_dim) +
                            (reference ? vae.z_dim + 1 : 0);
    c.require(dit.in_dim == expected_in, "dit.in_dim",
              "must be " + std::to_string(expected_in) + " for model_type " + dit.model_type +
                  " with z_dim " + std::to_string(vae.z_dim) +
                  (reference ? " and the cursor reference stream" : ""));
    c.require(!dit.i2v_skip || flow.prediction == "x0", "dit.i2v_skip",
              "adds the given frame's latent to an x0 estimate: needs model.flow.prediction x0");
    c.require(flow.frame_noise == "shared" || dit.causal, "flow.frame_noise",
              "per_frame noise levels train a causal model: set model.dit.causal to true");
  }
};

}  // namespace nc::model
