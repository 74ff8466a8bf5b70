#include "nc/eval/arithmetic_probe.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <set>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/strings.h"
#include "nc/eval/ocr_metrics.h"

namespace nc::eval {
namespace {

std::string without_spaces(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t') out += c;
  return out;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in [0, n) without modulo bias.
uint64_t uniform_below(uint64_t& state, uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t r;
  do r = splitmix64(state);
  while (r >= limit);
  return r % n;
}

bool is_integer(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == s.size()) return false;
  return std::all_of(s.begin() + i, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "-007" -> "-7", "+0" -> "0", "-0" -> "0".
std::string canonical_integer(const std::string& s) {
  bool negative = s[0] == '-';
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  while (i + 1 < s.size() && s[i] == '0') ++i;
  std::string digits = s.substr(i);
  if (digits == "0") negative = false;
  return (negative ? "-" : "") + digits;
}

}  // namespace

std::vector<ArithmeticProblem> parse_pool(const nlohmann::json& doc, const std::string& where) {
  const nlohmann::json* list = &doc;
  if (doc.is_object() && doc.contains("problems")) list = &doc["problems"];
  check(list->is_array(), "a pool is a JSON list of {\"id\", \"expr\", \"answer\", \"category\"}", where);
  std::vector<ArithmeticProblem> pool;
  std::set<std::string> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    const auto& p = (*list)[i];
    const std::string at = where + ": problem " + std::to_string(i);
    check(p.is_object() && p.contains("id") && p.contains("expr") && p.contains("answer"),
          "needs \"id\", \"expr\" and \"answer\"", at);
    ArithmeticProblem q;
    const auto& id = p["id"];
    check(id.is_string() || id.is_number_integer(), "\"id\" must be a string or an integer", at);
    q.id = id.is_string() ? id.get<std::string>() : std::to_string(id.get<int64_t>());
    check(p["expr"].is_string() && !p["expr"].get<std::string>().empty(), "\"expr\" must be a non-empty string", at);
    q.expr = p["expr"].get<std::string>();
    const auto& a = p["answer"];
    if (a.is_string()) q.answer = trim(a.get<std::string>());
    else if (a.is_number_integer()) q.answer = a.dump();
    else if (a.is_number_float()) q.answer = a.dump();  // shortest round-trip form
    else throw Error("\"answer\" must be a number or a string", at);
    check(!q.answer.empty(), "empty \"answer\"", at);
    if (p.contains("category") && p["category"].is_string()) q.category = p["category"].get<std::string>();
    check(ids.insert(q.id).second, "duplicate id '" + q.id + "'", at);
    pool.push_back(std::move(q));
  }
  return pool;
}

std::vector<ArithmeticProblem> load_pool(const std::string& path) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("invalid JSON: ") + e.what(), path);
  }
  return parse_pool(doc, path);
}

std::vector<ArithmeticProblem> sample_problems(const std::vector<ArithmeticProblem>& pool, int count, uint64_t seed) {
  if (count <= 0) return {};
  if (static_cast<size_t>(count) >= pool.size()) return pool;
  std::vector<size_t> order(pool.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  uint64_t state = seed;
  // The first `count` places of a Fisher-Yates shuffle.
  for (size_t i = 0; i < static_cast<size_t>(count); ++i) {
    const size_t j = i + uniform_below(state, order.size() - i);
    std::swap(order[i], order[j]);
  }
  order.resize(count);
  std::sort(order.begin(), order.end());
  std::vector<ArithmeticProblem> out;
  for (size_t i : order) out.push_back(pool[i]);
  return out;
}

ReadAnswer read_answer(const std::vector<std::string>& ocr_lines, const std::string& expr) {
  const std::vector<std::string> lines = normalize_lines(ocr_lines);
  const std::string target = without_spaces(expr);
  ReadAnswer out;
  int exact = -1, any = -1;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!starts_with(lines[i], ">>>")) continue;
    const std::string rest = without_spaces(lines[i].substr(3));
    if (rest == target) exact = static_cast<int>(i);
    if (!rest.empty()) any = static_cast<int>(i);
  }
  const int at = exact >= 0 ? exact : any;
  out.expression_found = exact >= 0;
  if (at < 0) return out;
  static const std::regex number(R"([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)");
  for (size_t i = at + 1; i < lines.size() && !starts_with(lines[i], ">>>"); ++i) {
    for (auto it = std::sregex_iterator(lines[i].begin(), lines[i].end(), number); it != std::sregex_iterator(); ++it) {
      out.found = true;
      out.value = it->str();
    }
  }
  return out;
}

bool answers_equal(const std::string& read, const std::string& expected) {
  const std::string a = trim(read), b = trim(expected);
  if (a.empty() || b.empty()) return false;
  if (is_integer(a) && is_integer(b)) return canonical_integer(a) == canonical_integer(b);
  char* end_a = nullptr;
  char* end_b = nullptr;
  const double x = std::strtod(a.c_str(), &end_a), y = std::strtod(b.c_str(), &end_b);
  if (*end_a != '\0' || *end_b != '\0' || !std::isfinite(x) || !std::isfinite(y)) return false;
  return std::fabs(x - y) <= 1e-9 * std::max({1.0, std::fabs(x), std::fabs(y)});
}

}  // namespace nc::eval
