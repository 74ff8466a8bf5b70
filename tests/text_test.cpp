// The text module: SentencePiece tokenizer (train, load, encode, batch) and the T5/umT5
// encoder (buckets, masking, freezing, gradients, Wan2.1 names, weight loading).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "nc/core/config.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/safetensors.h"
#include "nc/core/strings.h"
#include "nc/text/caption_encoder.h"
#include "nc/text/t5.h"
#include "nc/text/t5_weights.h"
#include "nc/text/tokenizer.h"
#include "nc/text/typed_text.h"
#include "test_util.h"

namespace nc {
namespace {

using test::TempDir;
using text::T5Encoder;
using text::T5Options;
using text::Tokenizer;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

#if NC_WITH_SENTENCEPIECE

// ---------------------------------------------------------------------------------------------
// A caption corpus like the CLIGen prompts: ~300 varied shell-session descriptions.

std::string caption_corpus(int lines = 300) {
  const std::vector<std::string> commands = {
      "ls -la",          "cd /var/log",      "cat README.md",     "git status",
      "git commit -m",   "grep -rn error .", "python3 main.py",   "make -j4",
      "htop",            "vim notes.txt",    "tail -f app.log",   "docker ps",
      "pip install numpy", "echo hello world", "mkdir build",     "rm -rf tmp",
      "ssh user@server", "top",              "df -h",             "du -sh *",
      "curl example.com", "tar xzf data.tar.gz", "chmod +x run.sh", "./run.sh",
      "man less",        "history",          "whoami",            "uname -a"};
  const std::vector<std::string> openings = {
      "The user types", "A terminal shows the command", "In a dark terminal the user runs",
      "The prompt is followed by", "Someone enters", "The session starts with"};
  const std::vector<std::string> outcomes = {
      "and the output lists several files in blue and white.",
      "which prints a long table of processes.",
      "and an error message appears in red.",
      "then the screen scrolls as new lines arrive.",
      "and the cursor returns to an empty prompt.",
      "while a progress bar fills from left to right.",
      "and the editor opens with line numbers on the left.",
      "which finishes quickly without any output.",
      "and a warning about permissions is shown.",
      "then the user presses enter twice."};
  const std::vector<std::string> details = {
      "The background is black and the text is green.",
      "A blue margin surrounds the window.",
      "The font is a small monospace face.",
      "Colours follow the Catppuccin theme.",
      "",
      "The window is 80 columns wide and 24 rows tall.",
      "Timestamps appear at the start of each line."};
  std::mt19937 rng(7);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  std::ostringstream out;
  for (int i = 0; i < lines; ++i) {
    std::string line = pick(openings) + " `" + pick(commands) + "` " + pick(outcomes);
    const std::string d = pick(details);
    if (!d.empty()) line += " " + d;
    if (i % 7 == 0) line += " Step " + std::to_string(i) + " of the session.";
    out << line << "\n";
  }
  return out.str();
}

// Trains the test tokenizer once per process.
const std::string& trained_model() {
  static TempDir dir;
  static std::string path;
  if (path.empty()) {
    test::write_text(dir.file("captions.txt"), caption_corpus());
    text::train_tokenizer(dir.file("captions.txt"), 200, dir.file("tok"));
    path = dir.file("tok/spiece.model");
  }
  return path;
}

TEST(Tokenizer, TrainWritesT5Conventions) {
  Tokenizer tok = Tokenizer::load(trained_model());
  EXPECT_EQ(tok.vocab_size(), 200);
  EXPECT_EQ(tok.pad_id(), 0);
  EXPECT_EQ(tok.eos_id(), 1);
  EXPECT_EQ(tok.unk_id(), 2);
  // spiece.vocab: the special pieces first, in T5's order, and no <s> anywhere.
  const std::string vocab = read_file(dir_of(trained_model()) + "/spiece.vocab");
  EXPECT_EQ(vocab.rfind("<pad>\t0\n</s>\t0\n<unk>\t0\n", 0), 0u) << vocab.substr(0, 40);
  EXPECT_EQ(vocab.find("<s>\t"), std::string::npos);
  EXPECT_EQ(split(trim(vocab), '\n').size(), 200u);
}

TEST(Tokenizer, TrainingIsDeterministic) {
  TempDir dir;
  test::write_text(dir.file("c.txt"), caption_corpus());
  text::train_tokenizer(dir.file("c.txt"), 200, dir.file("a"));
  text::train_tokenizer(dir.file("c.txt"), 200, dir.file("b"));
  EXPECT_EQ(read_file(dir.file("a/spiece.model")), read_file(dir.file("b/spiece.model")));
  EXPECT_EQ(read_file(dir.file("a/spiece.model")), read_file(trained_model()));
}

TEST(Tokenizer, EncodeDecodeRoundTrip) {
  Tokenizer tok = Tokenizer::load(trained_model());
  for (const auto& line : split(caption_corpus(40), '\n')) {
    if (line.empty()) continue;
    auto ids = tok.encode(line);
    ASSERT_FALSE(ids.empty());
    for (int64_t id : ids) {
      EXPECT_GE(id, 3);  // no pad/eos/unk inside text the model was trained on
      EXPECT_LT(id, tok.vocab_size());
    }
    EXPECT_EQ(tok.decode(ids), line);
  }
  // Special ids decode to nothing; pieces start with the word-boundary mark.
  auto ids = tok.encode("git status");
  auto with_specials = ids;
  with_specials.push_back(tok.eos_id());
  with_specials.push_back(tok.pad_id());
  EXPECT_EQ(tok.decode(with_specials), "git status");
  auto pieces = tok.encode_pieces("git status");
  ASSERT_FALSE(pieces.empty());
  EXPECT_EQ(pieces[0].rfind("\xe2\x96\x81", 0), 0u);  // U+2581
  // Unseen characters become unk.
  auto unk = tok.encode("\xe4\xbd\xa0");  // a CJK character absent from the corpus
  EXPECT_NE(std::find(unk.begin(), unk.end(), tok.unk_id()), unk.end());
  EXPECT_NE(error_of([&] { tok.decode({tok.vocab_size()}); }).find("outside the vocabulary"),
            std::string::npos);
  EXPECT_NE(error_of([&] { tok.decode({-1}); }).find("outside the vocabulary"), std::string::npos);
}

TEST(Tokenizer, EncodeBatchPadsTruncatesAndMasks) {
  Tokenizer tok = Tokenizer::load(trained_model());
  const std::string short_text = "git status";
  const std::string long_text = split(caption_corpus(1), '\n')[0];
  const auto short_ids = tok.encode(short_text), long_ids = tok.encode(long_text);
  const int64_t max_len = 12;
  ASSERT_LT(static_cast<int64_t>(short_ids.size()) + 1, max_len);
  ASSERT_GT(static_cast<int64_t>(long_ids.size()) + 1, max_len);

  auto [ids, mask] = tok.encode_batch({short_text, long_text, "", "  git \t status \n"}, max_len);
  ASSERT_EQ(ids.sizes(), (std::vector<int64_t>{4, max_len}));
  ASSERT_EQ(mask.sizes(), ids.sizes());
  EXPECT_EQ(ids.scalar_type(), at::kLong);
  EXPECT_EQ(mask.scalar_type(), at::kBool);

  // Short: ids, EOS, then pad; mask true exactly on ids + EOS.
  const int64_t n = static_cast<int64_t>(short_ids.size());
  for (int64_t i = 0; i < max_len; ++i) {
    const int64_t expect = i < n ? short_ids[i] : i == n ? tok.eos_id() : tok.pad_id();
    EXPECT_EQ(ids[0][i].item<int64_t>(), expect) << i;
    EXPECT_EQ(mask[0][i].item<bool>(), i <= n) << i;
  }
  // Long: truncated to max_len - 1 ids, EOS kept last, mask all true.
  for (int64_t i = 0; i + 1 < max_len; ++i) EXPECT_EQ(ids[1][i].item<int64_t>(), long_ids[i]);
  EXPECT_EQ(ids[1][max_len - 1].item<int64_t>(), tok.eos_id());
  EXPECT_TRUE(mask[1].all().item<bool>());
  // Empty: EOS only.
  EXPECT_EQ(ids[2][0].item<int64_t>(), tok.eos_id());
  EXPECT_EQ(mask[2].sum().item<int64_t>(), 1);
  // Whitespace is cleaned as Wan2.1 does before tokenizing.
  EXPECT_TRUE(at::equal(ids[3], ids[0]));
  EXPECT_EQ(text::clean_whitespace("  a \t b\n\nc  "), "a b c");

  EXPECT_NE(error_of([&] { tok.encode_batch({"x"}, 0); }).find("max_len"), std::string::npos);
}

TEST(Tokenizer, ClearErrors) {
  TempDir dir;
  std::string e = error_of([&] { Tokenizer::load(dir.file("nope.model")); });
  EXPECT_NE(e.find("tokenizer model not found"), std::string::npos) << e;
  EXPECT_NE(e.find("nope.model"), std::string::npos) << e;

  test::write_text(dir.file("garbage.model"), "this is not a protobuf");
  e = error_of([&] { Tokenizer::load(dir.file("garbage.model")); });
  EXPECT_NE(e.find("garbage.model: not a SentencePiece model"), std::string::npos) << e;
  EXPECT_EQ(e.find("src/"), std::string::npos) << e;  // SentencePiece's source location is dropped

  e = error_of([&] { text::train_tokenizer(dir.file("missing.txt"), 100, dir.file("o")); });
  EXPECT_NE(e.find("training text not found"), std::string::npos) << e;
  EXPECT_NE(e.find("missing.txt"), std::string::npos) << e;

  test::write_text(dir.file("empty.txt"), "\n  \n");
  e = error_of([&] { text::train_tokenizer(dir.file("empty.txt"), 100, dir.file("o")); });
  EXPECT_NE(e.find("training text is empty"), std::string::npos) << e;

  test::write_text(dir.file("small.txt"), caption_corpus(20));
  e = error_of([&] { text::train_tokenizer(dir.file("small.txt"), 20000, dir.file("o")); });
  EXPECT_NE(e.find("small.txt: tokenizer training failed: Vocabulary size too high (20000)"),
            std::string::npos)
      << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;

  e = error_of([&] { text::train_tokenizer(dir.file("small.txt"), 8, dir.file("o")); });
  EXPECT_NE(e.find("Vocabulary size is smaller than required_chars"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  // Nothing half-written is left behind.
  EXPECT_FALSE(file_exists(dir.file("o/spiece.model")));
}

TEST(Tokenizer, Cli) {
  TempDir dir;
  test::write_text(dir.file("captions.txt"), caption_corpus());
  auto r = test::run_nc({"tokenizer", "train", "--input", dir.file("captions.txt"), "--vocab", "200",
                         "--out", dir.file("tok")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir.file("tok/spiece.model")), read_file(trained_model()));

  r = test::run_nc({"tokenizer", "encode", "--model", dir.file("tok/spiece.model"), "git status",
                    "ls -la", "--eos"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Tokenizer tok = Tokenizer::load(trained_model());
  auto line = [&](const std::string& t) {
    std::vector<std::string> words;
    for (int64_t id : tok.encode(t)) words.push_back(std::to_string(id));
    words.push_back("1");
    return join(words, " ");
  };
  EXPECT_EQ(r.out, line("git status") + "\n" + line("ls -la") + "\n");

  r = test::run_nc({"tokenizer", "train", "--input", dir.file("captions.txt"), "--vocab", "100000",
                    "--out", dir.file("x")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("captions.txt: tokenizer training failed: Vocabulary size too high (100000)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

#else

TEST(Tokenizer, WithoutSentencePieceSaysSo) {
  std::string e = error_of([] { Tokenizer::load("spiece.model"); });
  EXPECT_NE(e.find("rebuild with NC_WITH_SENTENCEPIECE=ON"), std::string::npos) << e;
  e = error_of([] { text::train_tokenizer("captions.txt", 100, "out"); });
  EXPECT_NE(e.find("rebuild with NC_WITH_SENTENCEPIECE=ON"), std::string::npos) << e;
}

#endif  // NC_WITH_SENTENCEPIECE

// ---------------------------------------------------------------------------------------------
// T5 encoder

T5Options tiny(bool trainable = false, bool shared_pos = false) {
  T5Options o = T5Options::tiny();
  o.trainable = trainable;
  o.shared_pos = shared_pos;
  return o;
}

TEST(T5, RelativePositionBucketsByHand) {
  // 32 buckets, bidirectional: 16 per direction (keys after the query: +16), exact below 8,
  // log-spaced from 8 to max_distance 128: 8 + floor(ln(d/8) / ln(16) * 8), capped at 15.
  //   d=10: ln 1.25 / ln 16 * 8 = 0.64 -> 8;  d=20: 2.64 -> 10;  d=200: 9.29 -> 17 -> 15.
  at::Tensor rel = at::tensor({-200, -20, -10, -8, -7, -1, 0, 1, 7, 8, 10, 20, 200}, at::kLong);
  at::Tensor got = text::relative_position_bucket(rel, 32, 128, true);
  std::vector<int64_t> expect = {15, 10, 8, 8, 7, 1, 0, 17, 23, 24, 24, 26, 31};
  ASSERT_EQ(got.numel(), static_cast<int64_t>(expect.size()));
  for (size_t i = 0; i < expect.size(); ++i)
    EXPECT_EQ(got[static_cast<int64_t>(i)].item<int64_t>(), expect[i]) << rel[static_cast<int64_t>(i)].item<int64_t>();
  // Unidirectional (decoder): only keys before the query; 32 buckets, exact below 16.
  at::Tensor uni = text::relative_position_bucket(at::tensor({5, 0, -3, -15, -16, -40, -500}, at::kLong),
                                                  32, 128, false);
  // d=16: 16; d=40: 16 + floor(ln(2.5)/ln(8)*16) = 16 + 7 = 23; d=500: capped 31.
  std::vector<int64_t> expect_uni = {0, 0, 3, 15, 16, 23, 31};
  for (size_t i = 0; i < expect_uni.size(); ++i)
    EXPECT_EQ(uni[static_cast<int64_t>(i)].item<int64_t>(), expect_uni[i]) << i;
}

TEST(T5, ShapesAndPaddedPositionsZeroed) {
  at::manual_seed(0);
  T5Encoder enc(tiny());
  at::Tensor ids = at::randint(3, 256, {2, 9}, at::kLong);
  at::Tensor mask = at::ones({2, 9}, at::kBool);
  mask[1].slice(0, 5).fill_(false);
  at::Tensor out = enc->forward(ids, mask);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 9, 32}));
  EXPECT_EQ(out.scalar_type(), at::kFloat);
  EXPECT_TRUE(out.isfinite().all().item<bool>());
  EXPECT_TRUE(out[1].slice(0, 5).eq(0).all().item<bool>());
  EXPECT_GT(out[1].slice(0, 0, 5).abs().sum().item<double>(), 0);
  // No mask: every position is real.
  EXPECT_TRUE(enc->forward(ids).ne(0).any(-1).all().item<bool>());
  // A fully masked row stays finite (and zero).
  at::Tensor none = at::zeros({1, 4}, at::kBool);
  at::Tensor o2 = enc->forward(ids.slice(0, 0, 1).slice(1, 0, 4), none);
  EXPECT_TRUE(o2.eq(0).all().item<bool>());

  EXPECT_NE(error_of([&] { enc->forward(ids.to(at::kInt)); }).find("int64"), std::string::npos);
  EXPECT_NE(error_of([&] { enc->forward(ids, mask.slice(1, 0, 3)); }).find("mask"), std::string::npos);
}

// An encoder without weights is the same whatever the global generator did before, and building
// it leaves the global stream where it was: training and rollouts see one text encoder.
TEST(CaptionEncoder, RandomInitIsFixedAndLeavesTheGlobalStreamAlone) {
  text::T5Options options = text::T5Options::tiny();
  options.vocab = 384;
  at::manual_seed(1);
  text::CaptionEncoder a(options, at::kCPU);
  at::manual_seed(2);
  (void)at::rand({7});
  text::CaptionEncoder b(options, at::kCPU);
  EXPECT_TRUE(at::equal(a.encode({"ls -la"}), b.encode({"ls -la"})));
  at::manual_seed(5);
  const at::Tensor expected = at::rand({4});
  at::manual_seed(5);
  text::CaptionEncoder c(options, at::kCPU);
  EXPECT_TRUE(at::equal(at::rand({4}), expected));
}

// Typed text of GUI slots through the caption encoder: the mean over the string's real token
// rows, one encoding per distinct string, zeros for slots without text.
TEST(TypedText, SlotsGetTheMeanOfTheirStringsEncoding) {
  EXPECT_EQ(text::typed_text_from_bytes(at::tensor({'l' + 1, 's' + 1, 0, 'x' + 1}, at::kLong)),
            "ls");
  EXPECT_THROW(text::typed_text_from_bytes(at::tensor({300}, at::kLong)), Error);
  at::manual_seed(0);
  text::T5Options options = text::T5Options::tiny();
  options.vocab = 384;  // without a tokenizer, strings are encoded as UTF-8 bytes
  text::CaptionEncoder captions(options, at::kCPU);
  at::Tensor bytes = at::zeros({1, 3, 2, 4}, at::kShort);  // [B, F, S, N]
  for (int64_t f : {0, 2}) bytes[0][f][1][0] = 'l' + 1, bytes[0][f][1][1] = 's' + 1;
  bytes[0][1][0][0] = 'a' + 1;
  const at::Tensor got = text::typed_text_features(captions, bytes);
  ASSERT_EQ(got.sizes(), (std::vector<int64_t>{1, 3, 2, options.dim}));
  const at::Tensor ls = captions.encode({"ls"})[0];  // [text_len, dim], padding rows zero
  const at::Tensor real = ls.abs().sum(-1).gt(0);
  const int64_t n = real.sum().item<int64_t>();
  EXPECT_GE(n, 2);  // the bytes and the end-of-sequence token
  const at::Tensor expected = ls.slice(0, 0, n).mean(0);
  EXPECT_LT((got[0][0][1] - expected).abs().max().item<double>(), 1e-6);
  EXPECT_TRUE(at::equal(got[0][2][1], got[0][0][1]));
  EXPECT_GT((got[0][1][0] - got[0][0][1]).abs().max().item<double>(), 1e-4)
      << "another string, another feature";
  EXPECT_EQ(got[0][0][0].abs().sum().item<double>(), 0.0) << "no text: zeros";
  EXPECT_EQ(text::typed_text_features(captions, at::zeros({1, 1, 1, 4}, at::kShort))
                .abs()
                .sum()
                .item<double>(),
            0.0);
}

TEST(T5, PaddingDoesNotChangeRealPositions) {
  for (bool shared : {false, true}) {
    at::manual_seed(1);
    T5Encoder enc(tiny(false, shared));
    at::Tensor ids = at::randint(3, 256, {2, 7}, at::kLong);
    at::Tensor real = enc->forward(ids, at::ones({2, 7}, at::kBool));
    // Five pad ids appended, masked out.
    at::Tensor padded_ids = at::cat({ids, at::zeros({2, 5}, at::kLong)}, 1);
    at::Tensor mask = at::cat({at::ones({2, 7}, at::kBool), at::zeros({2, 5}, at::kBool)}, 1);
    at::Tensor padded = enc->forward(padded_ids, mask);
    EXPECT_LT((padded.slice(1, 0, 7) - real).abs().max().item<double>(), 1e-5) << shared;
    // Different pad tokens give the same result too.
    padded_ids.slice(1, 7).fill_(17);
    EXPECT_LT((enc->forward(padded_ids, mask) - padded).abs().max().item<double>(), 1e-6);
  }
}

TEST(T5, FrozenHasNoTrainableParametersAndStaysInEval) {
  T5Encoder enc(tiny(/*trainable=*/false));
  for (const auto& p : enc->parameters()) EXPECT_FALSE(p.requires_grad());
  EXPECT_FALSE(enc->is_training());
  enc->train();  // a parent switching to training does not wake a frozen encoder
  EXPECT_FALSE(enc->is_training());
  for (const auto& m : enc->modules()) EXPECT_FALSE(m->is_training());
  // Eval: dropout off, so two calls agree exactly.
  at::Tensor ids = at::randint(3, 256, {1, 6}, at::kLong);
  EXPECT_TRUE(at::equal(enc->forward(ids), enc->forward(ids)));

  T5Encoder live(tiny(/*trainable=*/true));
  EXPECT_TRUE(live->is_training());
  for (const auto& p : live->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(T5, GradientsReachEveryParameter) {
  for (bool shared : {false, true}) {
    at::manual_seed(2);
    T5Encoder enc(tiny(/*trainable=*/true, shared));
    // 40 tokens reach into the log-spaced buckets; ids cover part of the embedding table.
    at::Tensor ids = at::randint(0, 256, {2, 40}, at::kLong);
    at::Tensor mask = at::ones({2, 40}, at::kBool);
    mask[1].slice(0, 30).fill_(false);
    at::Tensor out = enc->forward(ids, mask);
    (out * at::randn_like(out)).sum().backward();
    for (const auto& item : enc->named_parameters()) {
      const at::Tensor& g = item.value().grad();
      ASSERT_TRUE(g.defined()) << item.key();
      EXPECT_TRUE(g.isfinite().all().item<bool>()) << item.key();
      EXPECT_GT(g.abs().sum().item<double>(), 0) << item.key();
    }
  }
}

TEST(T5, DeterministicUnderSeed) {
  auto run = [](uint64_t seed) {
    at::manual_seed(seed);
    T5Encoder enc(tiny());
    at::Tensor ids = at::randint(3, 256, {2, 8}, at::kLong);
    return enc->forward(ids);
  };
  EXPECT_TRUE(at::equal(run(5), run(5)));
  EXPECT_FALSE(at::equal(run(5), run(6)));
}

TEST(T5, SharedPositionBiasLayout) {
  T5Encoder shared(tiny(false, /*shared_pos=*/true));
  T5Encoder per_layer(tiny(false, /*shared_pos=*/false));
  auto names = [](const T5Encoder& e) {
    std::vector<std::string> out;
    for (const auto& item : e->named_parameters()) out.push_back(item.key());
    return out;
  };
  auto s = names(shared), p = names(per_layer);
  EXPECT_NE(std::find(s.begin(), s.end(), "pos_embedding.embedding.weight"), s.end());
  EXPECT_EQ(std::find(s.begin(), s.end(), "blocks.0.pos_embedding.embedding.weight"), s.end());
  EXPECT_EQ(std::find(p.begin(), p.end(), "pos_embedding.embedding.weight"), p.end());
  EXPECT_NE(std::find(p.begin(), p.end(), "blocks.1.pos_embedding.embedding.weight"), p.end());
  EXPECT_EQ(p.size(), s.size() + 1);  // 2 layers: two per-block tables vs one shared
}

TEST(T5, Umt5XxlMatchesWanNamesAndShapesOnMeta) {
  std::vector<std::pair<std::string, std::string>> expected;
  std::ifstream in(test::source_path("tests/data/wan21_umt5_xxl_tensors.txt"));
  ASSERT_TRUE(in) << "tests/data/wan21_umt5_xxl_tensors.txt";
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find(' ');
    expected.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  ASSERT_EQ(expected.size(), 242u);

  T5Encoder enc(T5Options::umt5_xxl(), at::TensorOptions().dtype(at::kBFloat16).device(at::kMeta));
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& item : enc->named_parameters()) {
    EXPECT_TRUE(item.value().is_meta()) << item.key();
    EXPECT_EQ(item.value().scalar_type(), at::kBFloat16) << item.key();
    std::vector<std::string> dims;
    for (int64_t d : item.value().sizes()) dims.push_back(std::to_string(d));
    got.emplace_back(item.key(), "[" + join(dims, ", ") + "]");
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(enc->num_parameters(), 5680910336LL);
}

TEST(T5, OptionsAreAConfigSection) {
  auto keys = config::list_keys<T5Options>();
  std::vector<std::string> paths;
  for (const auto& k : keys) paths.push_back(k.path);
  for (const char* key : {"vocab", "dim", "dim_attn", "dim_ffn", "num_heads", "num_layers", "num_buckets",
                          "shared_pos", "dropout", "trainable", "text_len"})
    EXPECT_NE(std::find(paths.begin(), paths.end(), key), paths.end()) << key;
  auto doc = config::parse_text(R"({"dim": 64, "num_heads": 4, "dim_attn": 64})", "t.json", false);
  auto o = config::bind<T5Options>(doc);
  EXPECT_EQ(o.dim, 64);
  EXPECT_EQ(o.vocab, 256384);
  auto bad = config::parse_text(R"({"num_heads": 5})", "t.json", false);
  EXPECT_NE(error_of([&] { config::bind<T5Options>(bad); }).find("multiple of num_heads"), std::string::npos);
  T5Options o2 = T5Options::tiny();
  o2.num_heads = 5;
  EXPECT_NE(error_of([&] { T5Encoder e(o2); }).find("num_heads"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Weights

safetensors::NamedTensors hf_tensors(const T5Encoder& enc, at::ScalarType dtype = at::kFloat) {
  safetensors::NamedTensors out;
  for (const auto& item : enc->named_parameters()) {
    std::string hf = text::t5_name_to_hf(item.key(), enc->options().shared_pos);
    EXPECT_FALSE(hf.empty()) << item.key();
    out.emplace_back(hf, item.value().detach().to(dtype));
  }
  return out;
}

TEST(T5Weights, NameMapRoundTrips) {
  for (bool shared : {false, true}) {
    T5Encoder enc(tiny(false, shared), at::TensorOptions().device(at::kMeta));
    for (const auto& item : enc->named_parameters()) {
      std::string hf = text::t5_name_to_hf(item.key(), shared);
      ASSERT_FALSE(hf.empty()) << item.key();
      EXPECT_EQ(text::t5_name_from_hf(hf, shared), item.key()) << hf;
    }
  }
  EXPECT_EQ(text::t5_name_from_hf("encoder.block.3.layer.0.SelfAttention.q.weight", false),
            "blocks.3.attn.q.weight");
  EXPECT_EQ(text::t5_name_from_hf("encoder.block.0.layer.1.DenseReluDense.wi_0.weight", false),
            "blocks.0.ffn.gate.0.weight");
  EXPECT_EQ(text::t5_name_from_hf("encoder.embed_tokens.weight", false), "token_embedding.weight");
  EXPECT_EQ(text::t5_name_from_hf("encoder.block.2.layer.0.SelfAttention.relative_attention_bias.weight", true),
            "");
  EXPECT_EQ(text::t5_name_from_hf("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", true),
            "pos_embedding.embedding.weight");
  EXPECT_EQ(text::t5_name_from_hf("decoder.block.0.layer.0.SelfAttention.q.weight", false), "");
  EXPECT_EQ(text::t5_name_from_hf("lm_head.weight", false), "");
}

TEST(T5Weights, HuggingFaceNamesLoadAndGiveIdenticalOutputs) {
  TempDir dir;
  for (bool shared : {false, true}) {
    at::manual_seed(3);
    T5Encoder source(tiny(false, shared));
    at::manual_seed(4);
    T5Encoder target(tiny(false, shared));
    at::Tensor ids = at::randint(3, 256, {2, 10}, at::kLong);
    at::Tensor mask = at::ones({2, 10}, at::kBool);
    mask[0].slice(0, 6).fill_(false);
    ASSERT_FALSE(at::equal(source->forward(ids, mask), target->forward(ids, mask)));

    auto tensors = hf_tensors(source);
    tensors.emplace_back("decoder.final_layer_norm.weight", at::ones({32}));  // a full T5 checkpoint
    safetensors::save(dir.file("hf.safetensors"), tensors);
    auto report = text::load_t5_weights(target, dir.file("hf.safetensors"));
    EXPECT_TRUE(report.ok()) << report.summary();
    EXPECT_EQ(report.naming, text::T5Naming::HuggingFace);
    EXPECT_EQ(report.loaded.size(), target->parameters().size());
    EXPECT_EQ(report.unexpected, std::vector<std::string>{"decoder.final_layer_norm.weight"});
    EXPECT_TRUE(at::equal(source->forward(ids, mask), target->forward(ids, mask))) << shared;

    T5Options with_weights = tiny(false, shared);
    with_weights.weights = dir.file("hf.safetensors");
    T5Encoder built = text::build_t5_encoder(with_weights);
    EXPECT_TRUE(at::equal(source->forward(ids, mask), built->forward(ids, mask))) << shared;
  }
}

TEST(T5Weights, WanNamesAndBf16Convert) {
  TempDir dir;
  at::manual_seed(5);
  T5Encoder source(tiny());
  safetensors::NamedTensors wan;
  for (const auto& item : source->named_parameters())
    wan.emplace_back(item.key(), item.value().detach().to(at::kBFloat16));
  safetensors::save(dir.file("wan.safetensors"), wan);

  T5Encoder target(tiny());  // float32
  auto report = text::load_t5_weights(target, dir.file("wan.safetensors"));
  EXPECT_EQ(report.naming, text::T5Naming::Wan);
  EXPECT_TRUE(report.unexpected.empty());
  for (const auto& item : target->named_parameters()) {
    EXPECT_EQ(item.value().scalar_type(), at::kFloat);
    EXPECT_TRUE(at::equal(item.value(), source->named_parameters()[item.key()].to(at::kBFloat16).to(at::kFloat)))
        << item.key();
  }
  // And into a bf16 module, from an f16 Hugging Face file.
  safetensors::save(dir.file("hf16.safetensors"), hf_tensors(source, at::kHalf));
  T5Encoder half(tiny(), at::TensorOptions().dtype(at::kBFloat16));
  text::load_t5_weights(half, dir.file("hf16.safetensors"));
  EXPECT_EQ(half->norm->weight.scalar_type(), at::kBFloat16);
  at::Tensor ids = at::randint(3, 256, {1, 5}, at::kLong);
  at::Tensor a = source->forward(ids), b = half->forward(ids).to(at::kFloat);
  EXPECT_LT((a - b).abs().max().item<double>() / a.abs().max().item<double>(), 0.1);
}

TEST(T5Weights, ReportsMissingAndMisshapedTensors) {
  TempDir dir;
  at::manual_seed(6);
  T5Encoder source(tiny());
  auto tensors = hf_tensors(source);
  safetensors::NamedTensors broken;
  for (auto& [name, t] : tensors) {
    if (name == "encoder.block.1.layer.1.DenseReluDense.wo.weight") continue;  // missing
    if (name == "shared.weight") t = t.slice(0, 0, 100);                         // mis-shaped
    broken.emplace_back(name, t);
  }
  safetensors::save(dir.file("broken.safetensors"), broken);

  at::manual_seed(7);
  T5Encoder target(tiny());
  const at::Tensor before = target->token_embedding->weight.clone();
  auto report = text::check_t5_weights(target, dir.file("broken.safetensors"));
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.missing, std::vector<std::string>{"blocks.1.ffn.fc2.weight"});
  ASSERT_EQ(report.mismatched.size(), 1u);
  EXPECT_EQ(report.mismatched[0].name, "token_embedding.weight");
  EXPECT_EQ(report.mismatched[0].file_shape, (std::vector<int64_t>{100, 32}));
  EXPECT_EQ(report.mismatched[0].module_shape, (std::vector<int64_t>{256, 32}));

  const std::string e = error_of([&] { text::load_t5_weights(target, dir.file("broken.safetensors")); });
  EXPECT_NE(e.find("broken.safetensors"), std::string::npos) << e;
  EXPECT_NE(e.find("1 missing (blocks.1.ffn.fc2.weight)"), std::string::npos) << e;
  EXPECT_NE(e.find("token_embedding.weight: file [100, 32] vs model [256, 32]"), std::string::npos) << e;
  EXPECT_TRUE(at::equal(before, target->token_embedding->weight));  // untouched

  // A T5 v1.1 file (one shared bias) does not fit a umT5 model (one per block).
  T5Encoder v11(tiny(false, /*shared_pos=*/true));
  safetensors::save(dir.file("v11.safetensors"), hf_tensors(v11));
  auto mixed = text::check_t5_weights(target, dir.file("v11.safetensors"));
  EXPECT_EQ(mixed.missing, std::vector<std::string>{"blocks.1.pos_embedding.embedding.weight"});

  T5Encoder meta(tiny(), at::TensorOptions().device(at::kMeta));
  safetensors::save(dir.file("ok.safetensors"), hf_tensors(source));
  EXPECT_NE(error_of([&] { text::load_t5_weights(meta, dir.file("ok.safetensors")); }).find("meta"),
            std::string::npos);
}

#if NC_WITH_SENTENCEPIECE
TEST(T5, EncodesCaptionsFromTheTrainedTokenizer) {
  Tokenizer tok = Tokenizer::load(trained_model());
  T5Options o = tiny();
  o.vocab = tok.vocab_size();
  at::manual_seed(8);
  T5Encoder enc(o);
  auto [ids, mask] = tok.encode_batch({"git status", "The user types `ls -la` and waits."}, o.text_len);
  at::Tensor ctx = enc->forward(ids, mask);
  EXPECT_EQ(ctx.sizes(), (std::vector<int64_t>{2, o.text_len, o.dim}));
  const int64_t n0 = mask[0].sum().item<int64_t>();
  EXPECT_TRUE(ctx[0].slice(0, n0).eq(0).all().item<bool>());
  EXPECT_TRUE(ctx[0].slice(0, 0, n0).ne(0).any(-1).all().item<bool>());
}
#endif

}  // namespace
}  // namespace nc
