// Cursor accuracy (PAPER.md §3.2 Exp 8, Table 9; "cursor hit rate" in App. D.5). The paper
// defines neither how the cursor is found nor the tolerance; ours (docs/EVAL.md):
//
//   locate: masked, zero-mean normalised cross-correlation of a cursor sprite (grey) with the
//           frame (grey), at every placement of its tip inside the frame and a few sprite
//           sizes; the best placement is the cursor when its score >= min_score;
//   hit:    the located tip lies within tolerance_px * s of the logged position, where
//           s = min(W / screen_width, H / screen_height) maps the 1024x768 screen to the frame
//           (tolerance 8 px on the screen);
//   score:  hits / frames with a valid logged position, per clip; the mean over clips overall.
//
// The sprite is the arrow of the reference recorder's SVG (PAPER.md §1.3, `record_script.py`:
// white arrow, black inner shapes, 1-px black outline) rasterised here, or any PNG supplied.
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/core/image.h"
#include "nc/eval/eval_options.h"

namespace nc::eval {

struct CursorSprite {
  int width = 0, height = 0;
  std::vector<float> grey;  // [height * width], 0 (black) .. 1 (white)
  std::vector<float> mask;  // [height * width], 0 (transparent) .. 1 (opaque)
  int hotspot_x = 0, hotspot_y = 0;  // the pixel of the tip
};

// The built-in arrow rasterised (4x4 supersampling) so that tip to tail is `height_px` pixels.
CursorSprite arrow_sprite(double height_px);

// A sprite from an RGB image, an optional mask image (grey / 255) and its tip.
CursorSprite sprite_from_image(const Image& rgb, const Image* mask, int hotspot_x, int hotspot_y);

// The sprite resized by `factor` (area / bilinear, tip scaled with it).
CursorSprite scale_sprite(const CursorSprite& sprite, double factor);

// Where a pixel of `sprite` lands over `frame` when its tip is at (x, y): the sprite is alpha
// blended (mask) over the frame, clipped at the borders. For tests and previews.
void draw_sprite(Image& frame, const CursorSprite& sprite, int x, int y);

struct CursorMatch {
  bool found = false;  // score >= min_score
  int x = -1, y = -1;  // the tip, in frame pixels
  double score = -1;   // the best normalised cross-correlation, in [-1, 1]
};

class CursorLocator {
 public:
  // `sprite`: the cursor at its own size, drawn `size_px` tall on the screen; empty: the
  // built-in arrow rasterised at each size. (`options.sprite` is loaded by the caller.)
  explicit CursorLocator(CursorOptions options, CursorSprite sprite = {});

  // s = min(W / screen_width, H / screen_height).
  double frame_scale(int width, int height) const;
  // tolerance_px * s.
  double tolerance(int width, int height) const;
  CursorMatch locate(const Image& frame);

 private:
  struct Kernels;
  const Kernels& kernels(int width, int height);

  CursorOptions options_;
  CursorSprite base_;      // the user's sprite at its own size (empty: the built-in arrow)
  std::map<std::pair<int, int>, std::shared_ptr<Kernels>> cache_;
};

// The logged cursor of a reference clip as pixel positions [T, 2] (x, y) float64 in a W x H
// frame, NaN where invalid: from tensor "cursor" ([T, 2] pixels) or "mouse_trajectories"
// ([T, 2] in [0, 1], x * (W - 1), y * (H - 1): PAPER.md §1.3). Undefined when neither exists.
at::Tensor logged_cursor(const std::map<std::string, at::Tensor>& tensors, int width, int height);

struct CursorFrameScore {
  int frame = 0;
  double logged_x = 0, logged_y = 0;
  CursorMatch match;
  double distance = -1;  // tip to logged position in pixels; -1 when not found
  bool hit = false;
};

}  // namespace nc::eval
