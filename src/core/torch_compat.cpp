#include "nc/core/torch_compat.h"

#include <cmath>
#include <limits>

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/Tensor.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/softmax.h>
#include <fmt/format.h>

#if NC_TORCH_AT_LEAST(2, 0)
#include <ATen/ops/scaled_dot_product_attention.h>
#else
#include <ATen/ops/_scaled_dot_product_attention.h>
#endif

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

// ---- attention -------------------------------------------------------------------------------

namespace {

void check_attention_shapes(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4,
              "attention: q, k, v must be [B, H, L, D], got ", q.sizes(), ", ", k.sizes(), ", ",
              v.sizes());
  TORCH_CHECK(q.size(-1) == k.size(-1) && k.size(-2) == v.size(-2),
              "attention: q/k head dims or k/v lengths differ: ", q.sizes(), ", ", k.sizes(),
              ", ", v.sizes());
}

// A floating bias in the dtype of the logits; bool masks pass unchanged.
at::Tensor prepare_mask(const at::Tensor& mask, const at::Tensor& q) {
  if (!mask.defined() || mask.scalar_type() == at::kBool) return mask;
  return mask.scalar_type() == q.scalar_type() ? mask : mask.to(q.scalar_type());
}

}  // namespace

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  return attention(q, k, v, at::Tensor(), std::nullopt);
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const at::Tensor& mask, std::optional<double> scale) {
  check_attention_shapes(q, k, v);
  const at::Tensor bias = prepare_mask(mask, q);
  c10::optional<at::Tensor> opt_mask;
  if (bias.defined()) opt_mask = bias;
#if NC_TORCH_AT_LEAST(2, 1)
  c10::optional<double> opt_scale;
  if (scale) opt_scale = *scale;
  return at::scaled_dot_product_attention(q, k, v, opt_mask, 0.0, false, opt_scale);
#else
  // No scale argument: the op divides by sqrt(D), so fold the ratio into q.
  const at::Tensor qs =
      scale ? q * (*scale * std::sqrt(static_cast<double>(q.size(-1)))) : q;
#if NC_TORCH_AT_LEAST(2, 0)
  return at::scaled_dot_product_attention(qs, k, v, opt_mask, 0.0, false);
#else
  return std::get<0>(at::_scaled_dot_product_attention(qs, k, v, opt_mask, 0.0, false, false));
#endif
#endif
}

at::Tensor attention_math(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                          const at::Tensor& mask, std::optional<double> scale) {
  check_attention_shapes(q, k, v);
  const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  at::Tensor logits = at::matmul(q.to(at::kFloat), k.to(at::kFloat).transpose(-2, -1)) * s;
  if (mask.defined()) {
    if (mask.scalar_type() == at::kBool)
      logits = logits.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
    else
      logits = logits + mask.to(at::kFloat);
  }
  return at::matmul(at::softmax(logits, -1), v.to(at::kFloat)).to(q.scalar_type());
}

// ---- autocast ---------------------------------------------------------------------------------

AutocastState autocast_state() {
  AutocastState s;
#if NC_TORCH_AT_LEAST(2, 4)
  s.cuda_enabled = at::autocast::is_autocast_enabled(at::kCUDA);
  s.cpu_enabled = at::autocast::is_autocast_enabled(at::kCPU);
  s.cuda_dtype = at::autocast::get_autocast_dtype(at::kCUDA);
  s.cpu_dtype = at::autocast::get_autocast_dtype(at::kCPU);
#else
  s.cuda_enabled = at::autocast::is_enabled();
  s.cpu_enabled = at::autocast::is_cpu_enabled();
  s.cuda_dtype = at::autocast::get_autocast_gpu_dtype();
  s.cpu_dtype = at::autocast::get_autocast_cpu_dtype();
#endif
  s.cache_enabled = at::autocast::is_autocast_cache_enabled();
  return s;
}

bool autocast_enabled(c10::DeviceType device) {
  const AutocastState s = autocast_state();
  if (device == at::kCUDA) return s.cuda_enabled;
  if (device == at::kCPU) return s.cpu_enabled;
  return false;
}

void set_autocast_state(const AutocastState& s) {
#if NC_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(at::kCUDA, s.cuda_enabled);
  at::autocast::set_autocast_enabled(at::kCPU, s.cpu_enabled);
  at::autocast::set_autocast_dtype(at::kCUDA, s.cuda_dtype);
  at::autocast::set_autocast_dtype(at::kCPU, s.cpu_dtype);
#else
  at::autocast::set_enabled(s.cuda_enabled);
  at::autocast::set_cpu_enabled(s.cpu_enabled);
  at::autocast::set_autocast_gpu_dtype(s.cuda_dtype);
  at::autocast::set_autocast_cpu_dtype(s.cpu_dtype);
#endif
  at::autocast::set_autocast_cache_enabled(s.cache_enabled);
}

namespace {

// Python's torch.autocast counts nesting and drops its cache of cast weights when the
// outermost scope ends; the guards do the same.
void leave_autocast_scope(const AutocastState& previous) {
  set_autocast_state(previous);
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
}

}  // namespace

AutocastGuard::AutocastGuard(c10::DeviceType device, bool enabled, c10::ScalarType dtype)
    : previous_(autocast_state()) {
  TORCH_CHECK(device == at::kCUDA || device == at::kCPU,
              "AutocastGuard: only CUDA and CPU autocast are supported, got ", device);
  AutocastState next = previous_;
  if (device == at::kCUDA) {
    next.cuda_enabled = enabled;
    if (enabled) next.cuda_dtype = dtype;
  } else {
    next.cpu_enabled = enabled;
    if (enabled) next.cpu_dtype = dtype;
  }
  set_autocast_state(next);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() { leave_autocast_scope(previous_); }

NoAutocastGuard::NoAutocastGuard() : previous_(autocast_state()) {
  AutocastState next = previous_;
  next.cuda_enabled = next.cpu_enabled = false;
  set_autocast_state(next);
  at::autocast::increment_nesting();
}

NoAutocastGuard::~NoAutocastGuard() { leave_autocast_scope(previous_); }

}  // namespace nc::compat
