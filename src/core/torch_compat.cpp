#include "nc/core/torch_compat.h"

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <fmt/format.h>

#ifdef NC_CUDA
#include <ATen/cuda/CUDAContext.h>
#if __has_include(<torch/csrc/cuda/nccl.h>)
#include <torch/csrc/cuda/nccl.h>
#define NC_HAS_NCCL_HEADER 1
#endif
#endif

namespace nc::compat {

std::string torch_version() {
  return fmt::format("{}.{}.{}", TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, TORCH_VERSION_PATCH);
}

CudaInfo cuda_info() {
  CudaInfo info;
#ifdef NC_CUDA
  info.built_with_cuda = true;
  info.available = at::globalContext().hasCUDA();
  if (info.available) {
    const auto& hooks = at::detail::getCUDAHooks();
    info.device_count = hooks.getNumGPUs();
    for (int i = 0; i < info.device_count; ++i) {
      const cudaDeviceProp* p = at::cuda::getDeviceProperties(i);
      info.device_names.push_back(fmt::format("{} ({:.1f} GiB, sm_{}{})", p->name,
                                              p->totalGlobalMem / double(1ull << 30), p->major,
                                              p->minor));
    }
    int v = hooks.versionCUDART();
    info.cuda_version = fmt::format("{}.{}", v / 1000, (v % 1000) / 10);
    if (hooks.hasCuDNN()) {
      long c = hooks.versionCuDNN();
      info.cudnn_version = c >= 10000 ? fmt::format("{}.{}.{}", c / 10000, (c % 10000) / 100, c % 100)
                                      : fmt::format("{}.{}.{}", c / 1000, (c % 1000) / 100, c % 100);
    }
#ifdef NC_HAS_NCCL_HEADER
    std::uint64_t n = torch::cuda::nccl::version();
    info.nccl_version = n >= 10000 ? fmt::format("{}.{}.{}", n / 10000, (n % 10000) / 100, n % 100)
                                   : fmt::format("{}.{}.{}", n / 1000, (n % 1000) / 100, n % 100);
#endif
  }
#endif
  return info;
}

}  // namespace nc::compat
