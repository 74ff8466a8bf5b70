#include "nc/core/run_config.h"

#include <dlfcn.h>
#include <sched.h>

#include <algorithm>
#include <thread>

#include <regex>

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>

namespace nc {
namespace {
const std::regex kDeviceRe(R"(auto|cpu|cuda(:[0-9]+)?)");
}

void RunConfig::check(config::Checker& c) const {
  c.require(std::regex_match(device, kDeviceRe), "device",
            "unknown device '" + device + "' (use auto, cpu, cuda or cuda:N)");
}

c10::Device pick_device(const std::string& spec) {
  if (!std::regex_match(spec, kDeviceRe))
    throw Error("unknown device '" + spec + "'", "run.device", "use auto, cpu, cuda or cuda:N");
  const bool has_cuda = at::globalContext().hasCUDA();
  if (spec == "cpu" || (spec == "auto" && !has_cuda)) return c10::Device(c10::kCPU);
  if (!has_cuda)
    throw Error("device '" + spec + "' requested but this build or machine has no CUDA", "run.device",
                "use device: cpu");
  if (spec == "auto" || spec == "cuda") return c10::Device(c10::kCUDA, 0);
  int index = std::stoi(spec.substr(5));
  int count = at::detail::getCUDAHooks().getNumGPUs();
  if (index >= count)
    throw Error("device '" + spec + "' does not exist (" + std::to_string(count) + " GPU(s))",
                "run.device");
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

void apply_threads(int threads) {
  // Debian's LibTorch 1.13 starts with one intra-op thread unless OMP_NUM_THREADS is set
  // (measured: elementwise ops 2.3x slower on 2 cores), so 0 means "one per core", explicitly.
  if (threads <= 0) threads = available_cores();
  at::set_num_threads(threads);
  // LibTorch calls BLAS from its own threads; keep OpenBLAS from adding a second layer.
  using SetFn = void (*)(int);
  if (auto fn = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(threads);
}

}  // namespace nc
