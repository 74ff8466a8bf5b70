#include "nc/core/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <set>

#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <nlohmann/json.hpp>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/mapped_file.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors is little-endian; this reader assumes a little-endian host");

namespace nc::safetensors {
namespace {

using Json = nlohmann::json;

// Hugging Face's reader refuses headers above 100 MB; so do we.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct DTypeRow {
  DType dtype;
  const char* name;
  size_t size;
  at::ScalarType scalar;
};

const DTypeRow kDTypes[] = {
    {DType::F64, "F64", 8, at::kDouble},  {DType::F32, "F32", 4, at::kFloat},
    {DType::F16, "F16", 2, at::kHalf},    {DType::BF16, "BF16", 2, at::kBFloat16},
    {DType::I64, "I64", 8, at::kLong},    {DType::I32, "I32", 4, at::kInt},
    {DType::I16, "I16", 2, at::kShort},   {DType::I8, "I8", 1, at::kChar},
    {DType::U8, "U8", 1, at::kByte},      {DType::BOOL, "BOOL", 1, at::kBool},
};

const DTypeRow& row(DType dtype) {
  for (const auto& r : kDTypes)
    if (r.dtype == dtype) return r;
  throw Error("internal: unknown safetensors dtype");
}


// numel * elem_size without overflow; false when it overflows.
bool byte_size(const std::vector<int64_t>& shape, size_t elem, uint64_t* out) {
  uint64_t n = elem;
  for (int64_t d : shape) {
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(d)) return false;
    n *= static_cast<uint64_t>(d);
  }
  *out = n;
  return true;
}

TensorInfo parse_entry(const std::string& name, const Json& e, const std::string& where) {
  if (!e.is_object()) throw Error("header entry is not an object", where);
  TensorInfo info;
  info.name = name;
  if (!e.contains("dtype") || !e["dtype"].is_string())
    throw Error("missing or non-string 'dtype'", where);
  auto dtype = dtype_from_name(e["dtype"].get<std::string>());
  if (!dtype)
    throw Error("unsupported dtype '" + e["dtype"].get<std::string>() + "'", where,
                "supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL");
  info.dtype = *dtype;
  if (!e.contains("shape") || !e["shape"].is_array()) throw Error("missing 'shape' list", where);
  for (const auto& d : e["shape"]) {
    if (!d.is_number_integer() && !d.is_number_unsigned())
      throw Error("shape entries must be integers", where);
    if (d.is_number_integer() && d.get<int64_t>() < 0)
      throw Error("negative dimension in shape", where);
    if (d.is_number_unsigned() && d.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      throw Error("dimension too large", where);
    info.shape.push_back(d.get<int64_t>());
  }
  const Json& off = e.contains("data_offsets") ? e["data_offsets"] : Json();
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
      !off[1].is_number_unsigned())
    throw Error("'data_offsets' must be two non-negative integers", where);
  info.begin = off[0].get<uint64_t>();
  info.end = off[1].get<uint64_t>();
  if (info.begin > info.end) throw Error("data_offsets begin after they end", where);
  uint64_t expected = 0;
  if (!byte_size(info.shape, row(info.dtype).size, &expected))
    throw Error("shape overflows the addressable size", where);
  if (info.end - info.begin != expected)
    throw Error("data_offsets span " + std::to_string(info.end - info.begin) +
                    " bytes but dtype and shape need " + std::to_string(expected),
                where);
  return info;
}

}  // namespace

const char* dtype_name(DType dtype) { return row(dtype).name; }
size_t dtype_size(DType dtype) { return row(dtype).size; }
at::ScalarType to_scalar_type(DType dtype) { return row(dtype).scalar; }

DType from_scalar_type(at::ScalarType type) {
  for (const auto& r : kDTypes)
    if (r.scalar == type) return r.dtype;
  throw Error(std::string("dtype ") + c10::toString(type) + " cannot be stored in safetensors");
}

std::optional<DType> dtype_from_name(const std::string& name) {
  for (const auto& r : kDTypes)
    if (name == r.name) return r.dtype;
  return std::nullopt;
}

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// ---- reading ------------------------------------------------------------------------------------

File File::open(const std::string& path) {
  File f;
  f.path_ = path;
  f.mapping_ = MappedFile::open(path);
  const size_t size = f.mapping_->size();
  const uint8_t* bytes = f.mapping_->data();
  if (size < 8)
    throw Error("file is too short to be safetensors (" + std::to_string(size) + " bytes)", path);
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes, 8);
  if (header_len > kMaxHeaderBytes)
    throw Error("header length " + std::to_string(header_len) + " is implausible", path,
                "not a safetensors file, or a corrupt one");
  if (header_len > size - 8)
    throw Error("file is truncated: header length " + std::to_string(header_len) +
                    " exceeds the " + std::to_string(size - 8) + " bytes after it",
                path);
  f.data_start_ = 8 + header_len;
  const char* hb = reinterpret_cast<const char*>(bytes + 8);
  if (header_len == 0 || hb[0] != '{')
    throw Error("header is not a JSON object", path, "not a safetensors file?");

  Json header;
  try {
    header = Json::parse(hb, hb + header_len);
  } catch (const Json::exception& e) {
    throw Error(std::string("header is not valid JSON: ") + e.what(), path);
  }
  if (!header.is_object()) throw Error("header is not a JSON object", path);

  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) throw Error("__metadata__ must be an object", path);
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          throw Error("__metadata__ values must be strings (key '" + m.key() + "')", path);
        f.metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    if (it.key().empty()) throw Error("empty tensor name in header", path);
    f.tensors_.push_back(parse_entry(it.key(), it.value(), path + ": tensor '" + it.key() + "'"));
  }

  // The tensors must tile the data section exactly: no gaps, no overlaps, nothing past the end.
  std::sort(f.tensors_.begin(), f.tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const uint64_t data_size = size - f.data_start_;
  uint64_t cursor = 0;
  for (const auto& t : f.tensors_) {
    if (t.begin != cursor)
      throw Error(t.begin < cursor ? "tensor data overlaps the previous tensor"
                                   : "gap in the data section before this tensor",
                  path + ": tensor '" + t.name + "'");
    if (t.end > data_size)
      throw Error("file is truncated: tensor data ends at byte " + std::to_string(t.end) +
                      " of a " + std::to_string(data_size) + "-byte data section",
                  path + ": tensor '" + t.name + "'");
    cursor = t.end;
  }
  if (cursor != data_size)
    throw Error("data section has " + std::to_string(data_size - cursor) +
                    " bytes that no tensor describes",
                path);
  for (size_t i = 0; i < f.tensors_.size(); ++i) f.index_[f.tensors_[i].name] = i;
  return f;
}

const TensorInfo& File::info(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw Error("no tensor named '" + name + "'", path_);
  return tensors_[it->second];
}

at::Tensor File::view(const std::string& name) const {
  const TensorInfo& t = info(name);
  auto options = at::TensorOptions().dtype(to_scalar_type(t.dtype));
  uint8_t* ptr = mapping_->mutable_data() + data_start_ + t.begin;
  if (reinterpret_cast<uintptr_t>(ptr) % dtype_size(t.dtype) != 0) return load(name);
  std::shared_ptr<MappedFile> keep = mapping_;
  return at::from_blob(ptr, t.shape, [keep](void*) {}, options);
}

at::Tensor File::load(const std::string& name) const {
  const TensorInfo& t = info(name);
  at::Tensor out = at::empty(t.shape, at::TensorOptions().dtype(to_scalar_type(t.dtype)));
  if (t.end > t.begin)
    std::memcpy(out.data_ptr(), mapping_->data() + data_start_ + t.begin, t.end - t.begin);
  return out;
}

std::map<std::string, at::Tensor> File::load_all() const {
  std::map<std::string, at::Tensor> out;
  for (const auto& t : tensors_) out[t.name] = load(t.name);
  return out;
}

// ---- writing ------------------------------------------------------------------------------------

namespace {

// Validates the tensors, brings them to contiguous CPU memory and builds the padded header.
std::string build_header(const NamedTensors& tensors,
                         const std::map<std::string, std::string>& metadata,
                         const std::string& where, std::vector<at::Tensor>* cpu) {
  std::set<std::string> names;
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty() || name == "__metadata__")
      throw Error("invalid tensor name '" + name + "'", where);
    if (!names.insert(name).second) throw Error("duplicate tensor name '" + name + "'", where);
    if (!tensor.defined()) throw Error("undefined tensor '" + name + "'", where);
    DType dtype = from_scalar_type(tensor.scalar_type());
    at::Tensor c = tensor.detach().to(at::kCPU).contiguous();
    uint64_t bytes = static_cast<uint64_t>(c.numel()) * dtype_size(dtype);
    header[name] = {{"dtype", dtype_name(dtype)},
                    {"shape", c.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    cpu->push_back(std::move(c));
  }
  std::string h = header.dump();
  // Pad with spaces so that the data section starts 8-byte aligned, as the reference writer does.
  h.append((8 - (h.size() % 8)) % 8, ' ');
  uint64_t n = h.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + h;
}

}  // namespace

std::string serialize(const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<at::Tensor> cpu;
  std::string out = build_header(tensors, metadata, "safetensors", &cpu);
  for (const auto& c : cpu)
    out.append(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
  return out;
}

void save(const std::string& path, const NamedTensors& tensors,
          const std::map<std::string, std::string>& metadata) {
  std::vector<at::Tensor> cpu;
  std::string header = build_header(tensors, metadata, path, &cpu);
  AtomicFileWriter out(path);
  out.write(header.data(), header.size());
  for (const auto& c : cpu) out.write(c.data_ptr(), c.numel() * c.element_size());
  out.commit();
}

}  // namespace nc::safetensors
