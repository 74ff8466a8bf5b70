// `nc report RUN_DIR`: one self-contained HTML page for a run: loss, held-out loss and
// learning-rate curves (inline SVG), throughput, the resolved config, sample videos and
// evaluation tables found in the folder (embedded as data URIs: the page travels alone).
#pragma once

#include <string>

namespace nc::eval {

// Writes `out` (default RUN_DIR/report.html) and returns its path.
std::string write_html_report(const std::string& run_dir, const std::string& out = "");

}  // namespace nc::eval
