// Everything that differs between the two LibTorch builds we support lives here:
//   Debian's libtorch-dev 1.13 (CPU), used by every test and CI run, and
//   a CUDA LibTorch 2.x (the one inside a PyTorch wheel), used on GPU machines.
// Keyed on TORCH_VERSION_MAJOR/MINOR; the rest of the code calls these and never tests versions.
#pragma once

#include <string>
#include <vector>

#include <torch/version.h>

#define NC_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace nc::compat {

// "1.13.0"
std::string torch_version();

// CUDA facts of this build and machine; all empty/false on a CPU build.
struct CudaInfo {
  bool built_with_cuda = false;
  bool available = false;
  int device_count = 0;
  std::vector<std::string> device_names;  // "NVIDIA H200 (139.8 GiB, sm_90)"
  std::string cuda_version;               // runtime version the build targets, "12.1"
  std::string cudnn_version;              // "" when cuDNN is absent
  std::string nccl_version;               // "" when NCCL is absent
};
CudaInfo cuda_info();

}  // namespace nc::compat
