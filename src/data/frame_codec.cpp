#include "nc/data/frame_codec.h"

#include <cstring>

#include "nc/core/error.h"

namespace nc::data {
namespace {

void put_varint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

bool same_pixel(const uint8_t* a, const uint8_t* b) { return a[0] == b[0] && a[1] == b[1] && a[2] == b[2]; }

// A run of identical pixels shorter than this is cheaper as literals.
constexpr size_t kMinRun = 3;

void encode_pixels(const uint8_t* px, size_t count, std::string& out) {
  size_t i = 0, literal_start = 0;
  auto flush_literals = [&](size_t end) {
    if (end > literal_start) {
      put_varint(static_cast<uint64_t>(end - literal_start) << 1, out);
      out.append(reinterpret_cast<const char*>(px + 3 * literal_start), 3 * (end - literal_start));
    }
  };
  while (i < count) {
    size_t j = i + 1;
    while (j < count && same_pixel(px + 3 * j, px + 3 * i)) ++j;
    if (j - i >= kMinRun) {
      flush_literals(i);
      put_varint((static_cast<uint64_t>(j - i) << 1) | 1, out);
      out.append(reinterpret_cast<const char*>(px + 3 * i), 3);
      literal_start = j;
    }
    i = j;
  }
  flush_literals(count);
}

}  // namespace

void encode_frame(const uint8_t* pixels, const uint8_t* previous, size_t count, std::string& out) {
  if (!previous) {
    encode_pixels(pixels, count, out);
    return;
  }
  std::string delta(3 * count, '\0');
  auto* d = reinterpret_cast<uint8_t*>(delta.data());
  for (size_t i = 0; i < 3 * count; ++i) d[i] = pixels[i] ^ previous[i];
  encode_pixels(d, count, out);
}

void decode_frame(std::string_view coded, const uint8_t* previous, size_t count, uint8_t* pixels,
                  const std::string& where) {
  const auto* p = reinterpret_cast<const uint8_t*>(coded.data());
  const uint8_t* end = p + coded.size();
  size_t done = 0;
  while (done < count) {
    uint64_t v = 0;
    int shift = 0;
    while (true) {
      if (p == end) throw Error("frame data ends early", where);
      if (shift > 56) throw Error("corrupt run length in frame data", where);
      uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    const uint64_t n = v >> 1;
    if (n == 0 || n > count - done) throw Error("frame run overruns the frame", where);
    uint8_t* dst = pixels + 3 * done;
    if (v & 1) {
      if (end - p < 3) throw Error("frame data ends early", where);
      for (uint64_t k = 0; k < n; ++k) std::memcpy(dst + 3 * k, p, 3);
      p += 3;
    } else {
      if (static_cast<uint64_t>(end - p) < 3 * n) throw Error("frame data ends early", where);
      std::memcpy(dst, p, 3 * n);
      p += 3 * n;
    }
    done += n;
  }
  if (p != end) throw Error("frame data has trailing bytes", where);
  if (previous)
    for (size_t i = 0; i < 3 * count; ++i) pixels[i] ^= previous[i];
}

}  // namespace nc::data
