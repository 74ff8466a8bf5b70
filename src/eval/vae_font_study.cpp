#include "nc/eval/vae_font_study.h"

#include <cstring>
#include <memory>

#include <ATen/ops/empty.h>
#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/image.h"
#include "nc/eval/ocr_eval.h"
#include "nc/eval/vae_reconstruct.h"
#include "nc/term/renderer.h"
#include "nc/term/screen.h"
#include "nc/video/mp4_writer.h"
#include "nc/video/png.h"

namespace nc::eval {
namespace {

Image to_image(const at::Tensor& frame_u8) {  // [H, W, 3] uint8
  const at::Tensor f = frame_u8.contiguous();
  Image img(static_cast<int>(f.size(1)), static_cast<int>(f.size(0)));
  std::memcpy(img.rgb.data(), f.data_ptr<uint8_t>(), img.rgb.size());
  return img;
}

at::Tensor to_tensor(const std::vector<Image>& frames) {  // -> [T, H, W, 3] uint8
  at::Tensor out = at::empty({static_cast<int64_t>(frames.size()), frames[0].height, frames[0].width, 3}, at::kByte);
  for (size_t t = 0; t < frames.size(); ++t)
    std::memcpy(out[static_cast<int64_t>(t)].data_ptr<uint8_t>(), frames[t].rgb.data(), frames[t].rgb.size());
  return out;
}

int round_up(int v, int multiple) { return (v + multiple - 1) / multiple * multiple; }

std::string px_name(double px) { return fmt::format("{:g}", px); }

}  // namespace

const std::vector<std::string>& font_study_session() {
  static const std::vector<std::string> lines = {
      "\x1b[32muser@nc\x1b[0m:\x1b[34m~/project\x1b[0m$ ls -l",
      "total 24",
      "-rw-r--r-- 1 user user 1187 Mar  3 09:12 README.md",
      "-rw-r--r-- 1 user user  412 Mar  3 09:12 setup.cfg",
      "drwxr-xr-x 4 user user 4096 Mar  3 09:14 \x1b[34msrc\x1b[0m",
      "drwxr-xr-x 2 user user 4096 Mar  3 09:14 \x1b[34mtests\x1b[0m",
      "\x1b[32muser@nc\x1b[0m:\x1b[34m~/project\x1b[0m$ cat setup.cfg | head -3",
      "[metadata]",
      "name = terminal-demo",
      "version = 0.4.2",
      "\x1b[32muser@nc\x1b[0m:\x1b[34m~/project\x1b[0m$ echo $((17 * 23))",
      "391",
      "\x1b[32muser@nc\x1b[0m:\x1b[34m~/project\x1b[0m$ git status --short",
      " M src/main.py",
      "?? notes.txt",
      "\x1b[32muser@nc\x1b[0m:\x1b[34m~/project\x1b[0m$ python3 -c 'print(sum(range(10)))'",
      "45",
      "\x1b[32muser@nc\x1b[0m:\x1b[34m~/project\x1b[0m$ date -u +%Y-%m-%d",
      "2024-03-03",
      "\x1b[32muser@nc\x1b[0m:\x1b[34m~/project\x1b[0m$ wc -l README.md",
      "38 README.md",
      "\x1b[32muser@nc\x1b[0m:\x1b[34m~/project\x1b[0m$ "};
  return lines;
}

RenderedSession render_session(const term::RenderOptions& render, double font_size, int cols, int rows, int frames,
                               int multiple) {
  check(frames >= 1, "the study needs at least one frame", "--frames");
  check(cols >= 1 && rows >= 1, fmt::format("terminal size {}x{} must be positive", cols, rows), "--cols/--rows");
  term::RenderOptions o = render;
  o.font_size = font_size;
  o.width = o.height = 0;  // the natural size, rounded up below: no scaling of the glyphs
  term::Renderer renderer(o);
  const auto natural = renderer.output_size(cols, rows);
  renderer.set_window_size(round_up(natural.first, multiple), round_up(natural.second, multiple));

  const auto& session = font_study_session();
  const size_t total = session.size();
  term::Screen screen(cols, rows);
  RenderedSession out;
  std::vector<Image> images;
  size_t fed = 0;
  for (int k = 0; k < frames; ++k) {
    const size_t upto = (static_cast<size_t>(k + 1) * total + static_cast<size_t>(frames) - 1) / static_cast<size_t>(frames);
    for (; fed < upto; ++fed) screen.feed((fed ? "\r\n" : "") + session[fed]);
    images.push_back(renderer.render(screen));
    out.lines.push_back(screen.text());
  }
  out.frames = to_tensor(images);
  return out;
}

nlohmann::ordered_json font_study(model::Vae& vae, const term::RenderOptions& render, const FontStudyOptions& o,
                                  const std::string& out_dir, const c10::Device& device, const FontStudyStep& on_step) {
  const int64_t ts = vae->options().temporal_stride();
  check(o.frames >= 1 && (o.frames - 1) % ts == 0, fmt::format("frame count {} is not 1 + {}k", o.frames, ts),
        "--frames", fmt::format("use 1, {}, {}, ... frames", 1 + ts, 1 + 2 * ts));
  check(!o.font_sizes.empty(), "no font sizes given", "--sizes");
  for (double px : o.font_sizes)
    check(px >= 4 && px <= 512, fmt::format("font size {:g} px is outside 4 .. 512", px), "--sizes");
#ifdef NC_WITH_OCR
  const bool use_ocr = o.ocr;
  std::unique_ptr<Ocr> ocr;
  if (use_ocr) ocr = std::make_unique<Ocr>(o.ocr_options);
  const char* ocr_state = use_ocr ? "tesseract" : "off";
#else
  const bool use_ocr = false;
  const char* ocr_state = "not built";
#endif
  make_dirs(out_dir);
  vae->eval();

  // Per size: render, reconstruct, OCR of both (OCR dominates the time).
  const int64_t steps = static_cast<int64_t>(o.font_sizes.size()) * (use_ocr ? 3 : 1);
  int64_t step = 0;
  auto report = [&](const std::string& what) {
    if (on_step) on_step(step, steps, what);
  };

  nlohmann::ordered_json sizes = nlohmann::ordered_json::array();
  for (double px : o.font_sizes) {
    const std::string name = "font_" + px_name(px) + "px";
    report(name + ": reconstruct");
    const RenderedSession rendered =
        render_session(render, px, o.cols, o.rows, o.frames, vae->options().spatial_stride());
    const at::Tensor recon = vae_roundtrip(vae, rendered.frames, device);
    const ReconstructionScore score = score_reconstruction(rendered.frames, recon);
    ++step;

    nlohmann::ordered_json row = {{"font_px", px},
                                  {"width", rendered.frames.size(2)},
                                  {"height", rendered.frames.size(1)},
                                  {"psnr", score.mean_psnr},
                                  {"ssim", score.mean_ssim},
                                  {"ocr_char_acc", nullptr},
                                  {"ocr_exact_line_acc", nullptr},
                                  {"ocr_char_acc_original", nullptr},
                                  {"ocr_exact_line_acc_original", nullptr}};
#ifdef NC_WITH_OCR
    if (use_ocr) {
      const int t = static_cast<int>(o.frames);
      auto reference = [&](int k) { return rendered.lines.at(static_cast<size_t>(k)); };
      report(name + ": OCR of the reconstruction");
      const OcrClipScore on_recon = score_ocr(t, t, reference, [&](int k) { return ocr->read_lines(to_image(recon[k])); });
      ++step;
      report(name + ": OCR of the original");
      const OcrClipScore on_orig =
          score_ocr(t, t, reference, [&](int k) { return ocr->read_lines(to_image(rendered.frames[k])); });
      ++step;
      row["ocr_char_acc"] = on_recon.char_acc;
      row["ocr_exact_line_acc"] = on_recon.exact_line_acc;
      row["ocr_char_acc_original"] = on_orig.char_acc;
      row["ocr_exact_line_acc_original"] = on_orig.exact_line_acc;
    }
#endif
    row["video"] = "";
    row["png"] = "";
    if (o.videos) {
      std::vector<Image> frames;
      for (int64_t k = 0; k < recon.size(0); ++k) {
        const Image a = to_image(rendered.frames[k]), b = to_image(recon[k]);
        Image both(a.width * 2 + 4, a.height);  // original | 4 px black | reconstruction
        for (int y = 0; y < a.height; ++y) {
          std::memcpy(both.pixel(0, y), a.pixel(0, y), static_cast<size_t>(a.width) * 3);
          std::memcpy(both.pixel(a.width + 4, y), b.pixel(0, y), static_cast<size_t>(b.width) * 3);
        }
        frames.push_back(std::move(both));
      }
      video::VideoWriterOptions vo;
      vo.fps = o.fps;
      video::Mp4Writer writer(out_dir + "/" + name + ".mp4", frames[0].width, frames[0].height, vo);
      for (const auto& f : frames) writer.write(f);
      writer.close();
      video::write_png(out_dir + "/" + name + ".png", frames.back());  // lossless, for reading the glyphs
      row["video"] = name + ".mp4";
      row["png"] = name + ".png";
    }
    sizes.push_back(row);
  }
  report("done");

  nlohmann::ordered_json doc;
  doc["frames"] = o.frames;
  doc["cols"] = o.cols;
  doc["rows"] = o.rows;
  doc["ocr"] = ocr_state;
  doc["sizes"] = sizes;
  write_file_atomic(out_dir + "/font_study.json", doc.dump(2) + "\n");
  write_file_atomic(out_dir + "/font_study.md", font_study_markdown(doc));
  return doc;
}

std::string font_study_markdown(const nlohmann::ordered_json& doc) {
  auto num = [](const nlohmann::ordered_json& v) {
    return v.is_null() ? std::string("–") : fmt::format("{:.3f}", v.get<double>());
  };
  std::string md = "# VAE font-size study (PAPER.md §3.1 Exp 1)\n\n";
  md += fmt::format("The same {}x{} terminal session over {} frames, rendered at each size and reconstructed "
                    "(chunked). OCR: {}; *original* is the same OCR on the rendering itself.\n\n",
                    doc.at("cols").get<int>(), doc.at("rows").get<int>(), doc.at("frames").get<int>(),
                    doc.at("ocr").get<std::string>());
  md += "| font | frame | PSNR | SSIM | OCR char acc | OCR line acc | OCR char acc (original) | OCR line acc (original) |\n";
  md += "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const auto& r : doc.at("sizes"))
    md += fmt::format("| {:g} px | {}x{} | {:.2f} | {:.4f} | {} | {} | {} | {} |\n", r.at("font_px").get<double>(),
                      r.at("width").get<int64_t>(), r.at("height").get<int64_t>(), r.at("psnr").get<double>(),
                      r.at("ssim").get<double>(), num(r.at("ocr_char_acc")),
                      num(r.at("ocr_exact_line_acc")), num(r.at("ocr_char_acc_original")),
                      num(r.at("ocr_exact_line_acc_original")));
  return md;
}

}  // namespace nc::eval
