// The arithmetic family (PAPER.md §1.2, Exp 6): Python REPL sessions that compute one
// expression, in the reference generator's 15 categories and proportions, with a held-out pool
// of 1,000 problems that training never draws.
#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <cmath>
#include <functional>
#include <set>

#include "nc/core/error.h"
#include "nc/data/tape_generators.h"
#include "tape_gen_common.h"

namespace nc::data {
namespace {

using gen::Rng;

constexpr uint64_t kPoolSeed = 0x5EED0F1000ull;  // the pool's own seed: the same whatever --seed
constexpr int kPoolSize = 1000;

struct Category {
  std::string name, digit_type;
  int difficulty;
  int weight;          // patterns of this category among the reference's 1,158
  double space;        // how many distinct problems it has (about)
  std::function<std::string(Rng&)> draw;
};

// Exact divisions a / b with a in [lo, hi] and 2 <= b <= a / 2.
std::string exact_division(Rng& r, int lo, int hi) {
  for (;;) {
    const int a = r.range(lo, hi), b = r.range(2, std::max(2, a / 2));
    if (a % b == 0) return fmt::format("{}/{}", a, b);
  }
}

std::string complex_expression(Rng& r) {
  const int a = r.range(2, 60), b = r.range(2, 40), c = r.range(2, 12);
  switch (r.below(10)) {
    case 0: return fmt::format("({}+{})*{}", a, b, c);
    case 1: return fmt::format("({}-{})*{}", a + b, b, c);
    case 2: return fmt::format("{}+({}*{})", a, b, c);
    case 3: return fmt::format("{}-({}*{})", a * c + b, b, c);
    case 4: return fmt::format("({}+{})/{}", a, b, c);
    case 5: return fmt::format("{}**2+{}", c, a);
    case 6: return fmt::format("({}%{})+{}", a, c, b);
    case 7: return fmt::format("{}*{}-{}", a, c, b);
    case 8: return fmt::format("({}+{})%{}", a, b, c);
    default: return fmt::format("{}-({}+{})", a + b + c + 10, b, c);
  }
}

const std::vector<Category>& categories() {
  static const std::vector<Category> cats = {
      {"double_digit_sub", "double", 2, 235, 3960,
       [](Rng& r) { const int a = r.range(20, 99); return fmt::format("{}-{}", a, r.range(10, a - 1)); }},
      {"double_digit_add", "double", 2, 150, 8100,
       [](Rng& r) { return fmt::format("{}+{}", r.range(10, 99), r.range(10, 99)); }},
      {"double_digit_mul", "double", 3, 100, 3600,
       [](Rng& r) { return fmt::format("{}*{}", r.range(10, 99), r.range(10, 49)); }},
      {"single_digit_add", "single", 1, 81, 81,
       [](Rng& r) { return fmt::format("{}+{}", r.range(1, 9), r.range(1, 9)); }},
      {"single_digit_mul", "single", 1, 81, 81,
       [](Rng& r) { return fmt::format("{}*{}", r.range(1, 9), r.range(1, 9)); }},
      {"triple_digit_add", "triple", 3, 80, 810000,
       [](Rng& r) { return fmt::format("{}+{}", r.range(100, 999), r.range(100, 999)); }},
      {"modulo_mixed", "mixed", 2, 80, 900,
       [](Rng& r) { const int b = r.range(2, 11); return fmt::format("{}%{}", r.range(b + 1, 99), b); }},
      {"triple_digit_sub", "triple", 3, 60, 400000,
       [](Rng& r) { const int a = r.range(200, 999); return fmt::format("{}-{}", a, r.range(100, a - 1)); }},
      {"triple_digit_div", "triple", 3, 56, 2500, [](Rng& r) { return exact_division(r, 100, 999); }},
      {"double_digit_div", "double", 2, 55, 180, [](Rng& r) { return exact_division(r, 10, 100); }},
      {"complex_expressions", "complex", 5, 45, 200000, complex_expression},
      {"triple_digit_mul", "triple", 4, 40, 7200,
       [](Rng& r) { return fmt::format("{}*{}", r.range(100, 999), r.range(2, 9)); }},
      {"power_operations", "power", 4, 39, 60,
       [](Rng& r) {
         for (;;) {
           const int a = r.range(2, 25), b = r.range(2, 10);
           if (std::pow(a, b) <= 100000) return fmt::format("{}**{}", a, b);
         }
       }},
      {"single_digit_sub", "single", 1, 36, 36,
       [](Rng& r) { const int a = r.range(2, 9); return fmt::format("{}-{}", a, r.range(1, a - 1)); }},
      {"modulo_large", "triple", 3, 20, 11700,
       [](Rng& r) { return fmt::format("{}%{}", r.range(100, 999), r.range(7, 19)); }},
  };
  return cats;
}

ArithmeticProblem problem(const Category& c, const std::string& expression) {
  return {expression, c.name, c.digit_type, c.difficulty, python_result(expression)};
}

const Category& draw_category(Rng& r) {
  int total = 0;
  for (const auto& c : categories()) total += c.weight;
  int x = static_cast<int>(r.below(static_cast<uint64_t>(total)));
  for (const auto& c : categories()) {
    if (x < c.weight) return c;
    x -= c.weight;
  }
  return categories().back();
}

// ---- a small evaluator with Python's semantics for these operators ----

struct Value {
  bool is_float = false;
  long long i = 0;
  double f = 0;
  double as_double() const { return is_float ? f : static_cast<double>(i); }
};

class Evaluator {
 public:
  explicit Evaluator(const std::string& s) : s_(s) {}
  Value run() {
    Value v = sum();
    space();
    if (p_ != s_.size()) fail("unexpected '" + std::string(1, s_[p_]) + "'");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) { throw Error(what + " in expression '" + s_ + "'", "python_result"); }
  void space() {
    while (p_ < s_.size() && s_[p_] == ' ') ++p_;
  }
  bool eat(const char* op) {
    space();
    const size_t n = std::strlen(op);
    if (s_.compare(p_, n, op) != 0) return false;
    if (n == 1 && op[0] == '*' && p_ + 1 < s_.size() && s_[p_ + 1] == '*') return false;  // that is **
    p_ += n;
    return true;
  }
  static void guard(long double v) {
    if (std::fabs(v) > 4e18L) throw Error("result too large for exact evaluation", "python_result");
  }
  Value sum() {
    Value v = product();
    for (;;) {
      if (eat("+")) v = arith(v, product(), '+');
      else if (eat("-")) v = arith(v, product(), '-');
      else return v;
    }
  }
  Value product() {
    Value v = unary();
    for (;;) {
      if (eat("*")) v = arith(v, unary(), '*');
      else if (eat("/")) v = divide(v, unary());
      else if (eat("%")) v = modulo(v, unary());
      else return v;
    }
  }
  Value unary() {
    if (eat("-")) {
      Value v = unary();
      if (v.is_float) v.f = -v.f;
      else v.i = -v.i;
      return v;
    }
    if (eat("+")) return unary();
    return power();
  }
  Value power() {
    Value base = atom();
    if (!eat("**")) return base;
    Value exp = unary();  // right-associative, binds tighter than a unary minus on its left
    if (base.is_float || exp.is_float || exp.i < 0) {
      Value r;
      r.is_float = true;
      r.f = std::pow(base.as_double(), exp.as_double());
      return r;
    }
    long double acc = 1;
    for (long long k = 0; k < exp.i; ++k) {
      acc *= base.i;
      guard(acc);
    }
    Value r;
    r.i = static_cast<long long>(acc);
    return r;
  }
  Value atom() {
    space();
    if (eat("(")) {
      Value v = sum();
      if (!eat(")")) fail("missing ')'");
      return v;
    }
    const size_t start = p_;
    while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_]))) ++p_;
    if (p_ == start) fail(p_ < s_.size() ? "unexpected '" + std::string(1, s_[p_]) + "'" : "missing number");
    if (p_ - start > 15) fail("number too long");
    Value v;
    v.i = std::stoll(s_.substr(start, p_ - start));
    return v;
  }
  Value arith(const Value& a, const Value& b, char op) {
    Value r;
    if (a.is_float || b.is_float) {
      r.is_float = true;
      const double x = a.as_double(), y = b.as_double();
      r.f = op == '+' ? x + y : op == '-' ? x - y : x * y;
      return r;
    }
    const long double v = op == '+'   ? static_cast<long double>(a.i) + b.i
                          : op == '-' ? static_cast<long double>(a.i) - b.i
                                      : static_cast<long double>(a.i) * b.i;
    guard(v);
    r.i = op == '+' ? a.i + b.i : op == '-' ? a.i - b.i : a.i * b.i;
    return r;
  }
  Value divide(const Value& a, const Value& b) {
    if (b.as_double() == 0) fail("division by zero");
    Value r;
    r.is_float = true;
    r.f = a.as_double() / b.as_double();  // Python's int / int is correctly rounded; so is this below 2^53
    return r;
  }
  Value modulo(const Value& a, const Value& b) {
    if (b.as_double() == 0) fail("modulo by zero");
    Value r;
    if (a.is_float || b.is_float) {
      r.is_float = true;
      r.f = std::fmod(a.as_double(), b.as_double());
      if (r.f != 0 && ((r.f < 0) != (b.as_double() < 0))) r.f += b.as_double();
      return r;
    }
    r.i = a.i % b.i;
    if (r.i != 0 && ((r.i < 0) != (b.i < 0))) r.i += b.i;  // Python: the sign of the divisor
    return r;
  }

  const std::string& s_;
  size_t p_ = 0;
};

// Python's repr of a float: the shortest digits that read back the same, ".0" on integers,
// exponent notation from 1e16 (and below 1e-4).
std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  const double a = std::fabs(v);
  if (a != 0 && (a >= 1e16 || a < 1e-4)) {
    // %g's exponent form: drop a leading zero of the exponent as Python does ("1e+16").
    size_t e = s.find('e');
    if (e == std::string::npos) {
      std::snprintf(buf, sizeof buf, "%.16e", v);
      s = buf;
      e = s.find('e');
    }
    std::string mant = s.substr(0, e), exp = s.substr(e + 1);
    const char sign = exp[0];
    exp = exp.substr(1);
    while (exp.size() > 2 && exp[0] == '0') exp.erase(0, 1);
    return mant + "e" + sign + exp;
  }
  if (s.find('e') != std::string::npos) {  // %g chose an exponent for a fixed-notation value
    std::snprintf(buf, sizeof buf, "%.17g", v);
    s = buf;
  }
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

std::string arithmetic_instruction(const ArithmeticProblem& p) {
  return fmt::format(
      "Python REPL arithmetic demonstration: `{}` ({}, {} digits, difficulty {}). User starts Python interactive "
      "mode, calculates the expression, and exits after viewing the result.",
      p.expression, p.category, p.digit_type, p.difficulty);
}

}  // namespace

const std::vector<std::pair<std::string, int>>& arithmetic_categories() {
  static const std::vector<std::pair<std::string, int>> out = [] {
    std::vector<std::pair<std::string, int>> v;
    for (const auto& c : categories()) v.push_back({c.name, c.weight});
    return v;
  }();
  return out;
}

std::string python_result(const std::string& expression) {
  Value v = Evaluator(expression).run();
  return v.is_float ? float_repr(v.f) : std::to_string(v.i);
}

const std::vector<ArithmeticProblem>& arithmetic_heldout_pool() {
  static const std::vector<ArithmeticProblem> pool = [] {
    const auto& cats = categories();
    int total_weight = 0;
    for (const auto& c : cats) total_weight += c.weight;
    // Quotas in proportion, capped at a quarter of each category's problems; what the caps
    // free goes to the categories with room, largest first.
    std::vector<int> quota(cats.size());
    int assigned = 0;
    for (size_t i = 0; i < cats.size(); ++i) {
      const int want = static_cast<int>(std::lround(double(kPoolSize) * cats[i].weight / total_weight));
      quota[i] = std::min(want, static_cast<int>(cats[i].space / 4));
      assigned += quota[i];
    }
    for (size_t i = 0; assigned != kPoolSize; i = (i + 1) % cats.size()) {
      if (assigned < kPoolSize && cats[i].space > 4 * (quota[i] + 1)) {
        ++quota[i];
        ++assigned;
      } else if (assigned > kPoolSize && quota[i] > 1) {
        --quota[i];
        --assigned;
      }
    }
    Rng rng(kPoolSeed);
    std::vector<ArithmeticProblem> out;
    std::set<std::string> seen;
    for (size_t i = 0; i < cats.size(); ++i) {
      for (int k = 0; k < quota[i];) {
        const std::string e = cats[i].draw(rng);
        if (!seen.insert(e).second) continue;
        out.push_back(problem(cats[i], e));
        ++k;
      }
    }
    return out;
  }();
  return pool;
}

std::vector<GeneratedTape> generate_arithmetic_tapes(const TapeGenOptions& o, uint64_t seed) {
  check(o.split == "train" || o.split == "heldout", "--split '" + o.split + "'", "--split", "train or heldout");
  check(o.reprompt >= 0 && o.reprompt <= 1, "--reprompt must be in [0, 1]", "--reprompt");
  const auto& pool = arithmetic_heldout_pool();
  std::set<std::string> held;
  for (const auto& p : pool) held.insert(p.expression);
  if (o.split == "heldout")
    check(o.count <= static_cast<int>(pool.size()), "the held-out pool has " + std::to_string(pool.size()) + " problems",
          "--count");

  const std::string prefix = o.prefix.empty() ? (o.split == "heldout" ? "heldout" : "arithmetic") : o.prefix;
  Rng rng(seed);
  std::vector<GeneratedTape> out;
  for (int n = 0; n < o.count; ++n) {
    ArithmeticProblem p;
    if (o.split == "heldout") {
      p = pool[static_cast<size_t>(n)];
    } else {
      const Category& c = draw_category(rng);
      std::string e;
      do e = c.draw(rng);
      while (held.count(e));
      p = problem(c, e);
    }
    const bool reprompt = rng.chance(o.reprompt);
    TapeSpec t;
    t.id = fmt::format("{}_{:0{}d}", prefix, o.start_index + n, o.id_width);
    t.instruction = arithmetic_instruction(p);
    if (reprompt) t.instruction += " The answer is " + p.answer + ".";
    t.classes = {{"Exec", true}};
    t.level = std::min(p.difficulty, 3);
    t.events = 6;
    t.visual_complexity = 30;
    t.requires = {"python"};
    t.body = {"Sleep 200ms", type_line("python"), "Enter", "Sleep 1s", type_line(p.expression), "Enter", "Sleep 800ms"};
    if (o.exit_repl) t.body.insert(t.body.end(), {type_line("exit()"), "Enter", "Sleep 500ms"});
    t.extra = {{"CATEGORY", p.category},
               {"ANSWER", p.answer},
               {"CAPTION_TYPE", reprompt ? "reprompt" : "instruction"},
               {"SPLIT", o.split}};
    GeneratedTape g;
    g.id = t.id;
    g.text = render_tape_text(t);
    g.info = {{"family", "arithmetic"}, {"category", p.category}, {"expression", p.expression},
              {"answer", p.answer},     {"reprompt", reprompt},   {"split", o.split}};
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace nc::data
