// Safetensors, the checkpoint format of the whole project (Hugging Face's format):
//
//   [8 bytes: N, little-endian u64] [N bytes: JSON header] [data]
//   header = {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//             "__metadata__": {"key": "value", ...}}            (metadata optional, strings only)
//
// Offsets are relative to the start of the data section. Reads are memory-mapped and fully
// validated before any tensor is touched: a truncated or inconsistent file is an nc::Error
// naming the file and the tensor, never a crash or an out-of-bounds read.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace nc {
class MappedFile;
}

namespace nc::safetensors {

// The dtypes we read and write, with the format's names.
enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

const char* dtype_name(DType dtype);
size_t dtype_size(DType dtype);
at::ScalarType to_scalar_type(DType dtype);
// Throws nc::Error for a scalar type the format cannot hold.
DType from_scalar_type(at::ScalarType type);
// "F32" -> DType::F32; nullopt for a name the format does not have.
std::optional<DType> dtype_from_name(const std::string& name);

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets into the data section
  int64_t numel() const;
};

// A validated, memory-mapped safetensors file.
class File {
 public:
  static File open(const std::string& path);

  const std::string& path() const { return path_; }
  // Tensors in file order (by data offset).
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return index_.count(name) > 0; }
  const TensorInfo& info(const std::string& name) const;

  // A CPU tensor that views the mapping (no copy; the mapping stays alive while it does).
  // Falls back to a copy when the data is not aligned for its dtype.
  at::Tensor view(const std::string& name) const;
  // An owning copy.
  at::Tensor load(const std::string& name) const;
  // Every tensor, as owning copies.
  std::map<std::string, at::Tensor> load_all() const;

 private:
  std::string path_;
  std::shared_ptr<MappedFile> mapping_;
  size_t data_start_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Writes tensors (any device, any layout: they are copied to contiguous CPU memory) to
// `path` atomically (temporary name + rename). Names must be unique and non-empty.
void save(const std::string& path, const NamedTensors& tensors,
          const std::map<std::string, std::string>& metadata = {});

// The serialised bytes, for tests and for in-memory use.
std::string serialize(const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace nc::safetensors
