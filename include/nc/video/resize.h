// Resampling RGB8 frames: area-average / bilinear resize, and the letterbox of PAPER.md §1.3
// (uniform scale to fit, centred, padding in a fill colour) whose geometry also maps cursor
// coordinates: a source point (x, y) lands at (scale * x + pad_x, scale * y + pad_y).
#pragma once

#include <cstdint>

#include "nc/core/image.h"

namespace nc::video {

// Resizes to `w` x `h`, each axis on its own: area average where it shrinks (every source
// pixel contributes by the fraction of it a destination pixel covers), bilinear where it grows
// (pixel centres aligned, edges clamped), a copy where it stays. Throws nc::Error on an empty
// or malformed source or a non-positive size.
Image resize_area(const Image& src, int w, int h);

struct LetterboxGeometry {
  double scale = 1;        // destination pixels per source pixel, the same on both axes
  int pad_x = 0, pad_y = 0;  // left and top padding; right/bottom take the odd pixel
  int content_w = 0, content_h = 0;  // the resized source inside the destination
};

// The letterbox of a `src_w` x `src_h` frame in a `dst_w` x `dst_h` one: scale =
// min(dst_w / src_w, dst_h / src_h); the limiting axis fills the destination exactly, the
// other is rounded to whole pixels (at least 1) and centred (pad = floor(free / 2)).
LetterboxGeometry letterbox_geometry(int src_w, int src_h, int dst_w, int dst_h);

// `src` resized by resize_area into the letterbox_geometry() box of a `w` x `h` frame filled
// with (r, g, b). Writes the geometry to `geo` when given.
Image letterbox(const Image& src, int w, int h, uint8_t r, uint8_t g, uint8_t b,
                LetterboxGeometry* geo = nullptr);

}  // namespace nc::video
