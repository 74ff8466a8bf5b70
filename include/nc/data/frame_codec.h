// The frame codec of clip shards ("rle-delta-1"): frame 0 is run-length coded pixels; every
// later frame is the XOR with its predecessor, run-length coded. Interface frames change a few
// cells at a time, so a delta frame is mostly one zero run (a few bytes); decoding is a linear
// pass with no library, so any build (a wheel-only GPU machine too) can read shards.
//
// Token stream over 3-byte pixels: varint(n << 1 | repeat), then either n literal pixels
// (repeat = 0) or one pixel repeated n times (repeat = 1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nc::data {

inline constexpr const char* kFrameCodec = "rle-delta-1";

// Appends the coded `pixels` (count pixels of 3 bytes) to `out`. `previous` is the frame
// before (same size) or nullptr for a key frame.
void encode_frame(const uint8_t* pixels, const uint8_t* previous, size_t count, std::string& out);

// Decodes into `pixels` (count pixels); `previous` as given to encode_frame. Throws
// nc::Error(where) on a corrupt stream: runs past the end, truncation, bad varints.
void decode_frame(std::string_view coded, const uint8_t* previous, size_t count, uint8_t* pixels,
                  const std::string& where);

}  // namespace nc::data
