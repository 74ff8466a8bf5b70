// The `eval` config section: every choice `nc eval` makes that the paper leaves open, with the
// paper's values as defaults where it pins them (PAPER.md §3; docs/EVAL.md explains each).
#pragma once

#include <string>
#include <vector>

#include "nc/core/config.h"
#include "nc/eval/ocr.h"

namespace nc::eval {

// The names `--metrics` and `eval.metrics` accept.
inline const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = {"psnr",   "ssim",    "ocr", "global", "lpips",
                                                 "fvd",    "cursor",  "actions", "arithmetic"};
  return names;
}

// PAPER.md §3.2 App. B.3: the decode behind FVD_all, SSIM_all, LPIPS_all.
struct GlobalDecodeOptions {
  double fps = 3;          // frames sampled per second of video
  int size = 256;          // the short side after resizing (aspect kept)
  double max_seconds = 5;  // frames at times >= this are not used

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("fps", fps, "frame rate both videos are sampled at (App. B.3: 3)", positive());
    v("size", size, "short side of the resized frames, aspect kept (App. B.3: 256)", between(16, 4096));
    v("max_seconds", max_seconds, "only frames earlier than this are used (App. B.3: 5)", positive());
  }
};

// Cursor accuracy (Table 9): the paper defines neither the locator nor the tolerance.
struct CursorOptions {
  double tolerance_px = 8;   // a hit: located tip within this distance of the logged position,
                             // in pixels of the reference screen (scaled to the frame)
  int screen_width = 1024;   // the screen the positions were logged on (PAPER.md §1.3)
  int screen_height = 768;
  double size_px = 30;       // the arrow's height on that screen (Adwaita at CURSOR_SIZE 40)
  std::vector<double> scales = {0.8, 1.0, 1.25};  // sprite sizes searched, relative to size_px
  double min_score = 0.5;    // normalised cross-correlation below this: no cursor found
  std::string sprite;        // PNG of the cursor; empty: the built-in arrow (PAPER.md §1.3 SVG)
  std::string sprite_mask;   // PNG, white where the sprite is the cursor; empty: all of it
  int hotspot_x = 0, hotspot_y = 0;  // the tip inside `sprite`, in its pixels

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("tolerance_px", tolerance_px, "hit radius in screen pixels, scaled with the frame", positive());
    v("screen_width", screen_width, "width of the screen positions were logged on", at_least(1));
    v("screen_height", screen_height, "height of that screen", at_least(1));
    v("size_px", size_px, "cursor arrow height on that screen", positive());
    v("scales", scales, "sprite sizes searched, relative to size_px", positive());
    v("min_score", min_score, "normalised cross-correlation below this means no cursor was found", between(-1, 1));
    v("sprite", sprite, "PNG of the cursor sprite; empty = the built-in arrow");
    v("sprite_mask", sprite_mask, "PNG, white where the sprite is opaque; empty = the whole sprite");
    v("hotspot_x", hotspot_x, "x of the sprite's tip in its pixels", at_least(0));
    v("hotspot_y", hotspot_y, "y of the sprite's tip in its pixels", at_least(0));
  }
};

// Action-window metrics (Exp 9, App. B.3): frames f+offset .. f+offset+length-1 after each action.
struct ActionWindowOptions {
  int length = 15;             // k
  int offset = 1;              // action_start_offset: the action frame itself is skipped
  double fps = 0;              // frame rate of the tau -> frame mapping; 0 = the clip's own
  std::string event_types = "ik";       // event types that are actions (input, key)
  std::string tensor = "action_types";  // per-frame [T] or [T, S] tensor, nonzero = action

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("length", length, "frames per window after each action (App. B.3: 15)", at_least(1));
    v("offset", offset, "first window frame after the action frame (App. B.3: 1)", at_least(0));
    v("fps", fps, "frame rate for f = round(tau * fps) and the windows; 0 = the clip's native rate", at_least(0));
    v("event_types", event_types, "clip event types that count as actions (one letter each)");
    v("tensor", tensor, "per-frame tensor whose nonzero entries mark actions (preferred over events)");
  }
};

// The arithmetic probe (Exp 5-6).
struct ProbeOptions {
  int count = 100;      // problems sampled from the pool (PAPER.md: 100 of 1,000)
  int64_t seed = 0;     // the sample is a function of the pool and this seed
  int last_frames = 3;  // the answer is read from the latest of these final frames that shows one

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("count", count, "problems sampled from the pool", at_least(1));
    v("seed", seed, "seed of the deterministic sample", at_least(0));
    v("last_frames", last_frames, "final frames read by OCR (the latest with an answer counts)", at_least(1));
  }
};

struct EvalOptions {
  std::vector<std::string> metrics = metric_names();
  int skip_frames = 0;          // leading frames left out of every metric (e.g. a given first frame)
  double psnr_cap_db = 100;     // PSNR of identical frames (infinite) is reported as this
  int ocr_frames = 5;           // K (App. B.2)
  std::string ocr_reference = "text";  // text: the stored buffers; frames: OCR of the reference
  OcrOptions ocr;
  GlobalDecodeOptions global;
  std::string lpips_weights;    // TorchScript LPIPS (AlexNet) module
  std::string fvd_weights;      // TorchScript r3d18 module returning prelogits
  int fvd_frames = 16;
  int fvd_size = 112;
  CursorOptions cursor;
  ActionWindowOptions actions;
  ProbeOptions probe;

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("metrics", metrics, "metrics computed where their inputs exist", one_of(metric_names()));
    v("skip_frames", skip_frames, "leading frames left out of every metric", at_least(0));
    v("psnr_cap_db", psnr_cap_db, "PSNR reported for identical frames", positive());
    v("ocr_frames", ocr_frames, "K: evenly spaced frames read by OCR (App. B.2: 5)", at_least(1));
    v("ocr_reference", ocr_reference, "OCR reference: the stored text buffers, or Tesseract on the reference frames",
      one_of({"text", "frames"}));
    v("ocr", ocr, "Tesseract settings");
    v("global", global, "decode of the global GUI metrics (App. B.3)");
    v("lpips_weights", lpips_weights, "TorchScript LPIPS (AlexNet) module; empty: LPIPS unavailable");
    v("fvd_weights", fvd_weights, "TorchScript r3d18 prelogits module; empty: FVD unavailable");
    v("fvd_frames", fvd_frames, "frames per FVD clip (App. B.3: 16)", at_least(1));
    v("fvd_size", fvd_size, "FVD frame size (App. B.3: 112)", at_least(16));
    v("cursor", cursor, "cursor accuracy: locator and tolerance");
    v("actions", actions, "action-window metrics (SSIM+15, PSNR+15, LPIPS+15, FVD+15)");
    v("probe", probe, "arithmetic probe");
  }
};

}  // namespace nc::eval
