// The one name map of the text encoder: Hugging Face T5 v1.1 / umT5 encoder names <-> Wan2.1's
// module names (our module tree). Hugging Face layout, per block N:
//   encoder.block.N.layer.0.layer_norm                      -> blocks.N.norm1
//   encoder.block.N.layer.0.SelfAttention.{q,k,v,o}          -> blocks.N.attn.{q,k,v,o}
//   encoder.block.N.layer.0.SelfAttention.relative_attention_bias
//                                   -> blocks.N.pos_embedding.embedding   (umT5: every block)
//                                   -> pos_embedding.embedding            (T5 v1.1: block 0 only)
//   encoder.block.N.layer.1.layer_norm                      -> blocks.N.norm2
//   encoder.block.N.layer.1.DenseReluDense.wi_0 (gelu side) -> blocks.N.ffn.gate.0
//   encoder.block.N.layer.1.DenseReluDense.wi_1             -> blocks.N.ffn.fc1
//   encoder.block.N.layer.1.DenseReluDense.wo               -> blocks.N.ffn.fc2
// and shared / encoder.embed_tokens -> token_embedding, encoder.final_layer_norm -> norm.
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "nc/text/t5_names.h"

namespace nc::text {
namespace {

// Per-block suffixes: {Hugging Face, ours}; the relative bias is handled apart.
const std::pair<const char*, const char*> kBlockNames[] = {
    {"layer.0.layer_norm.weight", "norm1.weight"},
    {"layer.0.SelfAttention.q.weight", "attn.q.weight"},
    {"layer.0.SelfAttention.k.weight", "attn.k.weight"},
    {"layer.0.SelfAttention.v.weight", "attn.v.weight"},
    {"layer.0.SelfAttention.o.weight", "attn.o.weight"},
    {"layer.1.layer_norm.weight", "norm2.weight"},
    {"layer.1.DenseReluDense.wi_0.weight", "ffn.gate.0.weight"},
    {"layer.1.DenseReluDense.wi_1.weight", "ffn.fc1.weight"},
    {"layer.1.DenseReluDense.wo.weight", "ffn.fc2.weight"},
};
const char* kHfBias = "layer.0.SelfAttention.relative_attention_bias.weight";
const char* kOurBias = "pos_embedding.embedding.weight";

// "<prefix>N.<rest>" -> {N, rest}; N = -1 when `name` does not have that form.
std::pair<long, std::string> split_block(const std::string& name, const std::string& prefix) {
  if (name.compare(0, prefix.size(), prefix) != 0) return {-1, ""};
  size_t i = prefix.size(), j = i;
  while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
  if (j == i || j >= name.size() || name[j] != '.') return {-1, ""};
  return {std::stol(name.substr(i, j - i)), name.substr(j + 1)};
}

}  // namespace

T5Naming t5_naming_of(const std::vector<std::string>& names) {
  for (const auto& name : names)
    if (name == "shared.weight" || name.compare(0, 8, "encoder.") == 0) return T5Naming::HuggingFace;
  return T5Naming::Wan;
}

std::string t5_name_from_hf(const std::string& hf_name, bool shared_pos) {
  if (hf_name == "shared.weight" || hf_name == "encoder.embed_tokens.weight")
    return "token_embedding.weight";
  if (hf_name == "encoder.final_layer_norm.weight") return "norm.weight";
  auto [block, rest] = split_block(hf_name, "encoder.block.");
  if (block < 0) return "";
  const std::string ours = "blocks." + std::to_string(block) + ".";
  for (const auto& [hf, our] : kBlockNames)
    if (rest == hf) return ours + our;
  if (rest == kHfBias) {
    if (!shared_pos) return ours + kOurBias;
    return block == 0 ? kOurBias : "";
  }
  return "";
}

std::string t5_name_to_hf(const std::string& name, bool shared_pos) {
  if (name == "token_embedding.weight") return "shared.weight";
  if (name == "norm.weight") return "encoder.final_layer_norm.weight";
  if (name == kOurBias) return shared_pos ? std::string("encoder.block.0.") + kHfBias : "";
  auto [block, rest] = split_block(name, "blocks.");
  if (block < 0) return "";
  const std::string hf = "encoder.block." + std::to_string(block) + ".";
  for (const auto& [hf_rest, our] : kBlockNames)
    if (rest == our) return hf + hf_rest;
  if (rest == kOurBias && !shared_pos) return hf + kHfBias;
  return "";
}

}  // namespace nc::text
