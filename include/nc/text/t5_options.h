// The T5 text encoder's options (T5 v1.1 and umT5 families): sizes, relative-position buckets,
// dropout, whether it trains, and the caption length. The `text` config section; no library
// dependency, so every build can read it.
#pragma once

#include <cstdint>
#include <string>

#include "nc/core/config.h"

namespace nc::text {

struct T5Options {
  // Defaults: Wan2.1's umT5-XXL encoder (PAPER.md §2.1, text encoder row).
  int64_t vocab = 256384;
  int64_t dim = 4096;
  int64_t dim_attn = 4096;  // num_heads * head_dim
  int64_t dim_ffn = 10240;
  int64_t num_heads = 64;
  int64_t num_layers = 24;
  int64_t num_buckets = 32;
  int64_t max_distance = 128;  // relative distances beyond this share the last bucket
  bool shared_pos = false;     // true: one position bias for all layers (T5 v1.1); false: per layer (umT5)
  double dropout = 0.1;
  double eps = 1e-6;  // RMS norm epsilon
  bool trainable = false;  // false: parameters frozen (requires_grad off) and always in eval mode
  int64_t text_len = 512;  // captions are tokenized to exactly this many ids (EOS kept, zero-padded)
  std::string tokenizer;   // spiece.model; empty: not needed by the caller
  std::string weights;     // safetensors with Wan2.1 or Hugging Face names; empty: random init

  // umT5-XXL as Wan2.1 ships it (models_t5_umt5-xxl-enc-bf16.pth): 5.7 B parameters.
  static T5Options umt5_xxl() { return T5Options{}; }

  // A few-kB model for CPU tests and demos; vocab sized for a small trained tokenizer.
  static T5Options tiny() {
    T5Options o;
    o.vocab = 256;
    o.dim = 32;
    o.dim_attn = 32;
    o.dim_ffn = 64;
    o.num_heads = 4;
    o.num_layers = 2;
    o.num_buckets = 32;
    o.shared_pos = false;
    o.text_len = 32;
    return o;
  }

  int64_t head_dim() const { return num_heads > 0 ? dim_attn / num_heads : 0; }

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("vocab", vocab, "vocabulary size (rows of the token embedding)", positive());
    v("dim", dim, "model width", positive());
    v("dim_attn", dim_attn, "attention width (num_heads x head_dim)", positive());
    v("dim_ffn", dim_ffn, "width of the gated-GELU feed-forward layer", positive());
    v("num_heads", num_heads, "attention heads", positive());
    v("num_layers", num_layers, "encoder blocks", positive());
    v("num_buckets", num_buckets, "relative-position buckets (half per direction)", at_least(4));
    v("max_distance", max_distance, "relative distance from which all positions share the last bucket",
      positive());
    v("shared_pos", shared_pos, "one relative-position bias for all blocks (T5 v1.1) or one per block (umT5)");
    v("dropout", dropout, "dropout after embedding, attention, feed-forward and final norm",
      between(0, 1));
    v("eps", eps, "epsilon of the RMS norms", positive());
    v("trainable", trainable, "train the encoder; false freezes it and keeps it in eval mode");
    v("text_len", text_len, "token ids per caption (truncated with EOS kept, padded)", positive());
    v("tokenizer", tokenizer, "SentencePiece model (spiece.model) for captions");
    v("weights", weights, "encoder weights (safetensors, Wan2.1 or Hugging Face names); empty: random");
  }
  void check(config::Checker& c) const {
    c.require(dim_attn % num_heads == 0, "dim_attn", "dim_attn must be a multiple of num_heads");
    c.require(num_buckets % 2 == 0, "num_buckets", "num_buckets must be even (bidirectional buckets)");
    c.require(max_distance > num_buckets / 4, "max_distance",
              "max_distance must exceed num_buckets / 4 (the largest exactly-bucketed distance)");
  }
};

}  // namespace nc::text
