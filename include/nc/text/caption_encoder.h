// Captions to the DiT's text context: tokenize (the configured SentencePiece model, or UTF-8
// bytes when none is given), run the T5 encoder, zero-pad to text_len as Wan2.1 does. A frozen
// encoder's outputs are cached per caption (terminal captions repeat a lot).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/text/t5.h"
#include "nc/text/tokenizer.h"

namespace nc::text {

// Byte-level ids for a build or run without a SentencePiece model: id = 3 + byte, with T5's
// pad 0, eos 1 (unk 2 unused). Needs a vocabulary of at least 259.
std::pair<at::Tensor, at::Tensor> encode_bytes(const std::vector<std::string>& texts, int64_t max_len);

class CaptionEncoder {
 public:
  // Loads options.tokenizer when set (else bytes) and options.weights when set (else keeps
  // the encoder's initialisation).
  CaptionEncoder(const T5Options& options, const at::Device& device);

  // [B, text_len, dim] float; padded positions are zero.
  at::Tensor encode(const std::vector<std::string>& captions);

  T5Encoder& encoder() { return encoder_; }
  bool frozen() const { return !options_.trainable; }

 private:
  std::pair<at::Tensor, at::Tensor> tokenize(const std::vector<std::string>& captions) const;

  T5Options options_;
  at::Device device_;
  std::optional<Tokenizer> tokenizer_;
  T5Encoder encoder_{nullptr};
  std::map<std::string, at::Tensor> cache_;  // caption -> [text_len, dim], frozen encoders only
  int64_t cache_bytes_ = 0;
};

}  // namespace nc::text
