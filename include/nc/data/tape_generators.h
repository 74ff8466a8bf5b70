// Tape generators (`nc data tapes gen`): deterministic families of VHS tapes in the reference
// pipeline's layout (PAPER.md §1.2: documentation block, metadata comments, theme block, body
// ending in Hide) plus manifest.jsonl. Families:
//
//   basic          1-3 commands from a static list of 47 (the reference's basic.py shape)
//   basic_mix      3-5 commands with one-second pauses (basic_mix.py)
//   files          listing, reading, copying and moving the sandbox's fixture files
//   text_pipeline  grep / sort / uniq / cut / awk / sed over the fixture logs and CSV
//   git            a session in the fixture repository (status, log, diff, commit, branch)
//   interactive    less, top, vim, history (Up, Ctrl+R), Ctrl+C of a running command
//   arithmetic     the Python REPL computes one expression: the reference's 15 categories in
//                  its proportions, a held-out pool of 1,000 problems kept out of training, and
//                  the "reprompt" caption variant ("... The answer is N.")
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nc::data {

// What a generated tape says about itself (the metadata comments) and does (the body lines).
struct TapeSpec {
  std::string id, instruction;
  std::map<std::string, bool> classes;  // the active CLASS flags; the rest are false
  int level = 1;
  bool interactive = false;
  int events = 0, visual_complexity = 0;
  std::vector<std::string> requires;   // besides bash
  std::vector<std::string> body;       // VHS lines; a final Hide is added when missing
  std::vector<std::pair<std::string, std::string>> extra;  // more `# KEY: value` comments
};

// The reference layout, byte for byte where the reference fixes it (PAPER.md §1.2).
std::string render_tape_text(const TapeSpec& spec);
// `Type "<text>"`, quoted with a quote character the text does not contain (VHS has no escapes).
std::string type_line(const std::string& text);
// The CLASS JSON: every class in the reference's order, separators ", " and ": ".
std::string class_json(const std::map<std::string, bool>& active);

struct TapeGenOptions {
  std::string family;
  int count = 10;
  uint64_t seed = 0;       // 0: the family's reference seed (basic 2024, basic_mix 2026, ...)
  std::string prefix;      // tape ids are <prefix>_<index>; empty: the family's name
  int64_t start_index = 0;
  int id_width = 6;
  // arithmetic only
  double reprompt = 0.5;   // fraction of captions that end with "The answer is N." (PAPER.md Exp 6)
  std::string split = "train";  // train: problems outside the held-out pool; heldout: the pool
  bool exit_repl = true;   // type exit() at the end (the generator does; the paper's figures stop before)
};

struct GeneratedTape {
  std::string id, text;
  nlohmann::json info;  // what the generator knows: category, answer, ...
};

std::vector<std::string> tape_families();

// Throws nc::Error for an unknown family (listing the known ones) or a count it cannot meet.
std::vector<GeneratedTape> generate_tapes(const TapeGenOptions& options);

struct TapeGenReport {
  int tapes = 0;
  std::string manifest;
  std::map<std::string, int> by_category;
};

// Writes <id>.tape files and manifest.jsonl (PAPER.md §1.2) into `out_dir`; the arithmetic
// family also writes heldout.jsonl (the pool, with answers) and categories.json.
TapeGenReport write_generated_tapes(const TapeGenOptions& options, const std::string& out_dir);

// ---- arithmetic ----

struct ArithmeticProblem {
  std::string expression, category, digit_type;
  int difficulty = 1;
  std::string answer;  // as the Python REPL prints it ("7", "12.5", "35.0")
};

// The reference generator's 15 categories and how many of its 1,158 patterns each has: the
// proportions the family samples with.
const std::vector<std::pair<std::string, int>>& arithmetic_categories();

// The 1,000 held-out problems: fixed (their own seed), spread over the categories in
// proportion, at most a quarter of any category's problems; training never draws them.
const std::vector<ArithmeticProblem>& arithmetic_heldout_pool();

// What the Python REPL prints for an expression of integers, + - * / % ** and parentheses
// (true division gives a float, printed as repr does). Throws nc::Error for anything else.
std::string python_result(const std::string& expression);

}  // namespace nc::data
