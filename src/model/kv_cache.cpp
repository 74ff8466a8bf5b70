#include "nc/model/kv_cache.h"

#include <ATen/ops/cat.h>

#include "nc/core/error.h"

namespace nc::model {

void DitKvCache::push(const std::vector<at::Tensor>& new_k, const std::vector<at::Tensor>& new_v) {
  check(new_k.size() == new_v.size() && !new_k.empty(), "one key and one value tensor per block", "DitKvCache::push");
  check(k.empty() || k.size() == new_k.size(), "the cache holds " + std::to_string(k.size()) + " blocks, not " +
                                                   std::to_string(new_k.size()),
        "DitKvCache::push");
  const int64_t tokens = new_k[0].size(1);
  check(frames == 0 || tokens == tokens_per_frame,
        "a frame of " + std::to_string(tokens) + " tokens after frames of " + std::to_string(tokens_per_frame),
        "DitKvCache::push");
  tokens_per_frame = tokens;
  const bool evict = window > 0 && frames + 1 > window;
  k.resize(new_k.size());
  v.resize(new_v.size());
  for (size_t i = 0; i < new_k.size(); ++i) {
    for (auto [held, add] : {std::pair<at::Tensor*, const at::Tensor*>{&k[i], &new_k[i]}, {&v[i], &new_v[i]}}) {
      at::Tensor joined = held->defined() && frames > 0 ? at::cat({*held, *add}, 1) : add->clone();
      // A fresh tensor of the window's size, so that the evicted frame's memory is released.
      *held = evict ? joined.narrow(1, tokens, joined.size(1) - tokens).clone() : joined;
    }
  }
  frames = evict ? window : frames + 1;
}

int64_t DitKvCache::bytes() const {
  int64_t n = 0;
  for (const auto* list : {&k, &v})
    for (const auto& t : *list)
      if (t.defined()) n += t.numel() * static_cast<int64_t>(t.element_size());
  return n;
}

}  // namespace nc::model
