#include "nc/model/kv_cache.h"

#include <ATen/ops/cat.h>

#include "nc/core/error.h"

namespace nc::model {
namespace {

// `held` with `add` appended along `dim` (each entry one frame `step` wide), less its frame
// `evict` (none when negative); a fresh tensor then, so that the evicted frame's memory is released.
void append_frame(at::Tensor& held, const at::Tensor& add, int64_t dim, int64_t step, bool keep_held, int64_t evict) {
  const at::Tensor joined = keep_held && held.defined() ? at::cat({held, add}, dim) : add.clone();
  if (evict < 0) {
    held = joined;
    return;
  }
  const int64_t begin = evict * step, after = begin + step;
  held = at::cat({joined.narrow(dim, 0, begin), joined.narrow(dim, after, joined.size(dim) - after)}, dim);
}

}  // namespace

void DitKvCache::push(const std::vector<at::Tensor>& new_k, const std::vector<at::Tensor>& new_v,
                      const at::Tensor& action, const at::Tensor& input) {
  check(new_k.size() == new_v.size() && !new_k.empty(), "one key and one value tensor per block", "DitKvCache::push");
  check(k.empty() || k.size() == new_k.size(), "the cache holds " + std::to_string(k.size()) + " blocks, not " +
                                                   std::to_string(new_k.size()),
        "DitKvCache::push");
  const int64_t tokens = new_k[0].size(1);
  check(frames == 0 || tokens == tokens_per_frame,
        "a frame of " + std::to_string(tokens) + " tokens after frames of " + std::to_string(tokens_per_frame),
        "DitKvCache::push");
  const bool keep = frames > 0;
  check(!keep || (action.defined() == actions.defined() && input.defined() == inputs.defined()),
        "every frame of a cache has an action feature (and input latent) or none has", "DitKvCache::push");
  tokens_per_frame = tokens;
  // The oldest frame after the sink leaves once the window is full.
  const int64_t evict = window > 0 && frames + 1 > sink + window ? sink : -1;
  k.resize(new_k.size());
  v.resize(new_v.size());
  for (size_t i = 0; i < new_k.size(); ++i) {
    append_frame(k[i], new_k[i], 1, tokens, keep, evict);
    append_frame(v[i], new_v[i], 1, tokens, keep, evict);
  }
  if (action.defined()) append_frame(actions, action, 1, 1, keep, evict);
  if (input.defined()) append_frame(inputs, input, 2, 1, keep, evict);
  frames = evict >= 0 ? sink + window : frames + 1;
}

int64_t DitKvCache::bytes() const {
  int64_t n = 0;
  for (const auto* list : {&k, &v})
    for (const auto& t : *list)
      if (t.defined()) n += t.numel() * static_cast<int64_t>(t.element_size());
  for (const at::Tensor* t : {&actions, &inputs})
    if (t->defined()) n += t->numel() * static_cast<int64_t>(t->element_size());
  return n;
}

}  // namespace nc::model
