// The tokenizer of a build without SentencePiece (NC_WITH_SENTENCEPIECE=OFF): the training
// core links, and loading or training a tokenizer says what to rebuild. No Tokenizer object
// can exist in such a build, so its other members are never reached.
#include "nc/text/tokenizer.h"

#include "nc/core/error.h"

namespace nc::text {
namespace {

[[noreturn]] void no_sentencepiece(const std::string& where) {
  throw Error("this build has no SentencePiece; rebuild with NC_WITH_SENTENCEPIECE=ON", where,
              "install libsentencepiece-dev (scripts/setup.sh) and reconfigure");
}

}  // namespace

Tokenizer Tokenizer::load(const std::string& model_path) { no_sentencepiece(model_path); }
std::vector<int64_t> Tokenizer::encode(const std::string&) const { no_sentencepiece({}); }
std::vector<std::string> Tokenizer::encode_pieces(const std::string&) const { no_sentencepiece({}); }
std::string Tokenizer::decode(const std::vector<int64_t>&) const { no_sentencepiece({}); }
int64_t Tokenizer::vocab_size() const { no_sentencepiece({}); }
int64_t Tokenizer::pad_id() const { no_sentencepiece({}); }
int64_t Tokenizer::eos_id() const { no_sentencepiece({}); }
int64_t Tokenizer::unk_id() const { no_sentencepiece({}); }
const std::string& Tokenizer::path() const { no_sentencepiece({}); }
std::pair<at::Tensor, at::Tensor> Tokenizer::encode_batch(const std::vector<std::string>&,
                                                          int64_t) const {
  no_sentencepiece({});
}

void train_tokenizer(const std::string& input_txt, int, const std::string&,
                     const TokenizerTrainOptions&) {
  no_sentencepiece(input_txt);
}

}  // namespace nc::text
