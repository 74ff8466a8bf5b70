#include "nc/eval/html_report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/strings.h"

namespace nc::eval {
namespace fs = std::filesystem;
namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string base64(const std::string& in) {
  static const char* kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 3; k >= 0; --k) out += kChars[(v >> (6 * k)) & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += kChars[(v >> 18) & 63];
    out += kChars[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kChars[(v >> 18) & 63];
    out += kChars[(v >> 12) & 63];
    out += kChars[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

struct Series {
  std::string name, color;
  std::vector<std::pair<double, double>> points;
};

// A line chart as inline SVG; `log_y` for losses.
std::string svg_chart(const std::string& title, const std::vector<Series>& series, bool log_y) {
  const int w = 560, h = 260, left = 60, right = 12, top = 28, bottom = 34;
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  auto ty = [&](double y) { return log_y ? std::log10(std::max(y, 1e-12)) : y; };
  for (const auto& s : series)
    for (auto [x, y] : s.points) {
      x0 = std::min(x0, x);
      x1 = std::max(x1, x);
      y0 = std::min(y0, ty(y));
      y1 = std::max(y1, ty(y));
    }
  if (x0 > x1) return "<p>" + escape(title) + ": no data</p>";
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (w - left - right); };
  auto py = [&](double y) { return top + (1 - (ty(y) - y0) / (y1 - y0)) * (h - top - bottom); };
  std::string svg = fmt::format("<svg width=\"{}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" "
                                "style=\"background:#fff;border:1px solid #ddd\">",
                                w, h);
  svg += fmt::format("<text x=\"{}\" y=\"18\" font-size=\"14\" font-family=\"sans-serif\">{}</text>", left, escape(title));
  for (int k = 0; k <= 4; ++k) {
    const double v = y0 + (y1 - y0) * k / 4.0, yy = top + (1 - k / 4.0) * (h - top - bottom);
    const double label = log_y ? std::pow(10.0, v) : v;
    svg += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#eee\"/>", left, w - right, yy, yy);
    svg += fmt::format("<text x=\"4\" y=\"{:.1f}\" font-size=\"10\" font-family=\"sans-serif\">{:.3g}</text>", yy + 3, label);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" font-family=\"sans-serif\">step {:.0f} .. {:.0f}</text>",
                     left, h - 8, x0, x1);
  int legend = 0;
  for (const auto& s : series) {
    if (s.points.empty()) continue;
    std::string path;
    for (auto [x, y] : s.points) path += fmt::format("{}{:.1f},{:.1f} ", path.empty() ? "M" : "L", px(x), py(y));
    svg += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>", path, s.color);
    svg += fmt::format("<text x=\"{}\" y=\"18\" font-size=\"12\" fill=\"{}\" font-family=\"sans-serif\">{}</text>",
                       w - right - 120 + 60 * legend++ - 60, s.color, escape(s.name));
  }
  return svg + "</svg>";
}

std::string media_tag(const fs::path& file) {
  const std::string ext = file.extension().string();
  const std::string data = base64(read_file(file.string()));
  const std::string name = escape(file.filename().string());
  if (ext == ".gif" || ext == ".png")
    return fmt::format("<figure><img src=\"data:image/{};base64,{}\" alt=\"{}\"/><figcaption>{}</figcaption></figure>",
                       ext.substr(1), data, name, name);
  return fmt::format("<figure><video controls loop muted autoplay src=\"data:video/mp4;base64,{}\"></video>"
                     "<figcaption>{}</figcaption></figure>",
                     data, name);
}

}  // namespace

std::string write_html_report(const std::string& run_dir, const std::string& out_path) {
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) throw Error("no such run folder", run_dir);
  const std::string out = out_path.empty() ? run_dir + "/report.html" : out_path;

  Series loss{"loss", "#1f77b4", {}}, val{"held-out", "#d62728", {}}, lr{"lr", "#2ca02c", {}},
      sps{"samples/s", "#9467bd", {}};
  const std::string metrics = run_dir + "/metrics.jsonl";
  if (file_exists(metrics)) {
    std::ifstream in(metrics);
    std::string line;
    while (std::getline(in, line)) {
      nlohmann::json r;
      try {
        r = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception&) {
        continue;
      }
      const double step = r.value("step", 0.0);
      if (r.contains("loss")) loss.points.emplace_back(step, r["loss"].get<double>());
      if (r.contains("val_loss")) val.points.emplace_back(step, r["val_loss"].get<double>());
      if (r.contains("lr")) lr.points.emplace_back(step, r["lr"].get<double>());
      if (r.contains("samples_per_s")) sps.points.emplace_back(step, r["samples_per_s"].get<double>());
    }
  }

  std::string html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>nc run " + escape(run_dir) +
                     "</title><style>body{font-family:sans-serif;margin:24px;max-width:1200px}"
                     "figure{display:inline-block;margin:6px}img,video{max-width:560px;image-rendering:pixelated}"
                     "pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:400px}"
                     "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}</style></head><body>";
  html += "<h1>nc run: " + escape(fs::path(run_dir).filename().string()) + "</h1>";
  if (file_exists(run_dir + "/summary.json"))
    html += "<h2>Summary</h2><pre>" + escape(read_file(run_dir + "/summary.json")) + "</pre>";
  html += "<h2>Training</h2>" + svg_chart("loss (log scale)", {loss, val}, true) + " " +
          svg_chart("learning rate", {lr}, false) + " " + svg_chart("throughput (samples/s)", {sps}, false);

  // Evaluation tables (nc eval writes eval.md) and rollout summaries found under the run.
  for (const auto& e : fs::recursive_directory_iterator(run_dir, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name == "eval.md" || name == "results.md")
      html += "<h2>" + escape(fs::relative(e.path(), run_dir).string()) + "</h2><pre>" + escape(read_file(e.path().string())) + "</pre>";
  }
  // Videos: samples written during training and rollouts, newest sample step first.
  std::map<std::string, std::vector<fs::path>> media;
  for (const auto& e : fs::recursive_directory_iterator(run_dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".gif" || ext == ".mp4") && e.file_size() < (8u << 20))
      media[fs::relative(e.path().parent_path(), run_dir).string()].push_back(e.path());
  }
  if (!media.empty()) html += "<h2>Videos</h2>";
  int shown = 0;
  for (auto it = media.rbegin(); it != media.rend() && shown < 40; ++it) {
    html += "<h3>" + escape(it->first) + "</h3>";
    std::sort(it->second.begin(), it->second.end());
    for (const auto& f : it->second) {
      if (shown++ >= 40) break;
      html += media_tag(f);
    }
  }
  if (file_exists(run_dir + "/config.yaml"))
    html += "<h2>Config</h2><pre>" + escape(read_file(run_dir + "/config.yaml")) + "</pre>";
  html += "</body></html>\n";
  write_file_atomic(out, html);
  return out;
}

}  // namespace nc::eval
