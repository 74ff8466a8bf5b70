// The one name map of the text encoder: Hugging Face T5 v1.1 / umT5 encoder tensor names <->
// Wan2.1's (our module tree, nc/text/t5.h). Implemented in src/text/t5_names.cpp, next to the
// loader (src/text/t5_weights.cpp).
#pragma once

#include <string>
#include <vector>

namespace nc::text {

enum class T5Naming { Wan, HuggingFace };

// Hugging Face when any name is one of its encoder names (`shared.weight`, `encoder.*`),
// else Wan.
T5Naming t5_naming_of(const std::vector<std::string>& names);

// A Hugging Face T5 v1.1 / umT5 encoder tensor name -> our name; empty when the tensor has no
// place in the encoder (decoder, lm_head, a relative bias past block 0 when shared_pos).
// Both `shared.weight` and `encoder.embed_tokens.weight` name the token embedding.
std::string t5_name_from_hf(const std::string& hf_name, bool shared_pos);
// Our name -> the Hugging Face name (`shared.weight` for the token embedding); empty for a
// name that is not ours.
std::string t5_name_to_hf(const std::string& name, bool shared_pos);

}  // namespace nc::text
