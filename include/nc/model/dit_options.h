// Options of the diffusion transformer (Wan2.1's WanModel, PAPER.md §2.1): dimensions, patch,
// norms, RoPE, text and CLIP inputs. The `model.dit` config section; no LibTorch dependency, so
// every build can read and check it. Defaults are Wan2.1 T2V 1.3B; the factories give the
// Wan sizes and the tiny/small test and experiment sizes.
#pragma once

#include <string>
#include <vector>

#include "nc/core/config.h"

namespace nc::model {

struct DitOptions {
  std::string model_type = "t2v";  // t2v: text only; i2v: + CLIP tokens and a y latent input
  int in_dim = 16;                 // channels entering patch_embedding (x and y concatenated)
  int out_dim = 16;                // channels of the predicted velocity
  int dim = 1536;
  int ffn_dim = 8960;
  int freq_dim = 256;    // sinusoidal timestep embedding width
  int text_dim = 4096;   // T5 embedding width
  int num_heads = 12;
  int num_layers = 30;
  std::vector<int> patch_size = {1, 2, 2};  // (t, h, w)
  bool qk_norm = true;
  bool cross_attn_norm = true;
  double eps = 1e-6;
  int text_len = 512;    // text context is zero-padded to this many tokens (as Wan does)
  bool gradient_checkpointing = false;
  int rope_max_len = 1024;  // positions per axis
  double rope_theta = 10000;
  int clip_dim = 1280;      // width of the CLIP image tokens (i2v)
  std::string weights;        // safetensors file or checkpoint folder to start from; empty: random init
  bool image_context = true;  // i2v: cross-attend to CLIP image tokens (Wan I2V's img_emb, k_img, v_img)
  // i2v: what y holds after the first latent frame: "zeros" (Wan: the latent of black frames, so
  // a frame reaches the given one through attention only) or "first" (the first frame's latent
  // repeated, so every token sees the given screen at its own position).
  std::string i2v_fill = "zeros";
  // i2v, x0 prediction, i2v_fill first: the x0 estimate adds a learned per-channel gate (zero at
  // init, so the untrained model is the plain one) times the given screen's latent. A screen
  // mostly persists; the network then learns what changes (docs/MODELS.md "Screen skip").
  bool i2v_skip = false;
  // Block-causal self-attention over latent frames (a frame sees itself and the past), so that
  // frames can be generated one at a time from a cache of the past ones (docs/MODELS.md
  // "Causal mode"). false: Wan's bidirectional clip model.
  bool causal = false;

  int head_dim() const { return num_heads > 0 ? dim / num_heads : 0; }
  bool is_i2v() const { return model_type == "i2v"; }
  bool has_image_tokens() const { return is_i2v() && image_context; }

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("model_type", model_type, "t2v (text only) or i2v (+ CLIP image tokens and the y latent)",
      one_of({"t2v", "i2v"}));
    v("i2v_fill", i2v_fill,
      "i2v: y after the first latent frame: zeros (Wan) or first (the first frame's latent repeated)",
      one_of({"zeros", "first"}));
    v("i2v_skip", i2v_skip,
      "i2v (fill first, x0 prediction): add a learned per-channel gate (zero at init) times the given frame's latent "
      "to the output");
    v("causal", causal,
      "block-causal attention over latent frames: frame-by-frame generation with a key/value cache");
    v("in_dim", in_dim, "input channels of patch_embedding: latent + y (16 for t2v, 36 for i2v)",
      positive());
    v("out_dim", out_dim, "output channels (the latent's)", positive());
    v("dim", dim, "transformer width", positive());
    v("ffn_dim", ffn_dim, "feed-forward hidden width", positive());
    v("freq_dim", freq_dim, "sinusoidal timestep embedding width (even)", positive());
    v("text_dim", text_dim, "text context width (umT5-XXL: 4096)", positive());
    v("num_heads", num_heads, "attention heads", positive());
    v("num_layers", num_layers, "transformer blocks", positive());
    v("patch_size", patch_size, "Conv3d patch (t, h, w)", positive());
    v("qk_norm", qk_norm, "RMSNorm over q and k (whole width) before attention");
    v("cross_attn_norm", cross_attn_norm, "affine LayerNorm (norm3) before cross-attention");
    v("eps", eps, "epsilon of the norms", positive());
    v("text_len", text_len, "text tokens; shorter contexts are zero-padded to this length",
      positive());
    v("gradient_checkpointing", gradient_checkpointing,
      "recompute each block in backward instead of storing its activations");
    v("rope_max_len", rope_max_len, "largest position per RoPE axis (t, h, w)", positive());
    v("rope_theta", rope_theta, "RoPE base", positive());
    v("clip_dim", clip_dim, "CLIP image-token width (i2v; ViT-H/14: 1280)", positive());
    v("weights", weights, "safetensors file or checkpoint folder to start from; empty: random init");
    v("image_context", image_context,
      "i2v: also cross-attend to CLIP image tokens (Wan I2V); false: the first-frame latent alone conditions");
  }

  void check(config::Checker& c) const {
    c.require(model_type == "t2v" || model_type == "i2v", "model_type",
              "model_type must be t2v or i2v, got '" + model_type + "'");
    c.require(in_dim > 0 && out_dim > 0 && dim > 0 && ffn_dim > 0 && text_dim > 0 &&
                  num_layers > 0 && clip_dim > 0 && text_len > 0 && rope_max_len > 0,
              "dim", "dimensions, lengths and counts must be positive");
    c.require(num_heads > 0 && dim % num_heads == 0, "num_heads",
              "dim " + std::to_string(dim) + " is not divisible by num_heads " +
                  std::to_string(num_heads));
    const int d = head_dim();
    c.require(d % 2 == 0 && d >= 6, "num_heads",
              "head dim (dim / num_heads = " + std::to_string(d) +
                  ") must be even and >= 6 so that the 3-D RoPE split (t: d - 4*(d/6), h and w: "
                  "2*(d/6) each) gives every axis at least one pair");
    c.require(freq_dim % 2 == 0, "freq_dim", "freq_dim must be even (cos and sin halves)");
    c.require(patch_size.size() == 3 && patch_size[0] > 0 && patch_size[1] > 0 && patch_size[2] > 0,
              "patch_size", "patch_size needs 3 positive entries (t, h, w)");
    c.require(!is_i2v() || in_dim > out_dim, "in_dim",
              "i2v needs in_dim > out_dim: the y conditioning (mask + first-frame latent, 20 "
              "channels in Wan) is concatenated to the latent");
    c.require(!i2v_skip || (is_i2v() && i2v_fill == "first"), "i2v_skip",
              "needs model_type i2v and i2v_fill first (the given frame's latent at every frame)");
    c.require(!causal || (patch_size.size() == 3 && patch_size[0] == 1), "causal",
              "needs patch_size[0] = 1 (one latent frame per token)");
  }

  // Throws nc::Error naming the key when the options are inconsistent.
  void validate(const std::string& prefix = "model.dit.") const {
    config::Checker c(nullptr, prefix);
    check(c);
  }

  // dim 32, 2 heads (head dim 16), 2 layers, text_dim/clip_dim 32, text_len 8: CPU tests.
  static DitOptions tiny(const std::string& type = "t2v") {
    DitOptions o = with_type(type);
    o.dim = 32;
    o.ffn_dim = 64;
    o.freq_dim = 32;
    o.text_dim = 32;
    o.num_heads = 2;
    o.num_layers = 2;
    o.text_len = 8;
    o.clip_dim = 32;
    return o;
  }
  // dim 512, 8 heads (head dim 64), 8 layers, the real umT5 and CLIP widths: small GPU runs.
  static DitOptions small(const std::string& type = "t2v") {
    DitOptions o = with_type(type);
    o.dim = 512;
    o.ffn_dim = 2048;
    o.num_heads = 8;
    o.num_layers = 8;
    return o;
  }
  // Wan2.1 1.3B: dim 1536, ffn 8960, 12 heads, 30 layers (Wan ships it as t2v only).
  static DitOptions wan_1_3b(const std::string& type = "t2v") {
    DitOptions o = with_type(type);
    o.dim = 1536;
    o.ffn_dim = 8960;
    o.num_heads = 12;
    o.num_layers = 30;
    return o;
  }
  // Wan2.1 14B: dim 5120, ffn 13824, 40 heads, 40 layers (t2v and i2v checkpoints).
  static DitOptions wan_14b(const std::string& type = "t2v") {
    DitOptions o = with_type(type);
    o.dim = 5120;
    o.ffn_dim = 13824;
    o.num_heads = 40;
    o.num_layers = 40;
    return o;
  }

 private:
  static DitOptions with_type(const std::string& type) {
    DitOptions o;
    o.model_type = type;
    o.in_dim = type == "i2v" ? 36 : 16;
    return o;
  }
};

}  // namespace nc::model
