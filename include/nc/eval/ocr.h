// Tesseract OCR of rendered or generated frames. Frames are converted to grey, inverted when
// the background is dark (Tesseract reads dark text on light), and upscaled: small terminal
// fonts read far better at 2-4x (the default, 3x, is measured in docs/DATA.md).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nc/core/config.h"
#include "nc/core/image.h"

namespace nc::eval {

struct OcrOptions {
  std::string language = "eng";
  int page_segmentation = 6;  // Tesseract --psm: 6 = one uniform block of text
  double upscale = 3;
  std::string tessdata;       // empty: Tesseract's default data folder

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("language", language, "Tesseract language(s), e.g. eng");
    v("page_segmentation", page_segmentation, "Tesseract page segmentation mode (--psm)", between(0, 13));
    v("upscale", upscale, "scale factor applied before recognition", between(1, 8));
    v("tessdata", tessdata, "folder holding <language>.traineddata; empty = Tesseract's default");
  }
};

class Ocr {
 public:
  explicit Ocr(OcrOptions options = {});
  ~Ocr();
  Ocr(const Ocr&) = delete;
  Ocr& operator=(const Ocr&) = delete;

  // The recognised text, one string per line as Tesseract reports them.
  std::vector<std::string> read_lines(const Image& frame);

 private:
  struct Engine;
  OcrOptions options_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace nc::eval
