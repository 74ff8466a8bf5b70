#include "nc/eval/ocr_metrics.h"

#include <algorithm>
#include <cmath>

#include "nc/core/strings.h"
#include "nc/core/utf8.h"

namespace nc::eval {

std::vector<std::string> normalize_lines(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& raw : lines) {
    std::string line = trim(raw), collapsed;
    bool space = false;
    for (char c : line) {
      if (c == ' ' || c == '\t') {
        space = true;
        continue;
      }
      if (space && !collapsed.empty()) collapsed += ' ';
      space = false;
      collapsed += c;
    }
    if (!collapsed.empty()) out.push_back(std::move(collapsed));
  }
  return out;
}

std::vector<std::string> normalize_lines(const std::string& text) { return normalize_lines(split(text, '\n')); }

double char_accuracy(const std::vector<std::string>& reference, const std::vector<std::string>& predicted) {
  std::string s, t;
  for (const auto& l : reference) s += l;
  for (const auto& l : predicted) t += l;
  if (s.empty() && t.empty()) return 1.0;
  if (s.empty()) return 0.0;
  const std::u32string a = decode_utf8(s), b = decode_utf8(t);
  const double d = static_cast<double>(edit_distance(a, b));
  return std::max(0.0, 1.0 - d / std::max<double>(a.size(), 1));
}

double exact_line_accuracy(const std::vector<std::string>& reference, const std::vector<std::string>& predicted) {
  if (reference.empty() && predicted.empty()) return 1.0;
  if (reference.empty()) return 0.0;
  int hits = 0;
  for (size_t i = 0; i < reference.size(); ++i) hits += i < predicted.size() && predicted[i] == reference[i];
  return static_cast<double>(hits) / reference.size();
}

std::vector<int> evenly_spaced_frames(int total, int k) {
  std::vector<int> out;
  if (total <= 0) return out;
  if (total <= k) {
    for (int i = 0; i < total; ++i) out.push_back(i);
    return out;
  }
  for (int i = 0; i < k; ++i)
    out.push_back(k == 1 ? 0 : static_cast<int>(std::lround(double(i) * (total - 1) / (k - 1))));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace nc::eval
