// OCR accuracy of one clip (PAPER.md §3.1 Exp 4, App. B.2): T = min(T_gen, T_gt) frames, K of
// them evenly spaced (evenly_spaced_frames), each scored with char_accuracy and
// exact_line_accuracy on normalised lines, then averaged over those frames. The caller supplies
// how lines are read: Tesseract on the generated frame, and the stored text buffer (or
// Tesseract) for the reference, so the scoring runs and is tested without an OCR engine.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace nc::eval {

// The lines of frame `t` (raw: normalisation happens inside score_ocr).
using FrameLines = std::function<std::vector<std::string>(int t)>;

struct OcrFrameScore {
  int frame = 0;
  double char_acc = 0, exact_line_acc = 0;
  std::vector<std::string> reference, predicted;  // normalised lines
};

struct OcrClipScore {
  std::vector<OcrFrameScore> frames;
  double char_acc = 0, exact_line_acc = 0;  // means over `frames` (0 when there are none)
};

// `total` = T (already min(T_gen, T_gt)); `k` = K. Frames before `first` are skipped (the
// K frames are spread over [first, total)).
OcrClipScore score_ocr(int total, int k, const FrameLines& reference, const FrameLines& predicted, int first = 0);

}  // namespace nc::eval
