// Captions to token ids: a SentencePiece model (`spiece.model`, as T5 and umT5 ship it, or one
// trained here by train_tokenizer), and batching to fixed-length ids + mask for the encoder.
// Builds without SentencePiece too: load and train then throw an nc::Error saying so.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace nc::text {

class Tokenizer {
 public:
  // Loads a SentencePiece model file. Throws nc::Error naming the file when it is missing or
  // not a SentencePiece model, or when this build has no SentencePiece.
  static Tokenizer load(const std::string& model_path);

  // Ids of `text` without special tokens (no EOS).
  std::vector<int64_t> encode(const std::string& text) const;
  // The pieces of `text` ("▁ls", "▁-", "la"), for inspection.
  std::vector<std::string> encode_pieces(const std::string& text) const;
  // Text of `ids`; pad, EOS and other control ids decode to nothing. Throws nc::Error on an id
  // outside the vocabulary.
  std::string decode(const std::vector<int64_t>& ids) const;

  int64_t vocab_size() const;
  // As the model says; T5 convention: pad 0, eos 1, unk 2, no bos. A model without a pad id
  // pads with its unk id (padded positions are masked anyway); one without EOS appends none.
  int64_t pad_id() const;
  int64_t eos_id() const;  // -1 when the model has none
  int64_t unk_id() const;
  const std::string& path() const;

  // Fixed-length batch, as Wan2.1 tokenizes captions (Hugging Face, padding="max_length",
  // truncation, add_special_tokens, whitespace cleaning): each text is whitespace-cleaned
  // (runs of whitespace -> one space, trimmed), encoded, truncated to max_len - 1 ids, EOS
  // appended, and padded with pad_id to max_len.
  //   ids  [B, max_len] int64
  //   mask [B, max_len] bool, true on the real ids (EOS included)
  std::pair<at::Tensor, at::Tensor> encode_batch(const std::vector<std::string>& texts,
                                                 int64_t max_len) const;

  struct Impl;

 private:
  Tokenizer() = default;  // only load() makes one
  std::shared_ptr<const Impl> impl_;
};

// Wan2.1's whitespace_clean: runs of whitespace become one space, ends trimmed.
std::string clean_whitespace(const std::string& text);

struct TokenizerTrainOptions {
  std::string model_type = "unigram";   // unigram (T5's), bpe, word or char
  double character_coverage = 1.0;      // keep every character seen (terminal text is mostly ASCII)
  bool byte_fallback = false;           // unknown characters as UTF-8 bytes instead of unk
  int max_sentence_length = 16384;      // bytes; longer lines are skipped by SentencePiece
  unsigned seed = 0;
};

// Trains a SentencePiece model on `input_txt` (one sentence per line) and writes
// `out_dir/spiece.model` and `out_dir/spiece.vocab` (the directory created if needed, each file
// replaced atomically), with T5's conventions: pad 0, eos 1, unk 2, no bos. Deterministic: the
// same lines and options give the same bytes, wherever the files live (one thread, fixed
// seed, no paths stored in the model). Blank lines are skipped. Throws nc::Error naming the input for a missing or empty
// file or a vocabulary size the data cannot fill or that is too small for its characters.
void train_tokenizer(const std::string& input_txt, int vocab_size, const std::string& out_dir,
                     const TokenizerTrainOptions& options = {});

}  // namespace nc::text
