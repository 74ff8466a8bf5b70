// The tokenizer of a build with NC_WITH_SENTENCEPIECE: SentencePiece through
// libnc_sentencepiece, opened on first use (sentencepiece_bridge.h says why it is not linked).
// tokenizer_none.cpp stands in for this file in a build without SentencePiece.
#include "nc/text/tokenizer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ops/full.h>
#include <ATen/ops/zeros.h>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/strings.h"
#include "sentencepiece_bridge.h"

#ifndef NC_SENTENCEPIECE_BRIDGE
#define NC_SENTENCEPIECE_BRIDGE "libnc_sentencepiece.so"
#endif

namespace nc::text {
namespace {

constexpr const char* kBridgeName = "libnc_sentencepiece.so";

struct Bridge {
  decltype(&nc_spm_load) load = nullptr;
  decltype(&nc_spm_free) free = nullptr;
  decltype(&nc_spm_info) info = nullptr;
  decltype(&nc_spm_encode_ids) encode_ids = nullptr;
  decltype(&nc_spm_encode_pieces) encode_pieces = nullptr;
  decltype(&nc_spm_decode) decode = nullptr;
  decltype(&nc_spm_piece) piece = nullptr;
  decltype(&nc_spm_score) score = nullptr;
  decltype(&nc_spm_train) train = nullptr;
};

std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  return dir_of(std::string(buf, static_cast<size_t>(n)));
}

template <class F>
void resolve(void* handle, const char* name, F& fn, const std::string& path) {
  fn = reinterpret_cast<F>(::dlsym(handle, name));
  check(fn != nullptr, std::string("SentencePiece bridge lacks ") + name, path,
        "rebuild nc: the bridge and the binary come from different builds");
}

// Next to the running binary (an installed nc), then where this build put it, then the
// loader's search path. Local + deep binding: see sentencepiece_bridge.h.
Bridge open_bridge() {
  std::vector<std::string> tried;
  const std::vector<std::string> candidates = {executable_dir() + "/" + kBridgeName,
                                               NC_SENTENCEPIECE_BRIDGE, kBridgeName};
  for (const auto& path : candidates) {
    if (path.find('/') != std::string::npos && !file_exists(path)) continue;
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!handle) {
      const char* why = ::dlerror();
      tried.push_back(why ? why : path);
      continue;
    }
    Bridge b;
    resolve(handle, "nc_spm_load", b.load, path);
    resolve(handle, "nc_spm_free", b.free, path);
    resolve(handle, "nc_spm_info", b.info, path);
    resolve(handle, "nc_spm_encode_ids", b.encode_ids, path);
    resolve(handle, "nc_spm_encode_pieces", b.encode_pieces, path);
    resolve(handle, "nc_spm_decode", b.decode, path);
    resolve(handle, "nc_spm_piece", b.piece, path);
    resolve(handle, "nc_spm_score", b.score, path);
    resolve(handle, "nc_spm_train", b.train, path);
    return b;  // never closed: models may live until exit
  }
  throw Error(std::string("cannot load ") + kBridgeName + ", nc's SentencePiece bridge (" +
                  join(tried, "; ") + ")",
              "", "it is built beside the nc binary; keep them together or add its directory to LD_LIBRARY_PATH");
}

const Bridge& bridge() {
  static const Bridge b = open_bridge();  // a failure throws and is retried on the next call
  return b;
}

// What one bridge call hands back.
struct Sink {
  std::string text, error;
  std::vector<int64_t> ids;
  std::vector<std::string> pieces;

  static void on_text(void* ctx, const char* data, size_t size) { static_cast<Sink*>(ctx)->text.assign(data, size); }
  static void on_error(void* ctx, const char* data, size_t size) { static_cast<Sink*>(ctx)->error.assign(data, size); }
  static void on_id(void* ctx, int id) { static_cast<Sink*>(ctx)->ids.push_back(id); }
  static void on_piece(void* ctx, const char* data, size_t size) {
    static_cast<Sink*>(ctx)->pieces.emplace_back(data, size);
  }
};

// SentencePiece's messages can span lines; an nc::Error is one.
std::string one_line(std::string message) {
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  return message;
}

// SentencePiece's statuses name its source and the failed condition:
//   "Internal: ./src/trainer_interface.cc(660) [a == b] Vocabulary size too high (200). ..."
// Keep the sentence after the condition ("" when there is none).
std::string tidy_status(const std::string& status) {
  std::string message = one_line(status);
  const size_t cond = message.find(") [");
  if (message.find("src/") == std::string::npos || cond == std::string::npos) return message;
  const size_t close = message.rfind("] ");
  if (close == std::string::npos || close < cond) return trim(message.substr(message.rfind(']') + 1));
  return trim(message.substr(close + 2));
}

}  // namespace

struct Tokenizer::Impl {
  std::string path;
  nc_spm* sp = nullptr;
  int64_t pad = 0, eos = -1, unk = 0, vocab = 0;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (sp) bridge().free(sp);
  }
};

Tokenizer Tokenizer::load(const std::string& model_path) {
  check(file_exists(model_path), "tokenizer model not found", model_path,
        "pass a SentencePiece model (spiece.model), or train one with 'nc tokenizer train'");
  const Bridge& b = bridge();
  auto impl = std::make_shared<Impl>();
  impl->path = model_path;
  Sink sink;
  impl->sp = b.load(model_path.c_str(), &Sink::on_error, &sink);
  if (!impl->sp) {
    const std::string why = tidy_status(sink.error);
    throw Error("not a SentencePiece model" + (why.empty() ? std::string(" (it does not parse)") : ": " + why),
                model_path);
  }
  int64_t info[4];
  b.info(impl->sp, info);
  impl->vocab = info[0];
  impl->unk = info[3];
  impl->eos = info[2];  // -1 when disabled
  impl->pad = info[1] >= 0 ? info[1] : impl->unk;
  Tokenizer t;
  t.impl_ = std::move(impl);
  return t;
}

std::vector<int64_t> Tokenizer::encode(const std::string& text) const {
  Sink sink;
  if (bridge().encode_ids(impl_->sp, text.data(), text.size(), &Sink::on_id, &Sink::on_error, &sink) != 0)
    throw Error("tokenizer: " + tidy_status(sink.error), impl_->path);
  return std::move(sink.ids);
}

std::vector<std::string> Tokenizer::encode_pieces(const std::string& text) const {
  Sink sink;
  if (bridge().encode_pieces(impl_->sp, text.data(), text.size(), &Sink::on_piece, &Sink::on_error,
                             &sink) != 0)
    throw Error("tokenizer: " + tidy_status(sink.error), impl_->path);
  return std::move(sink.pieces);
}

std::string Tokenizer::decode(const std::vector<int64_t>& ids) const {
  std::vector<int> narrow;
  narrow.reserve(ids.size());
  for (int64_t id : ids) {
    check(id >= 0 && id < impl_->vocab,
          "token id " + std::to_string(id) + " is outside the vocabulary [0, " +
              std::to_string(impl_->vocab) + ")",
          impl_->path);
    narrow.push_back(static_cast<int>(id));
  }
  Sink sink;
  if (bridge().decode(impl_->sp, narrow.data(), narrow.size(), &Sink::on_text, &Sink::on_error, &sink) != 0)
    throw Error("tokenizer: " + tidy_status(sink.error), impl_->path);
  return std::move(sink.text);
}

int64_t Tokenizer::vocab_size() const { return impl_->vocab; }
int64_t Tokenizer::pad_id() const { return impl_->pad; }
int64_t Tokenizer::eos_id() const { return impl_->eos; }
int64_t Tokenizer::unk_id() const { return impl_->unk; }
const std::string& Tokenizer::path() const { return impl_->path; }

std::pair<at::Tensor, at::Tensor> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                          int64_t max_len) const {
  check(max_len >= 1, "tokenizer: max_len must be at least 1, got " + std::to_string(max_len));
  const int64_t batch = static_cast<int64_t>(texts.size());
  at::Tensor ids = at::full({batch, max_len}, impl_->pad, at::kLong);
  at::Tensor mask = at::zeros({batch, max_len}, at::kBool);
  auto ids_a = ids.accessor<int64_t, 2>();
  auto mask_a = mask.accessor<bool, 2>();
  const bool has_eos = impl_->eos >= 0;
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<int64_t> row = encode(clean_whitespace(texts[static_cast<size_t>(b)]));
    // Truncate the text, never the EOS (as Hugging Face's truncation with special tokens does).
    const int64_t keep = std::min<int64_t>(static_cast<int64_t>(row.size()), max_len - (has_eos ? 1 : 0));
    row.resize(static_cast<size_t>(keep));
    if (has_eos) row.push_back(impl_->eos);
    for (size_t i = 0; i < row.size(); ++i) {
      ids_a[b][static_cast<int64_t>(i)] = row[i];
      mask_a[b][static_cast<int64_t>(i)] = true;
    }
  }
  return {ids, mask};
}

void train_tokenizer(const std::string& input_txt, int vocab_size, const std::string& out_dir,
                     const TokenizerTrainOptions& options) {
  check(file_exists(input_txt), "training text not found", input_txt,
        "pass a text file with one caption per line");
  std::vector<std::string> lines;
  {
    std::ifstream in(input_txt);
    check(static_cast<bool>(in), "cannot read the training text", input_txt);
    for (std::string line; std::getline(in, line);)
      if (!clean_whitespace(line).empty()) lines.push_back(std::move(line));
  }
  check(!lines.empty(), "training text is empty", input_txt, "pass a text file with one caption per line");
  check(vocab_size >= 4,
        "vocabulary size must be at least 4 (pad, eos, unk and one piece), got " + std::to_string(vocab_size),
        input_txt);
  // T5's conventions: pad 0, eos 1, unk 2, no bos. One thread and a fixed seed make the
  // result a function of the input alone.
  const std::vector<std::pair<std::string, std::string>> args = {
      {"vocab_size", std::to_string(vocab_size)},
      {"model_type", options.model_type},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"byte_fallback", options.byte_fallback ? "true" : "false"},
      {"max_sentence_length", std::to_string(options.max_sentence_length)},
      {"pad_id", "0"},
      {"eos_id", "1"},
      {"unk_id", "2"},
      {"bos_id", "-1"},
      {"pad_piece", "<pad>"},
      {"eos_piece", "</s>"},
      {"unk_piece", "<unk>"},
      {"num_threads", "1"},
      {"input_sentence_size", "0"},
      {"shuffle_input_sentence", "false"},
      {"hard_vocab_limit", "true"},
      {"minloglevel", "2"},  // SentencePiece's progress lines off; errors come back as a status
  };
  const Bridge& b = bridge();
  std::vector<const char*> keys, values, line_ptrs;
  std::vector<size_t> line_sizes;
  for (const auto& [key, value] : args) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  for (const auto& line : lines) {
    line_ptrs.push_back(line.data());
    line_sizes.push_back(line.size());
  }
  Sink trained;
  if (b.train(keys.data(), values.data(), keys.size(), line_ptrs.data(), line_sizes.data(), lines.size(),
              options.seed, &Sink::on_text, &Sink::on_error, &trained) != 0)
    throw Error("tokenizer training failed: " + tidy_status(trained.error), input_txt,
                "choose --vocab to fit the data (a small corpus cannot fill a large vocabulary; "
                "every character needs a piece)");
  make_dirs(out_dir);
  write_file_atomic(out_dir + "/spiece.model", trained.text);

  // spiece.vocab as SentencePiece writes it: one "piece<TAB>score" line per id.
  const std::string model_path = out_dir + "/spiece.model";
  Sink loaded;
  std::unique_ptr<nc_spm, decltype(b.free)> sp(b.load(model_path.c_str(), &Sink::on_error, &loaded), b.free);
  if (!sp) throw Error("trained tokenizer does not load: " + one_line(loaded.error), model_path);
  int64_t info[4];
  b.info(sp.get(), info);
  std::ostringstream vocab;
  for (int id = 0; id < static_cast<int>(info[0]); ++id) {
    Sink piece;
    b.piece(sp.get(), id, &Sink::on_text, &piece);
    vocab << piece.text << "\t" << b.score(sp.get(), id) << "\n";
  }
  write_file_atomic(out_dir + "/spiece.vocab", vocab.str());
}

}  // namespace nc::text
