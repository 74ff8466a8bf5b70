// Typed text of GUI actions through the shared text encoder (PAPER.md §2.3: a meta slot of
// type 3 carries a string embedded by the same encoder as the captions). Shards store each
// slot's text as UTF-8 bytes + 1 (0 = padding) in `action_text_bytes` [T, S, N].
#pragma once

#include <string>

#include <ATen/core/Tensor.h>

#include "nc/text/caption_encoder.h"

namespace nc::text {

// One slot's [N] byte + 1 values back to the string (stops at the first 0).
std::string typed_text_from_bytes(const at::Tensor& bytes);

// [B, F, S, N] byte + 1 -> [B, F, S, dim]: per slot with text, the mean of the encoder's output
// over the string's tokens (the non-padding rows of CaptionEncoder::encode); zeros for a slot
// without text. Each distinct string is encoded once per call (and cached by a frozen encoder).
at::Tensor typed_text_features(CaptionEncoder& encoder, const at::Tensor& text_bytes);

}  // namespace nc::text
