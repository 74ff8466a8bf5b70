#include "nc/eval/report.h"

#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "nc/core/file_util.h"
#include "nc/core/strings.h"

namespace nc::eval {
namespace {

using Json = nlohmann::ordered_json;

struct Row {
  const char* key;
  const char* label;
  const char* definition;
  int digits;
};

// The overall metrics in display order, with their one-line definitions (docs/EVAL.md).
const std::vector<Row>& rows() {
  static const std::vector<Row> r = {
      {"psnr", "PSNR (dB)", "per frame at native size, mean per clip, mean over clips", 2},
      {"ssim", "SSIM", "Gaussian 11/1.5 on [0,1], per frame, mean per clip, mean over clips", 4},
      {"ocr_char_acc", "OCR char. acc.", "Tesseract, K=5 frames, 1 - Levenshtein/|ref| (App. B.2)", 3},
      {"ocr_exact_line_acc", "OCR exact-line acc.", "share of reference lines matched in place (App. B.2)", 3},
      {"ssim_all", "SSIM_all", "3 fps, short side 256, first 5 s (App. B.3)", 4},
      {"lpips_all", "LPIPS_all", "AlexNet on [-1,1], App. B.3 decode", 4},
      {"fvd_all", "FVD_all", "r3d18 prelogits, 16 x 112^2, App. B.3 decode", 2},
      {"cursor_accuracy", "Cursor accuracy", "tip within tolerance of the logged position, mean over clips", 4},
      {"ssim_15", "SSIM+15", "frames f+1..f+15 after each action, union, mean per clip", 4},
      {"psnr_15", "PSNR+15 (dB)", "the same frames", 2},
      {"lpips_15", "LPIPS+15", "the same frames", 4},
      {"fvd_15", "FVD+15", "the same frames per video, subsampled/padded to 16", 2},
      {"arithmetic_accuracy", "Arithmetic probe", "answer read by OCR from the final frames (Exp 5)", 3},
      {"arithmetic_reprompt_accuracy", "Arithmetic probe, reprompted", "\"The answer is N\" in the caption (Exp 6)", 3},
  };
  return r;
}

std::string cell(const Json& v, int digits) {
  if (v.is_null()) return "—";
  if (v.is_number()) return fmt::format("{:.{}f}", v.get<double>(), digits);
  return v.dump();
}

// The status line explaining a null value ("unavailable: no weights supplied ...").
std::string status_of(const Json& overall, const std::string& key) {
  const std::string s = key == "fvd_15" ? "fvd_15_status" : key.substr(0, key.find('_')) + "_status";
  return overall.contains(s) && overall[s].is_string() ? overall[s].get<std::string>() : "";
}

}  // namespace

std::string eval_markdown(const Json& doc) {
  std::string md = "# nc eval\n\n";
  const Json& in = doc.value("inputs", Json::object());
  md += fmt::format("Predictions `{}`", in.value("pred", ""));
  if (in.contains("ref") && !in["ref"].empty()) {
    std::vector<std::string> refs;
    for (const auto& r : in["ref"]) refs.push_back("`" + r.get<std::string>() + "`");
    md += ", references " + join(refs, ", ");
  }
  md += ".\n\n";
  if (doc.contains("pairing")) {
    const Json& p = doc["pairing"];
    md += fmt::format("Paired clips: {}; references without a prediction: {}; predictions without a reference: {}.\n\n",
                      p.value("matched", 0), p.value("unmatched_ref", Json::array()).size(),
                      p.value("unmatched_pred", Json::array()).size());
  }

  const Json& overall = doc.value("overall", Json::object());
  const Json& counts = doc.value("clips_per_metric", Json::object());
  md += "| metric | value | clips | definition |\n| --- | ---: | ---: | --- |\n";
  for (const auto& r : rows()) {
    if (!overall.contains(r.key)) continue;
    std::string value = cell(overall[r.key], r.digits);
    const std::string status = status_of(overall, r.key);
    if (overall[r.key].is_null() && !status.empty() && status != "ok") value = "— (" + status + ")";
    std::string n = counts.contains(r.key) ? counts[r.key].dump() : "";
    md += fmt::format("| {} | {} | {} | {} |\n", r.label, value, n, r.definition);
  }

  if (doc.contains("arithmetic") && doc["arithmetic"].contains("plain")) {
    md += "\n## Arithmetic probe\n\n| predictions | correct | evaluated | missing | expression read |\n"
          "| --- | ---: | ---: | ---: | ---: |\n";
    for (const char* run : {"plain", "reprompt"}) {
      if (!doc["arithmetic"].contains(run)) continue;
      const Json& a = doc["arithmetic"][run];
      md += fmt::format("| {} (`{}`) | {} | {} | {} | {} |\n", run, a.value("pred", ""), a.value("correct", 0),
                        a.value("n", 0), a.value("missing", Json::array()).size(), a.value("expression_found", 0));
    }
  }

  const Json& clips = doc.value("clips", Json::array());
  if (!clips.empty()) {
    struct Col {
      const char* label;
      std::vector<const char*> path;
      int digits;
    };
    const std::vector<Col> cols = {
        {"PSNR", {"psnr"}, 2},
        {"SSIM", {"ssim"}, 4},
        {"OCR char", {"ocr", "char_acc"}, 3},
        {"OCR line", {"ocr", "exact_line_acc"}, 3},
        {"SSIM_all", {"global", "ssim_all"}, 4},
        {"LPIPS_all", {"global", "lpips_all"}, 4},
        {"cursor", {"cursor", "accuracy"}, 3},
        {"SSIM+15", {"actions", "ssim_15"}, 4},
        {"LPIPS+15", {"actions", "lpips_15"}, 4},
    };
    auto lookup = [](const Json& c, const std::vector<const char*>& path) -> const Json* {
      const Json* v = &c;
      for (const char* k : path) {
        if (!v->is_object() || !v->contains(k)) return nullptr;
        v = &(*v)[k];
      }
      return v;
    };
    std::vector<const Col*> shown;
    for (const auto& col : cols)
      for (const auto& c : clips)
        if (lookup(c, col.path)) {
          shown.push_back(&col);
          break;
        }
    md += "\n## Per clip\n\n| clip | frames |";
    std::string rule = "| --- | ---: |";
    for (const Col* col : shown) {
      md += fmt::format(" {} |", col->label);
      rule += " ---: |";
    }
    md += "\n" + rule + "\n";
    for (const auto& c : clips) {
      md += fmt::format("| {} | {} |", c.value("id", ""), c.value("frames", 0));
      for (const Col* col : shown) {
        const Json* v = lookup(c, col->path);
        md += " " + (v ? cell(*v, col->digits) : std::string("—")) + " |";
      }
      md += "\n";
    }
  }
  if (doc.contains("timing")) {
    const Json& t = doc["timing"];
    md += fmt::format("\nTime: {:.1f} s", t.value("seconds", 0.0));
    if (t.contains("ocr_seconds_per_clip") && !t["ocr_seconds_per_clip"].is_null())
      md += fmt::format("; OCR {:.2f} s per clip ({} frames per clip)", t["ocr_seconds_per_clip"].get<double>(),
                        t.value("ocr_frames_per_clip", 0));
    md += ".\n";
  }
  return md;
}

void write_eval(const std::string& dir, const Json& doc) {
  make_dirs(dir);
  write_file_atomic(dir + "/eval.json", doc.dump(2) + "\n");
  write_file_atomic(dir + "/eval.md", eval_markdown(doc));
}

}  // namespace nc::eval
