// The SVG cursor and the reference stream (PAPER.md §1.3 "SVG cursor and per-frame masks").
//
// The sprite is the arrow of the paper's record_script.py (viewBox "8 4 12 20": two white
// polygons, a black rotated bar and a black inner polygon), rasterised by a small polygon
// rasteriser of ours (8x8 samples per pixel, painter's order, premultiplied over), `size` px
// high and size * 12 / 20 wide, plus the paper's 1-px black outline. Its hotspot is the arrow
// tip, viewBox (8.2, 4.9).
//
// Per frame t the cursor-only image f_t is the sprite alpha-blended over a neutral background
// with its hotspot at the letterboxed cursor position (x_t (w-1), y_t (h-1)) clamped to the
// frame, and the soft mask m_t is the sprite's alpha there; a frame without a cursor has
// f_t = background and m_t = 0. The reference stream: ref_img_0 = the full first frame with
// ref_mask_0 = 1; ref_img_t = f_t, ref_mask_t = m_t for t > 0.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/core/image.h"

namespace nc::gui {

struct CursorSprite {
  int width = 0, height = 0;
  int hot_x = 0, hot_y = 0;   // the tip, in sprite pixels
  std::vector<uint8_t> rgba;  // straight (not premultiplied) RGBA, row-major
};

// The paper's arrow, `size` px high (>= 4); `outline` adds the 1-px black border.
CursorSprite arrow_cursor(int size, bool outline = true);

// The sprite's top-left corner when its hotspot is at pixel (px, py).
inline std::array<int, 2> sprite_origin(const CursorSprite& s, int px, int py) {
  return {px - s.hot_x, py - s.hot_y};
}

// The hotspot pixel of a normalised position in a `width` x `height` frame:
// round(x * (width - 1)), clamped to the frame.
std::array<int, 2> hotspot_pixel(double x, double y, int width, int height);

// Alpha-blends the sprite over `image` with its hotspot at pixel (px, py), clipped.
void draw_cursor(Image& image, const CursorSprite& sprite, int px, int py);

// The reference stream as tensors: images [T, 3, H, W] float32 in [-1, 1], masks
// [T, 1, H, W] float32 in [0, 1]. `first_frame` is [H, W, 3] uint8 (frame 0 of the clip),
// `xy` [T, 2] in [0, 1] and `valid` [T] from mouse_trajectories().
struct ReferenceStream {
  at::Tensor images, masks;
};
ReferenceStream reference_stream(const at::Tensor& first_frame, const at::Tensor& xy, const at::Tensor& valid,
                                 const CursorSprite& sprite, std::array<uint8_t, 3> background);

// The compact form stored in clip shards (docs/FORMATS.md): per frame the sprite's top-left
// corner `xy` [T, 2] int32 (may lie partly outside the frame), its mask patch [T, h, w] uint8
// (alpha; all 0 where the cursor is unknown) and its image patch [T, h, w, 3] uint8 (the
// sprite over the background). Outside the patch, ref_img_t is the background and
// ref_mask_t is 0 (t > 0).
struct CursorPatches {
  at::Tensor xy, mask, image;
};
CursorPatches cursor_patches(const at::Tensor& xy, const at::Tensor& valid, int width, int height,
                             const CursorSprite& sprite, std::array<uint8_t, 3> background);
// Patches (and frame 0) back to the full reference stream; equal to reference_stream().
ReferenceStream expand_reference_stream(const at::Tensor& first_frame, const CursorPatches& patches,
                                        std::array<uint8_t, 3> background);

}  // namespace nc::gui
