// The arithmetic probe (PAPER.md §3.1 Exp 5-6): problems from a held-out pool, a deterministic
// sample of them, and the answer read back from OCR of the generated REPL frames. The paper
// does not publish its scoring rule; ours (docs/EVAL.md):
//
//   1. lines are normalised (ocr_metrics.h); spaces are ignored when matching the expression;
//   2. the expression line is the last line starting with ">>>" whose rest equals the
//      expression; failing that, the last ">>>" line with anything after the prompt (the
//      expression as the model drew it, perhaps misread);
//   3. the answer is the last number in the lines after it, up to the next ">>>" line;
//   4. it is correct when it equals the expected answer: integers digit for digit (any
//      length), anything else as a double within a relative 1e-9.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nc::eval {

struct ArithmeticProblem {
  std::string id, expr, answer, category;
};

// pool.json: [{"id", "expr", "answer", "category"}, ...] (or {"problems": [...]}); `answer`
// a number or a string, `category` optional. Duplicate ids are an nc::Error.
std::vector<ArithmeticProblem> parse_pool(const nlohmann::json& doc, const std::string& where);
std::vector<ArithmeticProblem> load_pool(const std::string& path);

// `count` problems drawn without replacement by a seeded Fisher-Yates (splitmix64, the same on
// every platform), returned in pool order; the whole pool when count >= its size.
std::vector<ArithmeticProblem> sample_problems(const std::vector<ArithmeticProblem>& pool, int count, uint64_t seed);

struct ReadAnswer {
  bool expression_found = false;  // the expression line matched exactly
  bool found = false;             // a number was read
  std::string value;
};

ReadAnswer read_answer(const std::vector<std::string>& ocr_lines, const std::string& expr);

bool answers_equal(const std::string& read, const std::string& expected);

}  // namespace nc::eval
