// libnc_sentencepiece: SentencePiece behind a C interface (see sentencepiece_bridge.h for why).
// Built with hidden visibility; only the nc_spm_* functions are exported.
#include "sentencepiece_bridge.h"

#include <exception>
#include <string>
#include <unordered_map>
#include <vector>

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#define NC_SPM_EXPORT extern "C" __attribute__((visibility("default")))

struct nc_spm {
  sentencepiece::SentencePieceProcessor sp;
};

namespace {

int fail(nc_spm_text_fn on_error, void* ctx, const std::string& message) {
  on_error(ctx, message.data(), message.size());
  return -1;
}

int fail(nc_spm_text_fn on_error, void* ctx, const sentencepiece::util::Status& status) {
  return fail(on_error, ctx, status.ToString());
}

// Feeds the trainer from memory: no input path ends up in the model.
class LineIterator : public sentencepiece::SentenceIterator {
 public:
  LineIterator(const char* const* lines, const size_t* sizes, size_t n)
      : lines_(lines), sizes_(sizes), n_(n) {
    load();
  }
  bool done() const override { return i_ >= n_; }
  void Next() override {
    ++i_;
    load();
  }
  const std::string& value() const override { return current_; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void load() {
    if (i_ < n_) current_.assign(lines_[i_], sizes_[i_]);
  }
  const char* const* lines_;
  const size_t* sizes_;
  size_t n_, i_ = 0;
  std::string current_;
};

}  // namespace

NC_SPM_EXPORT nc_spm* nc_spm_load(const char* path, nc_spm_text_fn on_error, void* ctx) {
  try {
    auto* model = new nc_spm;
    const auto status = model->sp.Load(path);
    if (status.ok()) return model;
    delete model;
    fail(on_error, ctx, status);
  } catch (const std::exception& e) {
    fail(on_error, ctx, e.what());
  }
  return nullptr;
}

NC_SPM_EXPORT void nc_spm_free(nc_spm* sp) { delete sp; }

NC_SPM_EXPORT void nc_spm_info(const nc_spm* sp, int64_t out[4]) {
  out[0] = sp->sp.GetPieceSize();
  out[1] = sp->sp.pad_id();
  out[2] = sp->sp.eos_id();
  out[3] = sp->sp.unk_id();
}

NC_SPM_EXPORT int nc_spm_encode_ids(const nc_spm* sp, const char* text, size_t size, nc_spm_id_fn on_id,
                                    nc_spm_text_fn on_error, void* ctx) {
  try {
    std::vector<int> ids;
    const auto status = sp->sp.Encode(std::string(text, size), &ids);
    if (!status.ok()) return fail(on_error, ctx, status);
    for (int id : ids) on_id(ctx, id);
    return 0;
  } catch (const std::exception& e) {
    return fail(on_error, ctx, e.what());
  }
}

NC_SPM_EXPORT int nc_spm_encode_pieces(const nc_spm* sp, const char* text, size_t size,
                                       nc_spm_text_fn on_piece, nc_spm_text_fn on_error, void* ctx) {
  try {
    std::vector<std::string> pieces;
    const auto status = sp->sp.Encode(std::string(text, size), &pieces);
    if (!status.ok()) return fail(on_error, ctx, status);
    for (const auto& p : pieces) on_piece(ctx, p.data(), p.size());
    return 0;
  } catch (const std::exception& e) {
    return fail(on_error, ctx, e.what());
  }
}

NC_SPM_EXPORT int nc_spm_decode(const nc_spm* sp, const int* ids, size_t n, nc_spm_text_fn on_text,
                                nc_spm_text_fn on_error, void* ctx) {
  try {
    std::string text;
    const auto status = sp->sp.Decode(std::vector<int>(ids, ids + n), &text);
    if (!status.ok()) return fail(on_error, ctx, status);
    on_text(ctx, text.data(), text.size());
    return 0;
  } catch (const std::exception& e) {
    return fail(on_error, ctx, e.what());
  }
}

NC_SPM_EXPORT void nc_spm_piece(const nc_spm* sp, int id, nc_spm_text_fn on_piece, void* ctx) {
  const std::string& piece = sp->sp.IdToPiece(id);
  on_piece(ctx, piece.data(), piece.size());
}

NC_SPM_EXPORT float nc_spm_score(const nc_spm* sp, int id) { return sp->sp.GetScore(id); }

NC_SPM_EXPORT int nc_spm_train(const char* const* keys, const char* const* values, size_t n_flags,
                               const char* const* lines, const size_t* line_sizes, size_t n_lines,
                               unsigned seed, nc_spm_text_fn on_model, nc_spm_text_fn on_error,
                               void* ctx) {
  try {
    std::unordered_map<std::string, std::string> flags;
    for (size_t i = 0; i < n_flags; ++i) flags[keys[i]] = values[i];
    sentencepiece::SetRandomGeneratorSeed(seed);
    LineIterator it(lines, line_sizes, n_lines);
    std::string model;
    const auto status = sentencepiece::SentencePieceTrainer::Train(flags, &it, &model);
    if (!status.ok()) return fail(on_error, ctx, status);
    on_model(ctx, model.data(), model.size());
    return 0;
  } catch (const std::exception& e) {
    return fail(on_error, ctx, e.what());
  }
}
