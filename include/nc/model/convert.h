// Importing Wan2.1 checkpoints (`nc convert --from wan2.1`): its DiT, VAE and umT5 encoder
// safetensors, single files or sharded (`*.safetensors.index.json`), matched to our modules
// by name and shape, converted tensor by tensor to the chosen dtype, and written as a
// checkpoint folder that `nc rollout --ckpt`, `model.dit.weights` and friends accept:
//
//   CKPT/  model.safetensors    the DiT (what resolve_weights(CKPT) returns)
//          vae.safetensors      the VAE      (config.yaml: model.vae.weights)
//          t5.safetensors       the encoder  (config.yaml: model.text.weights)
//          config.yaml          the resolved config, its weights keys pointing at the files above
//          convert_report.json  loaded, missing, unexpected and mis-shaped tensors per part
//          state.json           nc-checkpoint, step 0, the files, "converted" (sources, dtype)
//
// Names and shapes are checked from the headers against the modules built on the meta
// device, so a 14B model is checked without allocating it, and tensors are converted one at
// a time (peak memory: the largest tensor, not the model).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "nc/config.h"
#include "nc/core/safetensors.h"

namespace nc::model {

// One safetensors file, or a sharded checkpoint read as one: Hugging Face's index
// `{"weight_map": {"tensor name": "shard file", ...}}` with shards beside the index.
class TensorSource {
 public:
  // Throws nc::Error naming the file for a missing or invalid file, an index that names a
  // missing shard, or a tensor its shard does not hold.
  static TensorSource open(const std::string& path);

  const std::string& path() const { return path_; }
  size_t shards() const { return files_.size(); }
  // Tensor names: file order for one file; index order (shards in order) for an index.
  const std::vector<std::string>& names() const { return names_; }
  bool contains(const std::string& name) const { return where_.count(name) > 0; }
  const safetensors::TensorInfo& info(const std::string& name) const;
  // A CPU tensor viewing the mapped shard (no copy).
  at::Tensor view(const std::string& name) const;

 private:
  std::string path_;
  std::vector<safetensors::File> files_;
  std::map<std::string, size_t> where_;  // name -> index into files_
  std::vector<std::string> names_;
};

struct ShapeMismatch {
  std::string name;  // our name
  std::vector<int64_t> file_shape, model_shape;
};

// How one checkpoint matched one module.
struct ImportReport {
  std::string component;  // "dit", "vae" or "t5"
  std::string source;     // the path given
  size_t shards = 1;
  std::string naming = "wan2.1";                 // t5 files may use Hugging Face's names
  std::map<std::string, int64_t> source_dtypes;  // "BF16" -> tensors of that dtype in the file
  std::vector<std::string> loaded;               // our names, filled from the file
  std::vector<std::string> missing;              // our names the file lacks
  std::vector<std::string> unexpected;           // file names with no place in the module
  std::vector<ShapeMismatch> mismatched;         // right name, wrong shape

  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // "dit: 825 tensors from x.safetensors.index.json (6 shards, BF16), 824 loaded, 1 missing, ..."
  std::string summary() const;
  // The summary, then every missing, unexpected and mis-shaped name (up to `max_listed` each).
  std::string text(size_t max_listed = 20) const;
  nlohmann::ordered_json to_json() const;
};

struct ConvertOptions {
  std::string from = "wan2.1";
  std::string dit, vae, t5;  // checkpoints to import; at least one
  std::string out;           // the checkpoint folder to write
  std::string dtype = "f32";  // f32 or bf16: the dtype of the written floating tensors
  bool allow_partial = false;  // write even when tensors are missing, unexpected or mis-shaped
};

// What will be converted: the reports, from the files' headers alone.
struct ConvertPlan {
  Config config;  // the model shapes the checkpoints are matched against
  ConvertOptions options;
  std::vector<ImportReport> reports;  // in the order dit, vae, t5 (those given)
  bool ok() const;
};

// Checks the options and matches every given checkpoint with its module (meta device).
// Throws nc::Error naming the option or file for bad options and unreadable files.
ConvertPlan plan_convert(const Config& config, const ConvertOptions& options);

// Writes the checkpoint folder (atomically: a temporary sibling, renamed). When the plan is
// not ok and partial writes are not allowed, writes only OUT/convert_report.json and throws
// nc::Error. Missing and mis-shaped tensors of a partial conversion are written with the
// module's initialisation (building that module on the CPU), unexpected ones are dropped.
// Returns the folder.
std::string write_convert(const ConvertPlan& plan);

}  // namespace nc::model
