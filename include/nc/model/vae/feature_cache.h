// The state a chunked (causal) VAE pass carries from one chunk to the next, as Wan2.1 does it
// (wan/modules/vae.py `feat_cache`, CACHE_T = 2): one slot per causal time layer, in the order
// the layers run, holding the last input frames that layer needs to continue the sequence.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace nc::model::vae {

struct CacheSlot {
  // The last input frames of the layer, `[B, C, n, H, W]`; undefined before the first chunk.
  at::Tensor frames;
  // Set once the layer has seen the sequence's first frame (the time resamplers treat the
  // first frame apart: it passes through them unchanged).
  bool seen_first = false;
};

class FeatureCache {
 public:
  // The slot of the next causal layer of this chunk. Layers ask in a fixed order, so slot i is
  // always the same layer; the first chunk creates the slots.
  CacheSlot& next() {
    if (pos_ == slots_.size()) slots_.emplace_back();
    return slots_[pos_++];
  }
  // Called before each chunk: the next `next()` is the first layer again.
  void rewind() { pos_ = 0; }
  // Forgets the sequence: the next chunk starts a new video.
  void clear() {
    slots_.clear();
    pos_ = 0;
  }
  size_t size() const { return slots_.size(); }
  // Bytes held by the cached frames.
  int64_t bytes() const {
    int64_t n = 0;
    for (const auto& s : slots_)
      if (s.frames.defined()) n += s.frames.numel() * int64_t(s.frames.element_size());
    return n;
  }

 private:
  std::vector<CacheSlot> slots_;
  size_t pos_ = 0;
};

}  // namespace nc::model::vae
