// Loading T5/umT5 encoder weights from safetensors: Wan2.1's names (our module tree) or
// Hugging Face's (`encoder.block.N.layer.0.SelfAttention.q.weight`, ...), translated by the
// one name map in src/text/t5_names.cpp. Tensors are converted to the module's dtype and
// device (a bf16 checkpoint loads into a float32 module and back).
//
// Wan2.1 ships its encoder as a PyTorch pickle (models_t5_umt5-xxl-enc-bf16.pth); convert it
// once with `safetensors.torch.save_file(torch.load(p, map_location="cpu"), out)`
// (docs/MODELS.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nc/text/t5.h"
#include "nc/text/t5_names.h"

namespace nc::text {

struct T5ShapeMismatch {
  std::string name;  // our name
  std::vector<int64_t> file_shape, module_shape;
};

struct T5WeightsReport {
  std::string path;
  T5Naming naming = T5Naming::Wan;
  std::vector<std::string> loaded;                // our names, filled from the file
  std::vector<std::string> missing;               // our names the file lacks
  std::vector<std::string> unexpected;            // file names with no place in the module
  std::vector<T5ShapeMismatch> mismatched;        // present under the right name, wrong shape

  bool ok() const { return missing.empty() && mismatched.empty(); }
  // "290 tensors (Hugging Face names), 0 missing, 2 unexpected, 0 mis-shaped"
  std::string summary() const;
};

// Compares the file's names and shapes with the module's, reading no tensor data.
T5WeightsReport check_t5_weights(const T5Encoder& model, const std::string& path);

// Loads every parameter of `model` from `path`. Throws nc::Error naming the file when a
// parameter is missing or mis-shaped (listing the first few of each), before changing the
// module. Unexpected tensors (a full encoder-decoder checkpoint's decoder) are reported and
// logged, not an error.
T5WeightsReport load_t5_weights(T5Encoder& model, const std::string& path);

// The encoder `o` describes, with `o.weights` loaded when set. Without weights it keeps a random
// initialisation drawn on the CPU from a fixed seed (the global generator's state is restored
// afterwards): training and every later rollout of a config get the same encoder, whatever
// ran before, where a draw from the global state gave the DiT a different text encoder at
// inference than the one it was trained with.
T5Encoder build_t5_encoder(const T5Options& o, const at::TensorOptions& options = {});

}  // namespace nc::text
