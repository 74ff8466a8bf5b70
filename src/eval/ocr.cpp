#include "nc/eval/ocr.h"

#include <tesseract/baseapi.h>

#include <cmath>

#include "nc/core/error.h"
#include "nc/core/strings.h"

namespace nc::eval {
namespace {

// Grey, dark-on-light, upscaled by `scale` with bilinear interpolation.
std::vector<uint8_t> prepare(const Image& img, double scale, int* out_w, int* out_h) {
  std::vector<uint8_t> grey(static_cast<size_t>(img.width) * img.height);
  double sum = 0;
  for (size_t i = 0; i < grey.size(); ++i) {
    const uint8_t* p = img.rgb.data() + 3 * i;
    grey[i] = static_cast<uint8_t>((299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000);
    sum += grey[i];
  }
  if (sum / grey.size() < 128)
    for (auto& g : grey) g = static_cast<uint8_t>(255 - g);
  const int w = std::max(1, static_cast<int>(std::lround(img.width * scale)));
  const int h = std::max(1, static_cast<int>(std::lround(img.height * scale)));
  std::vector<uint8_t> out(static_cast<size_t>(w) * h);
  for (int y = 0; y < h; ++y) {
    const double sy = std::clamp((y + 0.5) / scale - 0.5, 0.0, img.height - 1.0);
    const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, img.height - 1);
    const double fy = sy - y0;
    for (int x = 0; x < w; ++x) {
      const double sx = std::clamp((x + 0.5) / scale - 0.5, 0.0, img.width - 1.0);
      const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, img.width - 1);
      const double fx = sx - x0;
      auto at = [&](int xx, int yy) { return grey[static_cast<size_t>(yy) * img.width + xx]; };
      const double v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
      out[static_cast<size_t>(y) * w + x] = static_cast<uint8_t>(std::lround(v));
    }
  }
  *out_w = w;
  *out_h = h;
  return out;
}

}  // namespace

struct Ocr::Engine {
  tesseract::TessBaseAPI api;
};

Ocr::Ocr(OcrOptions options) : options_(std::move(options)), engine_(std::make_unique<Engine>()) {
  const char* datapath = options_.tessdata.empty() ? nullptr : options_.tessdata.c_str();
  if (engine_->api.Init(datapath, options_.language.c_str()) != 0)
    throw Error("Tesseract cannot load language '" + options_.language + "'", "eval.ocr",
                "install tesseract-ocr-" + options_.language + " or set ocr.tessdata");
  engine_->api.SetPageSegMode(static_cast<tesseract::PageSegMode>(options_.page_segmentation));
  // Keep inter-word spaces as they are: terminal text is aligned with spaces.
  engine_->api.SetVariable("preserve_interword_spaces", "1");
}

Ocr::~Ocr() {
  if (engine_) engine_->api.End();
}

std::vector<std::string> Ocr::read_lines(const Image& frame) {
  if (frame.empty()) return {};
  int w, h;
  std::vector<uint8_t> grey = prepare(frame, options_.upscale, &w, &h);
  engine_->api.SetImage(grey.data(), w, h, 1, w);
  std::unique_ptr<char[]> text(engine_->api.GetUTF8Text());
  engine_->api.Clear();
  std::vector<std::string> lines = split(text ? text.get() : "", '\n');
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
  return lines;
}

}  // namespace nc::eval
