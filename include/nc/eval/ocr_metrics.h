// The OCR accuracy scores of PAPER.md §3.1 Exp 4 (App. B.2), exactly as specified:
//   normalise: split into lines, strip, collapse internal space runs, drop empty lines
//              (case and punctuation kept);
//   char_acc:  s = all reference lines concatenated, t = all predicted lines concatenated,
//              d = Levenshtein(s, t) with unit costs over code points;
//              both empty -> 1, s empty only -> 0, else max(0, 1 - d / max(|s|, 1));
//   exact_line_acc: both empty -> 1, reference empty but prediction not -> 0,
//              else (1/N_g) * sum_i [i <= N_p and p_i == g_i].
#pragma once

#include <string>
#include <vector>

namespace nc::eval {

std::vector<std::string> normalize_lines(const std::string& text);
std::vector<std::string> normalize_lines(const std::vector<std::string>& lines);

double char_accuracy(const std::vector<std::string>& reference, const std::vector<std::string>& predicted);
double exact_line_accuracy(const std::vector<std::string>& reference, const std::vector<std::string>& predicted);

// K frame indices out of T, evenly spaced with deterministic rounding, deduplicated and sorted;
// all frames when T <= K (App. B.2).
std::vector<int> evenly_spaced_frames(int total, int k);

}  // namespace nc::eval
