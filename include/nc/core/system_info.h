// What `nc version` reports: versions, the BLAS actually loaded, threads, CUDA devices.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "nc/core/torch_compat.h"

namespace nc {

struct BlasInfo {
  std::string name;       // "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell MAX_THREADS=64"
  std::string library;    // the shared object that provides it, after symlinks
  bool optimized = false; // false for the reference BLAS (about 30x slower matrix products)
};

struct SystemInfo {
  std::string nc_version, torch_version, compiler, cpu_capability;
  BlasInfo blas;
  int threads = 0, interop_threads = 0;
  compat::CudaInfo cuda;
};

SystemInfo system_info();
BlasInfo blas_info();
nlohmann::ordered_json to_json(const SystemInfo& info);
std::string to_text(const SystemInfo& info);

}  // namespace nc
