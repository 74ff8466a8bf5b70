#include "nc/eval/ocr_eval.h"

#include <algorithm>

#include "nc/eval/ocr_metrics.h"

namespace nc::eval {

OcrClipScore score_ocr(int total, int k, const FrameLines& reference, const FrameLines& predicted, int first) {
  OcrClipScore out;
  first = std::max(0, first);
  for (int i : evenly_spaced_frames(total - first, k)) {
    OcrFrameScore s;
    s.frame = first + i;
    s.reference = normalize_lines(reference(s.frame));
    s.predicted = normalize_lines(predicted(s.frame));
    s.char_acc = char_accuracy(s.reference, s.predicted);
    s.exact_line_acc = exact_line_accuracy(s.reference, s.predicted);
    out.char_acc += s.char_acc;
    out.exact_line_acc += s.exact_line_acc;
    out.frames.push_back(std::move(s));
  }
  if (!out.frames.empty()) {
    out.char_acc /= out.frames.size();
    out.exact_line_acc /= out.frames.size();
  }
  return out;
}

}  // namespace nc::eval
