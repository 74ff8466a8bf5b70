// PAPER.md §3.1 Exp 1, the font-size study: the same terminal session rendered by our Renderer
// at 13 px (CLIGen's font) and at 6 px, passed through the VAE (chunked), and scored: PSNR and
// SSIM of the reconstruction, and (built with OCR) Tesseract's character and exact-line
// accuracy on the reconstruction against the known screen text, with the same OCR on the
// original rendering as the ceiling the reader allows at that size. `nc vae font-study`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include "nc/eval/ocr.h"
#include "nc/model/vae.h"
#include "nc/term/render_options.h"

namespace nc::eval {

struct FontStudyOptions {
  std::vector<double> font_sizes = {13, 6};  // px; PAPER.md §3.1 Exp 1 compares 13 and 6
  int frames = 5;                            // 1 + 4k; the session's lines appear over them
  int cols = 80, rows = 24;                  // terminal size (the same text at every font size)
  bool ocr = true;                           // score OCR accuracy (builds with NC_WITH_OCR only)
  OcrOptions ocr_options;
  bool videos = true;  // write <out>/font_<size>px.mp4 (original | reconstruction) and a PNG of the last frame
  double fps = 15;
};

// The fixed shell session the study renders: lines of output with ANSI colours, as a program
// writes them (no trailing newline).
const std::vector<std::string>& font_study_session();

// The session rendered at `font_size` (other render options as given, frame size rounded up to
// a multiple of `multiple` with window background): frame k shows the first
// ceil((k + 1) L / frames) of the L lines, as a terminal where they are being printed.
struct RenderedSession {
  at::Tensor frames;                            // uint8 [T, H, W, 3]
  std::vector<std::vector<std::string>> lines;  // the screen's text per frame
};
RenderedSession render_session(const term::RenderOptions& render, double font_size, int cols, int rows, int frames,
                               int multiple);

// (steps done, steps in all, what is being done)
using FontStudyStep = std::function<void(int64_t, int64_t, const std::string&)>;

// Runs the study and writes `out_dir`/font_study.json and font_study.md (and the videos).
// JSON: {"frames", "cols", "rows", "ocr": "tesseract"|"off"|"not built",
//        "sizes": [{font_px, width, height, psnr, ssim, ocr_char_acc, ocr_exact_line_acc,
//                   ocr_char_acc_original, ocr_exact_line_acc_original, video, png}]}
// (OCR keys are null without OCR).
nlohmann::ordered_json font_study(model::Vae& vae, const term::RenderOptions& render, const FontStudyOptions& options,
                                  const std::string& out_dir, const c10::Device& device,
                                  const FontStudyStep& on_step = {});

std::string font_study_markdown(const nlohmann::ordered_json& doc);

}  // namespace nc::eval
