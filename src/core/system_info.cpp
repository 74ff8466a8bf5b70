#include "nc/core/system_info.h"

#include <dlfcn.h>
#include <link.h>

#include <filesystem>

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <fmt/format.h>

#include "nc/core/strings.h"

namespace nc {
namespace {

std::string real_path(const std::string& p) {
  std::error_code ec;
  auto r = std::filesystem::canonical(p, ec);
  return ec ? p : r.string();
}

// The loaded shared objects whose names look like a BLAS.
std::vector<std::string> loaded_blas_libraries() {
  std::vector<std::string> out;
  dl_iterate_phdr(
      [](struct dl_phdr_info* info, size_t, void* data) {
        std::string name = info->dlpi_name ? info->dlpi_name : "";
        auto base = std::filesystem::path(name).filename().string();
        if (base.find("blas") != std::string::npos || base.find("mkl") != std::string::npos)
          static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
      },
      &out);
  return out;
}

// "BLAS_INFO=mkl" from LibTorch's build description (what a wheel links statically).
std::string build_blas_info() {
  std::string cfg = at::show_config();
  auto pos = cfg.find("BLAS_INFO=");
  if (pos == std::string::npos) return "";
  auto end = cfg.find_first_of(", \n", pos);
  return cfg.substr(pos + 10, end == std::string::npos ? std::string::npos : end - pos - 10);
}

std::string cpu_capability() {
  std::string cfg = at::show_config();
  auto pos = cfg.find("CPU capability usage: ");
  if (pos == std::string::npos) return "";
  return trim(cfg.substr(pos + 22, cfg.find('\n', pos) - pos - 22));
}

}  // namespace

BlasInfo blas_info() {
  BlasInfo info;
  using ConfigFn = char* (*)();
  if (auto fn = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    info.name = fn();
    info.optimized = true;
  } else if (auto mkl = reinterpret_cast<void (*)(char*, int)>(
                 dlsym(RTLD_DEFAULT, "mkl_get_version_string"))) {
    char buf[256] = {0};
    mkl(buf, sizeof(buf) - 1);
    info.name = trim(buf);
    info.optimized = true;
  }
  for (const auto& lib : loaded_blas_libraries()) {
    std::string real = real_path(lib);
    info.library = real;
    // Debian's reference BLAS lives under .../blas/; OpenBLAS under .../openblas-*/.
    if (info.name.empty() && real.find("/blas/") != std::string::npos) {
      info.name = "reference BLAS (netlib)";
      info.optimized = false;
    }
    if (real.find("openblas") != std::string::npos || real.find("mkl") != std::string::npos) break;
  }
  if (info.name.empty()) {
    std::string built = build_blas_info();
    info.name = built.empty() ? "unknown" : "built-in (" + built + ")";
    info.optimized = built == "mkl" || built == "open" || built == "openblas";
  }
  return info;
}

SystemInfo system_info() {
  SystemInfo info;
  info.nc_version = NC_VERSION;
  info.torch_version = compat::torch_version();
  info.compiler = fmt::format("GCC {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
  info.cpu_capability = cpu_capability();
  info.blas = blas_info();
  info.threads = at::get_num_threads();
  info.interop_threads = at::get_num_interop_threads();
  info.cuda = compat::cuda_info();
  return info;
}

nlohmann::ordered_json to_json(const SystemInfo& s) {
  return {{"nc", s.nc_version},
          {"libtorch", s.torch_version},
          {"compiler", s.compiler},
          {"cpu_capability", s.cpu_capability},
          {"blas", {{"name", s.blas.name}, {"library", s.blas.library}, {"optimized", s.blas.optimized}}},
          {"threads", s.threads},
          {"interop_threads", s.interop_threads},
          {"cuda",
           {{"built_with_cuda", s.cuda.built_with_cuda},
            {"available", s.cuda.available},
            {"version", s.cuda.cuda_version},
            {"cudnn", s.cuda.cudnn_version},
            {"nccl", s.cuda.nccl_version},
            {"devices", s.cuda.device_names}}}};
}

std::string to_text(const SystemInfo& s) {
  auto or_none = [](const std::string& v) { return v.empty() ? std::string("not available") : v; };
  std::string out;
  out += fmt::format("nc        {}\n", s.nc_version);
  out += fmt::format("LibTorch  {} ({}, CPU capability {})\n", s.torch_version, s.compiler,
                     s.cpu_capability.empty() ? "?" : s.cpu_capability);
  out += fmt::format("BLAS      {}{}\n", s.blas.name,
                     s.blas.library.empty() ? "" : " [" + s.blas.library + "]");
  if (!s.blas.optimized)
    out += "          WARNING: not an optimized BLAS; install libopenblas0-pthread\n";
  out += fmt::format("threads   {} intra-op, {} inter-op\n", s.threads, s.interop_threads);
  if (!s.cuda.built_with_cuda)
    out += "CUDA      not in this build (CPU LibTorch)\n";
  else
    out += fmt::format("CUDA      {} (runtime {}), {} device(s)\n",
                       s.cuda.available ? "available" : "built in, no device",
                       or_none(s.cuda.cuda_version), s.cuda.device_count);
  out += fmt::format("cuDNN     {}\nNCCL      {}\n", or_none(s.cuda.cudnn_version),
                     or_none(s.cuda.nccl_version));
  for (size_t i = 0; i < s.cuda.device_names.size(); ++i)
    out += fmt::format("cuda:{}    {}\n", i, s.cuda.device_names[i]);
  return out;
}

}  // namespace nc
