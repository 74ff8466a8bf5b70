// nc tokenizer train | encode: train a SentencePiece model on captions (T5's conventions),
// and show what a model makes of some text.
#include <iostream>

#include <fmt/format.h>

#include "common.h"
#include "nc/core/log.h"
#include "nc/core/strings.h"
#include "nc/text/tokenizer.h"

namespace nc::cli {

void add_tokenizer_command(CLI::App& app, Commands& commands) {
  auto* cmd = app.add_subcommand("tokenizer", "SentencePiece tokenizers for captions");
  cmd->require_subcommand(1);

  struct TrainArgs {
    std::string input, out;
    int vocab = 0;
    text::TokenizerTrainOptions options;
  };
  auto train_args = std::make_shared<TrainArgs>();
  auto* train = cmd->add_subcommand(
      "train", "train a model on a text file (one caption per line): writes OUT/spiece.model and "
               "OUT/spiece.vocab (pad 0, eos 1, unk 2, no bos, as T5)");
  train->add_option("--input", train_args->input, "text file, one caption per line")->required();
  train->add_option("--vocab", train_args->vocab, "vocabulary size, special pieces included")
      ->required()
      ->check(CLI::PositiveNumber);
  train->add_option("--out", train_args->out, "output directory (created if missing)")->required();
  train->add_option("--model-type", train_args->options.model_type, "unigram (T5's), bpe, word or char")
      ->check(CLI::IsMember({"unigram", "bpe", "word", "char"}))
      ->capture_default_str();
  train->add_option("--character-coverage", train_args->options.character_coverage,
                    "share of characters the vocabulary must cover; the rarest others become unk")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  train->add_flag("--byte-fallback", train_args->options.byte_fallback,
                  "encode characters outside the vocabulary as UTF-8 bytes instead of unk");
  commands.push_back({train, [train_args] {
                        const auto& a = *train_args;
                        text::train_tokenizer(a.input, a.vocab, a.out, a.options);
                        auto tok = text::Tokenizer::load(a.out + "/spiece.model");
                        log::info("wrote {}/spiece.model and spiece.vocab ({} pieces, {})", a.out,
                                  tok.vocab_size(), a.options.model_type);
                      }});

  struct EncodeArgs {
    std::string model;
    std::vector<std::string> texts;
    bool pieces = false;
    bool eos = false;
  };
  auto encode_args = std::make_shared<EncodeArgs>();
  auto* encode = cmd->add_subcommand("encode", "print the ids (or pieces) of each TEXT, one line each");
  encode->add_option("--model,-m", encode_args->model, "SentencePiece model (spiece.model)")->required();
  encode->add_option("texts", encode_args->texts, "texts to encode")->required();
  encode->add_flag("--pieces", encode_args->pieces, "print pieces instead of ids");
  encode->add_flag("--eos", encode_args->eos, "append the EOS id, as the encoder sees captions");
  commands.push_back({encode, [encode_args] {
                        const auto& a = *encode_args;
                        auto tok = text::Tokenizer::load(a.model);
                        for (const auto& t : a.texts) {
                          if (a.pieces) {
                            auto pieces = tok.encode_pieces(text::clean_whitespace(t));
                            if (a.eos && tok.eos_id() >= 0) pieces.push_back("</s>");
                            std::cout << join(pieces, " ") << "\n";
                            continue;
                          }
                          auto ids = tok.encode(text::clean_whitespace(t));
                          if (a.eos && tok.eos_id() >= 0) ids.push_back(tok.eos_id());
                          std::vector<std::string> words;
                          for (int64_t id : ids) words.push_back(std::to_string(id));
                          std::cout << join(words, " ") << "\n";
                        }
                      }});
}

}  // namespace nc::cli
