// What the tape generators share (private to src/data): a random generator whose draws are the
// same on every platform (std::uniform_int_distribution is not), and id formatting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nc::data::gen {

// splitmix64: small, fast, and fully specified.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0 (rejection, no modulo bias).
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do v = next();
    while (v >= limit);
    return v % n;
  }
  int range(int lo, int hi) { return lo + static_cast<int>(below(static_cast<uint64_t>(hi - lo + 1))); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return uniform() < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }
  // k distinct indices of [0, n), in draw order.
  std::vector<int> sample(int n, int k) {
    std::vector<int> idx(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) idx[i] = i;
    for (int i = 0; i < k; ++i) std::swap(idx[i], idx[i + static_cast<int>(below(static_cast<uint64_t>(n - i)))]);
    idx.resize(static_cast<size_t>(k));
    return idx;
  }

 private:
  uint64_t state_;
};

// "a", "a and b", "a, b, then c" (the reference generators' instruction joints).
inline std::string join_then(const std::vector<std::string>& parts) {
  if (parts.empty()) return {};
  if (parts.size() == 1) return parts[0];
  if (parts.size() == 2) return parts[0] + " and " + parts[1];
  std::string s;
  for (size_t i = 0; i + 1 < parts.size(); ++i) s += parts[i] + ", ";
  return s + "then " + parts.back();
}

}  // namespace nc::data::gen
