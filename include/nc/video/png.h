// PNG frames through libpng: any PNG in (8- or 16-bit; gray, gray+alpha, palette, RGB, RGBA;
// interlaced or not), packed RGB8 out.
//
// Conversions on read: palettes and gray are expanded to RGB; 16-bit samples are scaled to
// 8 bits (rounded); alpha, including palette/tRNS transparency, is composited over black
// (out = value * alpha / 255, on the stored values, no gamma handling), so a fully
// transparent pixel reads as black. Writes are 8-bit RGB, no alpha.
#pragma once

#include <string>
#include <string_view>

#include "nc/core/image.h"

namespace nc::video {

// Reads a PNG file; throws nc::Error naming `path` when it is missing, not a PNG, corrupt or
// truncated.
Image read_png(const std::string& path);

// Writes `image` as an RGB8 PNG through a temporary file + rename (atomic).
void write_png(const std::string& path, const Image& image);

// The bytes of an RGB8 PNG of `image`.
std::string encode_png(const Image& image);

// Decodes PNG bytes; `name_for_errors` is the `where` of the nc::Error thrown on bad input.
Image decode_png(std::string_view bytes, const std::string& name_for_errors);

}  // namespace nc::video
