// The C interface of libnc_sentencepiece, the small shared library through which nc uses
// SentencePiece (private to src/text).
//
// Why a separate library, opened with dlopen(RTLD_LOCAL | RTLD_DEEPBIND): Debian's
// libsentencepiece bundles its own protobuf-lite (3.14) and exports those symbols, while
// Debian's LibTorch links the system libprotobuf (3.21). Linked into one process, whichever
// loads first serves both, and the process dies at start-up (protobuf's static initialisers
// land in the wrong copy) or at the first model load (version check). Opened locally with deep
// binding, SentencePiece resolves protobuf to its own copy and nothing of it leaks into the
// global scope. Strings cross the boundary only through callbacks, so no allocation made on
// one side is freed on the other.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Receives a string result (a piece, decoded text, a serialized model, an error message).
typedef void (*nc_spm_text_fn)(void* ctx, const char* data, size_t size);
// Receives one id.
typedef void (*nc_spm_id_fn)(void* ctx, int id);

typedef struct nc_spm nc_spm;

// Every function returning int returns 0 on success and -1 after passing the error message to
// `on_error` (with the same ctx as the results).

// A loaded model, or NULL after on_error.
nc_spm* nc_spm_load(const char* path, nc_spm_text_fn on_error, void* ctx);
void nc_spm_free(nc_spm* sp);
// out = {vocabulary size, pad id, eos id, unk id}; a disabled id is -1.
void nc_spm_info(const nc_spm* sp, int64_t out[4]);
int nc_spm_encode_ids(const nc_spm* sp, const char* text, size_t size, nc_spm_id_fn on_id,
                      nc_spm_text_fn on_error, void* ctx);
int nc_spm_encode_pieces(const nc_spm* sp, const char* text, size_t size, nc_spm_text_fn on_piece,
                         nc_spm_text_fn on_error, void* ctx);
// Ids must be in [0, vocabulary size).
int nc_spm_decode(const nc_spm* sp, const int* ids, size_t n, nc_spm_text_fn on_text,
                  nc_spm_text_fn on_error, void* ctx);
// The piece and score of an id in [0, vocabulary size).
void nc_spm_piece(const nc_spm* sp, int id, nc_spm_text_fn on_piece, void* ctx);
float nc_spm_score(const nc_spm* sp, int id);

// Trains on `lines` with SentencePiece's trainer flags (`keys[i]=values[i]`) after seeding its
// random generator; the serialized model comes back through on_model.
int nc_spm_train(const char* const* keys, const char* const* values, size_t n_flags,
                 const char* const* lines, const size_t* line_sizes, size_t n_lines, unsigned seed,
                 nc_spm_text_fn on_model, nc_spm_text_fn on_error, void* ctx);

#ifdef __cplusplus
}
#endif
