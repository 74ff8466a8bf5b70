#include "nc/text/t5_weights.h"

#include <map>
#include <set>
#include <string>

#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/GradMode.h>
#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/core/log.h"
#include "nc/core/safetensors.h"
#include "nc/core/strings.h"

namespace nc::text {
namespace {

constexpr size_t kListed = 5;  // names listed in an error message

std::string shape_str(const std::vector<int64_t>& shape) {
  std::vector<std::string> dims;
  for (int64_t d : shape) dims.push_back(std::to_string(d));
  return "[" + join(dims, ", ") + "]";
}

template <class T, class F>
std::string first_few(const std::vector<T>& items, F describe) {
  std::vector<std::string> out;
  for (size_t i = 0; i < items.size() && i < kListed; ++i) out.push_back(describe(items[i]));
  if (items.size() > kListed) out.push_back(fmt::format("... {} more", items.size() - kListed));
  return join(out, ", ");
}

// Our name -> the file's tensor name, and the report's name lists, from names and shapes only.
struct Plan {
  T5WeightsReport report;
  std::map<std::string, std::string> source;  // our name -> file name
};

Plan plan_load(const T5Encoder& model, const safetensors::File& file) {
  Plan plan;
  T5WeightsReport& r = plan.report;
  r.path = file.path();
  const bool shared_pos = model->options().shared_pos;

  std::vector<std::string> file_names;
  for (const auto& info : file.tensors()) file_names.push_back(info.name);
  r.naming = t5_naming_of(file_names);

  const auto params = model->named_parameters(/*recurse=*/true);
  std::set<std::string> ours;
  for (const auto& item : params) ours.insert(item.key());

  for (const auto& name : file_names) {
    const std::string mapped = r.naming == T5Naming::HuggingFace ? t5_name_from_hf(name, shared_pos) : name;
    if (mapped.empty() || !ours.count(mapped)) {
      r.unexpected.push_back(name);
      continue;
    }
    plan.source.emplace(mapped, name);  // a tied duplicate (shared / embed_tokens): first wins
  }

  for (const auto& item : params) {
    const std::string& name = item.key();
    auto it = plan.source.find(name);
    if (it == plan.source.end()) {
      r.missing.push_back(name);
      continue;
    }
    const auto& info = file.info(it->second);
    std::vector<int64_t> module_shape(item.value().sizes().begin(), item.value().sizes().end());
    if (info.shape != module_shape) {
      r.mismatched.push_back({name, info.shape, module_shape});
      plan.source.erase(it);
      continue;
    }
    r.loaded.push_back(name);
  }
  return plan;
}

}  // namespace

std::string T5WeightsReport::summary() const {
  return fmt::format("{} tensors ({} names), {} missing, {} unexpected, {} mis-shaped", loaded.size(),
                     naming == T5Naming::HuggingFace ? "Hugging Face" : "Wan2.1", missing.size(),
                     unexpected.size(), mismatched.size());
}

T5WeightsReport check_t5_weights(const T5Encoder& model, const std::string& path) {
  return plan_load(model, safetensors::File::open(path)).report;
}

T5WeightsReport load_t5_weights(T5Encoder& model, const std::string& path) {
  const auto file = safetensors::File::open(path);
  Plan plan = plan_load(model, file);
  const T5WeightsReport& r = plan.report;
  if (!r.ok()) {
    std::vector<std::string> parts;
    if (!r.missing.empty())
      parts.push_back(fmt::format("{} missing ({})", r.missing.size(),
                                  first_few(r.missing, [](const std::string& s) { return s; })));
    if (!r.mismatched.empty())
      parts.push_back(fmt::format("{} mis-shaped ({})", r.mismatched.size(),
                                  first_few(r.mismatched, [](const T5ShapeMismatch& m) {
                                    return m.name + ": file " + shape_str(m.file_shape) +
                                           " vs model " + shape_str(m.module_shape);
                                  })));
    throw Error("T5 weights do not fit the encoder: " + join(parts, "; "), path,
                "check that text.vocab, dim, dim_ffn, num_heads, num_layers and shared_pos "
                "describe this checkpoint (umT5-XXL: 256384, 4096, 10240, 64, 24, false)");
  }
  const auto params = model->named_parameters(/*recurse=*/true);
  for (const auto& item : params)
    check(!item.value().is_meta(), "cannot load weights into a T5 encoder built on the meta device",
          path);
  {
    c10::NoGradGuard no_grad;
    for (const auto& item : params) {
      at::Tensor param = item.value();
      param.copy_(file.view(plan.source.at(item.key())));
    }
  }
  log::info("{}: T5 encoder weights: {}", path, r.summary());
  if (!r.unexpected.empty())
    log::warn("{}: {} tensors not used by the encoder ({})", path, r.unexpected.size(),
              first_few(r.unexpected, [](const std::string& s) { return s; }));
  return plan.report;
}

T5Encoder build_t5_encoder(const T5Options& o, const at::TensorOptions& options) {
  if (!o.weights.empty() || options.device().is_meta()) {
    T5Encoder model(o, options);
    if (!o.weights.empty()) load_t5_weights(model, o.weights);
    return model;
  }
  constexpr uint64_t kInitSeed = 0x7e5;
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  const at::Tensor state = cpu.get_state();
  cpu.set_current_seed(kInitSeed);
  T5Encoder model(o, options.device(at::kCPU));
  cpu.set_state(state);
  if (options.device() != at::Device(at::kCPU)) model->to(options.device());
  return model;
}

}  // namespace nc::text
