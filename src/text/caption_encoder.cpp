#include "nc/text/caption_encoder.h"

#include <algorithm>

#include <ATen/ops/stack.h>
#include <ATen/ops/zeros.h>
#include <c10/core/GradMode.h>

#include "nc/core/error.h"
#include "nc/text/t5_weights.h"

namespace nc::text {

std::pair<at::Tensor, at::Tensor> encode_bytes(const std::vector<std::string>& texts, int64_t max_len) {
  const int64_t b = static_cast<int64_t>(texts.size());
  at::Tensor ids = at::zeros({b, max_len}, at::kLong), mask = at::zeros({b, max_len}, at::kBool);
  auto* id = ids.data_ptr<int64_t>();
  auto* m = mask.data_ptr<bool>();
  for (int64_t i = 0; i < b; ++i) {
    const std::string text = clean_whitespace(texts[i]);
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(text.size()), max_len - 1);
    for (int64_t j = 0; j < n; ++j) id[i * max_len + j] = 3 + static_cast<unsigned char>(text[j]);
    id[i * max_len + n] = 1;  // EOS
    for (int64_t j = 0; j <= n; ++j) m[i * max_len + j] = true;
  }
  return {ids, mask};
}

CaptionEncoder::CaptionEncoder(const T5Options& options, const at::Device& device)
    : options_(options), device_(device) {
  if (!options_.tokenizer.empty()) {
    tokenizer_ = Tokenizer::load(options_.tokenizer);
    if (tokenizer_->vocab_size() > options_.vocab)
      throw Error("the tokenizer has " + std::to_string(tokenizer_->vocab_size()) + " pieces, more than the encoder's " +
                      std::to_string(options_.vocab),
                  "model.text.vocab", "raise model.text.vocab or train a smaller tokenizer");
  } else if (options_.vocab < 259) {
    throw Error("without a tokenizer captions are encoded as bytes, which needs a vocabulary of 259",
                "model.text.vocab", "set model.text.tokenizer or model.text.vocab >= 259");
  }
  encoder_ = build_t5_encoder(options_, at::TensorOptions().device(device_));
}

std::pair<at::Tensor, at::Tensor> CaptionEncoder::tokenize(const std::vector<std::string>& captions) const {
  return tokenizer_ ? tokenizer_->encode_batch(captions, options_.text_len)
                    : encode_bytes(captions, options_.text_len);
}

at::Tensor CaptionEncoder::encode(const std::vector<std::string>& captions) {
  if (!frozen()) {
    auto [ids, mask] = tokenize(captions);
    return encoder_->forward(ids.to(device_), mask.to(device_));
  }
  std::vector<std::string> missing;
  for (const auto& c : captions)
    if (!cache_.count(c) && std::find(missing.begin(), missing.end(), c) == missing.end()) missing.push_back(c);
  if (!missing.empty()) {
    c10::NoGradGuard no_grad;
    auto [ids, mask] = tokenize(missing);
    at::Tensor out = encoder_->forward(ids.to(device_), mask.to(device_));
    // Bounded: a run with endless distinct captions must not grow without limit.
    constexpr int64_t kCacheBytes = int64_t(512) << 20;
    if (cache_bytes_ + out.numel() * out.element_size() > kCacheBytes) {
      cache_.clear();
      cache_bytes_ = 0;
    }
    for (size_t i = 0; i < missing.size(); ++i) cache_[missing[i]] = out[static_cast<int64_t>(i)];
    cache_bytes_ += out.numel() * out.element_size();
  }
  std::vector<at::Tensor> rows;
  for (const auto& c : captions) rows.push_back(cache_.at(c));
  return at::stack(rows);
}

}  // namespace nc::text
