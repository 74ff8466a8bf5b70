#include "nc/model/convert.h"

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <set>

#include <c10/core/GradMode.h>
#include <fmt/format.h>
#include <torch/nn/module.h>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/progress.h"
#include "nc/core/strings.h"
#include "nc/model/checkpoint_dir.h"
#include "nc/model/dit.h"
#include "nc/model/vae.h"
#include "nc/model/weights.h"
#include "nc/text/t5.h"
#include "nc/text/t5_names.h"

namespace nc::model {
namespace fs = std::filesystem;

namespace {

constexpr const char* kReportFile = "convert_report.json";

std::string shape_str(const std::vector<int64_t>& shape) {
  std::vector<std::string> dims;
  for (int64_t d : shape) dims.push_back(std::to_string(d));
  return "[" + join(dims, ", ") + "]";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One part of a neural computer that a Wan2.1 checkpoint fills.
struct Component {
  std::string name;     // dit, vae, t5
  std::string file;     // written as CKPT/<file>
  std::string source;   // the checkpoint given
  std::function<std::shared_ptr<torch::nn::Module>(const c10::Device&)> build;
};

std::vector<Component> components(const Config& config, const ConvertOptions& o) {
  std::vector<Component> out;
  const ModelConfig& m = config.model;
  if (!o.dit.empty())
    out.push_back({"dit", "model.safetensors", o.dit, [m](const c10::Device& d) {
                     return std::static_pointer_cast<torch::nn::Module>(
                         Dit(m.dit, at::TensorOptions().device(d)).ptr());
                   }});
  if (!o.vae.empty())
    out.push_back({"vae", "vae.safetensors", o.vae, [m](const c10::Device& d) {
                     return std::static_pointer_cast<torch::nn::Module>(Vae(m.vae, d).ptr());
                   }});
  if (!o.t5.empty())
    out.push_back({"t5", "t5.safetensors", o.t5, [m](const c10::Device& d) {
                     return std::static_pointer_cast<torch::nn::Module>(
                         text::T5Encoder(m.text, at::TensorOptions().device(d)).ptr());
                   }});
  return out;
}

// Our name -> the source's tensor name, with the report (names and shapes only).
struct Match {
  ImportReport report;
  std::map<std::string, std::string> source_name;
};

Match match(const Component& c, const TensorSource& source, const safetensors::NamedTensors& targets,
            bool shared_pos) {
  Match m;
  ImportReport& r = m.report;
  r.component = c.name;
  r.source = c.source;
  r.shards = source.shards();
  const bool hf = c.name == "t5" && text::t5_naming_of(source.names()) == text::T5Naming::HuggingFace;
  r.naming = hf ? "hugging face" : "wan2.1";
  std::set<std::string> ours;
  for (const auto& [name, tensor] : targets) ours.insert(name);
  for (const auto& name : source.names()) {
    r.source_dtypes[safetensors::dtype_name(source.info(name).dtype)]++;
    const std::string mapped = hf ? text::t5_name_from_hf(name, shared_pos) : name;
    if (mapped.empty() || !ours.count(mapped) || m.source_name.count(mapped)) {
      // A tied duplicate (`shared.weight` and `encoder.embed_tokens.weight`) maps once.
      if (mapped.empty() || !ours.count(mapped)) r.unexpected.push_back(name);
      continue;
    }
    m.source_name.emplace(mapped, name);
  }
  for (const auto& [name, target] : targets) {
    auto it = m.source_name.find(name);
    if (it == m.source_name.end()) {
      r.missing.push_back(name);
      continue;
    }
    const std::vector<int64_t>& file_shape = source.info(it->second).shape;
    const std::vector<int64_t> model_shape = target.sizes().vec();
    if (file_shape != model_shape) {
      r.mismatched.push_back({name, file_shape, model_shape});
      m.source_name.erase(it);
      continue;
    }
    r.loaded.push_back(name);
  }
  return m;
}

// A safetensors file written tensor by tensor: the header from names, shapes and dtypes,
// then each tensor as `produce` makes it, so only one is in memory at a time.
void write_streaming(const std::string& path, const std::vector<std::string>& names,
                     const std::vector<std::vector<int64_t>>& shapes, const std::vector<at::ScalarType>& dtypes,
                     const std::function<at::Tensor(size_t)>& produce,
                     const std::map<std::string, std::string>& metadata, Progress& progress) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  std::vector<uint64_t> bytes(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const safetensors::DType dtype = safetensors::from_scalar_type(dtypes[i]);
    int64_t numel = 1;
    for (int64_t d : shapes[i]) numel *= d;
    bytes[i] = static_cast<uint64_t>(numel) * safetensors::dtype_size(dtype);
    header[names[i]] = {{"dtype", safetensors::dtype_name(dtype)},
                        {"shape", shapes[i]},
                        {"data_offsets", {offset, offset + bytes[i]}}};
    offset += bytes[i];
  }
  std::string h = header.dump();
  h.append((8 - (h.size() % 8)) % 8, ' ');  // the data section starts 8-byte aligned
  const uint64_t n = h.size();
  AtomicFileWriter out(path);
  out.write(&n, 8);
  out.write(h.data(), h.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const at::Tensor t = produce(i).contiguous();
    if (t.scalar_type() != dtypes[i] || t.sizes().vec() != shapes[i] ||
        static_cast<uint64_t>(t.numel() * t.element_size()) != bytes[i])
      throw Error("internal: tensor changed shape or dtype while converting", path + ": " + names[i]);
    out.write(t.data_ptr(), bytes[i]);
    progress.advance();
  }
  out.commit();
}

at::ScalarType output_dtype(const std::string& dtype) { return dtype == "bf16" ? at::kBFloat16 : at::kFloat; }

// Writes one component's file into `dir`.
void write_component(const Component& c, const ConvertPlan& plan, const std::string& dir) {
  const TensorSource source = TensorSource::open(c.source);
  std::shared_ptr<torch::nn::Module> meta = c.build(c10::Device(c10::kMeta));
  const safetensors::NamedTensors targets = named_weights(*meta);
  const Match m = match(c, source, targets, plan.config.model.text.shared_pos);
  // Missing and mis-shaped tensors (a partial conversion) take the module's initialisation.
  std::shared_ptr<torch::nn::Module> init;
  std::map<std::string, at::Tensor> initial;
  if (m.source_name.size() < targets.size()) {
    log::warn("{}: {} tensors written with the model's initialisation", c.name,
              targets.size() - m.source_name.size());
    init = c.build(c10::Device(c10::kCPU));
    for (auto& [name, tensor] : named_weights(*init)) initial[name] = tensor.detach();
  }
  const at::ScalarType out_dtype = output_dtype(plan.options.dtype);
  std::vector<std::string> names;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<at::ScalarType> dtypes;
  for (const auto& [name, target] : targets) {
    names.push_back(name);
    shapes.push_back(target.sizes().vec());
    dtypes.push_back(at::isFloatingType(target.scalar_type()) ? out_dtype : target.scalar_type());
  }
  Progress progress("convert " + c.name, static_cast<int64_t>(names.size()), "tensors");
  c10::NoGradGuard no_grad;
  write_streaming(
      dir + "/" + c.file, names, shapes, dtypes,
      [&](size_t i) {
        auto it = m.source_name.find(names[i]);
        const at::Tensor t = it != m.source_name.end() ? source.view(it->second) : initial.at(names[i]);
        return t.to(dtypes[i]);  // bf16/f16 -> f32 on the CPU (a no-op view when equal)
      },
      {{"format", "nc"}, {"converted_from", plan.options.from}, {"source", c.source}}, progress);
  progress.finish();
}

std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

}  // namespace

// ---- TensorSource -----------------------------------------------------------------------------

TensorSource TensorSource::open(const std::string& path) {
  TensorSource s;
  s.path_ = path;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw Error("is a folder", path, "give the .safetensors file, or the *.safetensors.index.json of a sharded checkpoint");
  if (!file_exists(path)) throw Error("checkpoint not found", path);
  if (!ends_with(path, ".json")) {
    s.files_.push_back(safetensors::File::open(path));
    for (const auto& info : s.files_[0].tensors()) {
      s.where_[info.name] = 0;
      s.names_.push_back(info.name);
    }
    return s;
  }
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not valid JSON: ") + e.what(), path);
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
    throw Error("a sharded checkpoint index needs a \"weight_map\" object (tensor name -> shard file)", path);
  const std::string dir = dir_of(path);
  std::map<std::string, size_t> shard_index;
  std::vector<std::pair<std::string, size_t>> order;  // (name, shard)
  const nlohmann::json& weight_map = index["weight_map"];
  for (auto entry = weight_map.begin(); entry != weight_map.end(); ++entry) {
    const std::string& name = entry.key();
    const nlohmann::json& file = entry.value();
    if (!file.is_string()) throw Error("weight_map values must be shard file names", path + ": " + name);
    const std::string shard = file.get<std::string>();
    if (shard.find('/') != std::string::npos || shard.empty())
      throw Error("shard '" + shard + "' must be a file name beside the index", path + ": " + name);
    auto it = shard_index.find(shard);
    if (it == shard_index.end()) {
      const std::string shard_path = dir + "/" + shard;
      if (!file_exists(shard_path)) throw Error("shard " + shard + " (of " + name + ") not found", path);
      it = shard_index.emplace(shard, s.files_.size()).first;
      s.files_.push_back(safetensors::File::open(shard_path));
    }
    if (!s.files_[it->second].contains(name))
      throw Error("the index puts " + name + " in " + shard + ", which does not hold it", path);
    order.emplace_back(name, it->second);
  }
  if (order.empty()) throw Error("the index's weight_map is empty", path);
  const std::map<std::string, size_t> listed(order.begin(), order.end());
  // Shards in the order they were first named, tensors in each shard's file order; a shard's
  // tensor that the index leaves out is not part of the checkpoint.
  for (size_t f = 0; f < s.files_.size(); ++f)
    for (const auto& info : s.files_[f].tensors()) {
      auto it = listed.find(info.name);
      if (it == listed.end() || it->second != f) continue;
      s.where_[info.name] = f;
      s.names_.push_back(info.name);
    }
  return s;
}

const safetensors::TensorInfo& TensorSource::info(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw Error("no tensor " + name, path_);
  return files_[it->second].info(name);
}

at::Tensor TensorSource::view(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw Error("no tensor " + name, path_);
  return files_[it->second].view(name);
}

// ---- ImportReport -----------------------------------------------------------------------------

std::string ImportReport::summary() const {
  std::vector<std::string> dtypes;
  for (const auto& [dtype, count] : source_dtypes) dtypes.push_back(dtype);
  size_t total = 0;
  for (const auto& [dtype, count] : source_dtypes) total += static_cast<size_t>(count);
  return fmt::format("{}: {} tensors from {} ({}{}{}), {} loaded, {} missing, {} unexpected, {} mis-shaped", component,
                     total, source, shards > 1 ? std::to_string(shards) + " shards, " : "", join(dtypes, "/"),
                     naming == "wan2.1" ? "" : ", " + naming + " names", loaded.size(), missing.size(),
                     unexpected.size(), mismatched.size());
}

std::string ImportReport::text(size_t max_listed) const {
  std::string out = summary() + "\n";
  auto list = [&](const char* what, size_t n, const std::function<std::string(size_t)>& item) {
    for (size_t i = 0; i < n && i < max_listed; ++i) out += fmt::format("  {} {}\n", what, item(i));
    if (n > max_listed) out += fmt::format("  ... {} more {} (all in {})\n", n - max_listed, what, kReportFile);
  };
  list("missing", missing.size(), [&](size_t i) { return missing[i]; });
  list("unexpected", unexpected.size(), [&](size_t i) { return unexpected[i]; });
  list("mis-shaped", mismatched.size(), [&](size_t i) {
    return fmt::format("{}: file {}, model {}", mismatched[i].name, shape_str(mismatched[i].file_shape),
                       shape_str(mismatched[i].model_shape));
  });
  return out;
}

nlohmann::ordered_json ImportReport::to_json() const {
  nlohmann::ordered_json mis = nlohmann::ordered_json::array();
  for (const auto& m : mismatched) mis.push_back({{"name", m.name}, {"file_shape", m.file_shape}, {"model_shape", m.model_shape}});
  return {{"component", component}, {"source", source},     {"shards", shards},
          {"naming", naming},       {"dtypes", source_dtypes}, {"ok", ok()},
          {"loaded", loaded.size()}, {"missing", missing},   {"unexpected", unexpected},
          {"mismatched", mis}};
}

// ---- plan and write ---------------------------------------------------------------------------

bool ConvertPlan::ok() const {
  for (const auto& r : reports)
    if (!r.ok()) return false;
  return true;
}

ConvertPlan plan_convert(const Config& config, const ConvertOptions& options) {
  check(options.from == "wan2.1", "unknown source format '" + options.from + "'", "--from", "supported: wan2.1");
  check(options.dtype == "f32" || options.dtype == "bf16", "unknown dtype '" + options.dtype + "'", "--dtype",
        "f32 or bf16");
  check(!options.out.empty(), "no output folder", "--out");
  check(!options.dit.empty() || !options.vae.empty() || !options.t5.empty(), "nothing to convert", "nc convert",
        "give --dit, --vae and/or --t5");
  check(!file_exists(options.out + "/state.json"), "already holds a checkpoint", options.out,
        "remove it or choose another --out");
  ConvertPlan plan;
  plan.config = config;
  plan.options = options;
  for (const Component& c : components(config, options)) {
    const TensorSource source = TensorSource::open(c.source);
    std::shared_ptr<torch::nn::Module> meta = c.build(c10::Device(c10::kMeta));
    Match m = match(c, source, named_weights(*meta), config.model.text.shared_pos);
    log::info("{}", m.report.summary());
    plan.reports.push_back(std::move(m.report));
  }
  return plan;
}

std::string write_convert(const ConvertPlan& plan) {
  const ConvertOptions& o = plan.options;
  const std::string out = o.out;
  std::error_code ec;
  if (fs::exists(out, ec)) {
    check(fs::is_directory(out, ec), "exists and is not a folder", out, "choose another --out");
    for (const auto& e : fs::directory_iterator(out, ec))
      check(e.path().filename() == kReportFile, "exists and is not empty", out, "remove it or choose another --out");
  }
  nlohmann::ordered_json report = {{"from", o.from}, {"dtype", o.dtype}, {"ok", plan.ok()}, {"parts", nlohmann::ordered_json::array()}};
  for (const auto& r : plan.reports) report["parts"].push_back(r.to_json());
  if (!plan.ok() && !o.allow_partial) {
    make_dirs(out);
    write_file_atomic(out + "/" + kReportFile, report.dump(2) + "\n");
    size_t missing = 0, unexpected = 0, mismatched = 0;
    for (const auto& r : plan.reports) {
      missing += r.missing.size();
      unexpected += r.unexpected.size();
      mismatched += r.mismatched.size();
    }
    std::string hint = "the lists are in " + out + "/" + kReportFile + "; check --config matches the checkpoint, or "
                       "pass --allow-partial to write it anyway";
    for (const auto& r : plan.reports)
      if (r.loaded.empty()) hint = r.component + " matched no tensor by name: is it a Wan2.1 (not diffusers) checkpoint? " + hint;
    throw Error(fmt::format("{} missing, {} unexpected, {} mis-shaped tensors", missing, unexpected, mismatched),
                plan.reports.size() == 1 ? plan.reports[0].source : out, hint);
  }

  const std::string tmp = out + ".tmp-" + std::to_string(getpid());
  fs::remove_all(tmp, ec);
  make_dirs(tmp);
  const std::string final_dir = absolute(out);
  try {
    nlohmann::json files = nlohmann::json::array();
    Config config = plan.config;
    for (const Component& c : components(plan.config, o)) {
      write_component(c, plan, tmp);
      files.push_back(c.file);
      if (c.name == "dit") config.model.dit.weights = final_dir;  // resolves to model.safetensors
      if (c.name == "vae") config.model.vae.weights = final_dir + "/" + c.file;
      if (c.name == "t5") config.model.text.weights = final_dir + "/" + c.file;
    }
    write_file_atomic(tmp + "/config.yaml", config::to_yaml(config::to_json(config)));
    write_file_atomic(tmp + "/" + kReportFile, report.dump(2) + "\n");
    nlohmann::json sources = nlohmann::json::object();
    for (const auto& r : plan.reports) sources[r.component] = absolute(r.source);
    nlohmann::json state = {{"format", "nc-checkpoint"},
                            {"version", kCheckpointVersion},
                            {"step", 0},
                            {"files", files},
                            {"converted", {{"from", o.from}, {"dtype", o.dtype}, {"partial", !plan.ok()}, {"sources", sources}}},
                            {"complete", true}};
    write_file_atomic(tmp + "/state.json", state.dump(2) + "\n");
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  fs::remove_all(out, ec);  // at most an earlier failed run's report (checked above)
  fs::rename(tmp, out, ec);
  if (ec) throw Error("cannot move the converted checkpoint into place: " + ec.message(), out);
  log::info("wrote {}", out);
  return out;
}

}  // namespace nc::model
