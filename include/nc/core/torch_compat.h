// Everything that differs between the two LibTorch builds we support lives here:
//   Debian's libtorch-dev 1.13 (CPU), used by every test and CI run, and
//   a CUDA LibTorch 2.x (the one inside a PyTorch wheel), used on GPU machines.
// Keyed on TORCH_VERSION_MAJOR/MINOR; the rest of the code calls these and never tests versions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>
#include <torch/version.h>

namespace at {
class Tensor;
}

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

// ---------------------------------------------------------------------------------------------
// Attention.
//
//   q [B, H, Lq, D], k [B, H, Lk, D], v [B, H, Lk, Dv] -> [B, H, Lq, Dv]
//   out = softmax(q k^T * scale + bias) v,   scale defaults to 1/sqrt(D)
//
// `mask` is optional (an undefined tensor: none) and broadcastable to [B, H, Lq, Lk]:
//   - bool: True = the query ATTENDS to that key, False = the key is hidden from it (the
//     convention of at::scaled_dot_product_attention; the opposite of nn::MultiheadAttention's
//     key_padding_mask);
//   - floating: an additive bias on the logits (use -inf or a large negative number to hide).
// Every query row must attend to at least one key; a fully hidden row is undefined (NaN).
//
// LibTorch >= 2.0: at::scaled_dot_product_attention (fused kernels where the device has them;
// the scale argument exists from 2.1, on 2.0 q is pre-scaled). LibTorch 1.13: the private
// at::_scaled_dot_product_attention (same mask semantics, measured equal to the naive formula
// and no slower than our own math path on CPU; see docs/MODELS.md), with q pre-scaled.
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const at::Tensor& mask, std::optional<double> scale = std::nullopt);
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

// The reference: the formula above written out (matmul, softmax in float32, matmul). Slow and
// memory-hungry ([B, H, Lq, Lk] logits); for tests and as the fallback of last resort.
at::Tensor attention_math(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                          const at::Tensor& mask, std::optional<double> scale = std::nullopt);

// ---------------------------------------------------------------------------------------------
// Autocast (mixed precision). There is no C++ autocast context or GradScaler in either version;
// 1.13 has per-device-kind setters (set_enabled / set_cpu_enabled), 2.4+ device-generic ones.
// Only CUDA and CPU autocast are handled.

// The thread-local autocast settings.
struct AutocastState {
  bool cuda_enabled = false, cpu_enabled = false;
  c10::ScalarType cuda_dtype = c10::ScalarType::Half, cpu_dtype = c10::ScalarType::BFloat16;
  // Autocast caches the low-precision copies of float32 leaf weights until the outermost
  // scope ends. A copy made under no-grad has no path back to its weight, so code that runs a
  // forward under no-grad and later with grad (gradient checkpointing) turns the cache off.
  bool cache_enabled = true;
};
AutocastState autocast_state();
// Whether autocast is on for tensors of this device kind (CUDA or CPU; false for others).
bool autocast_enabled(c10::DeviceType device);
void set_autocast_state(const AutocastState& state);

// Scoped autocast on one device kind: `AutocastGuard g(at::kCUDA)` runs the scope in bf16
// autocast on CUDA; `AutocastGuard g(at::kCUDA, false)` turns it off (float32 islands, as Wan
// does for the time embedding and the modulation). Restores the previous state on exit and
// clears the cast-weight cache when the outermost autocast scope ends.
class AutocastGuard {
 public:
  explicit AutocastGuard(c10::DeviceType device, bool enabled = true,
                         c10::ScalarType dtype = c10::ScalarType::BFloat16);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  AutocastState previous_;
};

// Scoped: autocast off on every device kind (for code that must run in the dtype it is given).
class NoAutocastGuard {
 public:
  NoAutocastGuard();
  ~NoAutocastGuard();
  NoAutocastGuard(const NoAutocastGuard&) = delete;
  NoAutocastGuard& operator=(const NoAutocastGuard&) = delete;

 private:
  AutocastState previous_;
};

// ---------------------------------------------------------------------------------------------
// c10d: in 1.13 ProcessGroupGloo/NCCL derive from c10d::ProcessGroup; from 2.0 they are
// c10d::Backend implementations. Both expose the same collectives (allreduce, broadcast,
// barrier -> Work), so code holds the concrete group through this base.
#define NC_C10D_BACKEND_BASE_IS_PROCESS_GROUP (!NC_TORCH_AT_LEAST(2, 0))

}  // namespace nc::compat
