#include "nc/text/typed_text.h"

#include <map>
#include <vector>

#include <ATen/ops/stack.h>
#include <ATen/ops/zeros.h>

#include "nc/core/error.h"

namespace nc::text {

std::string typed_text_from_bytes(const at::Tensor& bytes) {
  check(bytes.dim() == 1, "typed text bytes must be [N]", "typed_text_from_bytes");
  const at::Tensor b = bytes.to(at::kCPU, at::kLong).contiguous();
  const int64_t* p = b.data_ptr<int64_t>();
  std::string s;
  for (int64_t i = 0; i < b.numel() && p[i] > 0; ++i) {
    check(p[i] <= 256, "typed text byte " + std::to_string(p[i]) + " is not byte + 1",
          "action_text_bytes");
    s.push_back(static_cast<char>(p[i] - 1));
  }
  return s;
}

at::Tensor typed_text_features(CaptionEncoder& encoder, const at::Tensor& text_bytes) {
  check(text_bytes.dim() == 4, "action_text_bytes must be [B, F, S, N]", "typed_text_features");
  const int64_t slots = text_bytes.size(0) * text_bytes.size(1) * text_bytes.size(2);
  const at::Tensor flat = text_bytes.reshape({slots, text_bytes.size(3)}).to(at::kCPU);
  std::vector<std::string> texts;
  std::map<std::string, int64_t> index;  // distinct string -> row of `texts`
  std::vector<int64_t> row(static_cast<size_t>(slots), -1);
  for (int64_t i = 0; i < slots; ++i) {
    const std::string s = typed_text_from_bytes(flat[i]);
    if (s.empty()) continue;
    auto [it, added] = index.emplace(s, static_cast<int64_t>(texts.size()));
    if (added) texts.push_back(s);
    row[static_cast<size_t>(i)] = it->second;
  }
  std::vector<at::Tensor> pooled;
  if (!texts.empty()) {
    const at::Tensor out = encoder.encode(texts);  // [n, text_len, dim], padding rows zero
    const at::Tensor real = out.abs().sum(-1).gt(0).unsqueeze(-1).to(out.scalar_type());
    const at::Tensor mean = (out * real).sum(1) / real.sum(1).clamp_min(1.0);
    for (int64_t i = 0; i < mean.size(0); ++i) pooled.push_back(mean[i]);
  }
  const int64_t dim = encoder.encoder()->options().dim;
  const at::TensorOptions to =
      pooled.empty() ? at::TensorOptions().dtype(at::kFloat).device(text_bytes.device())
                     : pooled[0].options();
  const at::Tensor none = at::zeros({dim}, to);
  std::vector<at::Tensor> rows;
  for (int64_t r : row) rows.push_back(r < 0 ? none : pooled[static_cast<size_t>(r)]);
  return at::stack(rows).view({text_bytes.size(0), text_bytes.size(1), text_bytes.size(2), dim});
}

}  // namespace nc::text
