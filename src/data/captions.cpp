#include "nc/data/captions.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "nc/core/strings.h"
#include "nc/core/utf8.h"

namespace nc::data {
namespace {

// First word of a command line, skipping sudo/env/time and variable assignments.
std::string program_of(const std::string& command) {
  for (const auto& word : split(trim(command), ' ')) {
    if (word.empty() || word == "sudo" || word == "time" || word == "env" || word == "nohup") continue;
    if (word.find('=') != std::string::npos) continue;
    auto slash = word.rfind('/');
    return slash == std::string::npos ? word : word.substr(slash + 1);
  }
  return "";
}

std::string join_phrases(const std::vector<std::string>& items) {
  if (items.empty()) return "";
  if (items.size() == 1) return items[0];
  std::string out;
  for (size_t i = 0; i + 1 < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + " and " + items.back();
}

std::string clip_text(std::string s, size_t max_chars) {
  if (s.size() > max_chars) s = s.substr(0, max_chars) + "...";
  return s;
}

std::string quote(const std::string& s) { return "`" + s + "`"; }

struct StyleRun {
  std::string text, style;
};

// The styled (non-default) runs of one row, described as "'text' in bold green".
std::vector<StyleRun> styled_runs(const term::Screen& s, int row, const term::Theme& theme) {
  std::vector<StyleRun> runs;
  std::string cur_text, cur_style;
  auto flush = [&] {
    std::string t = trim(cur_text);
    if (!t.empty() && !cur_style.empty()) runs.push_back({t, cur_style});
    cur_text.clear();
  };
  for (int c = 0; c < s.cols(); ++c) {
    term::Cell cell = s.cell(row, c);
    if (cell.width == 0) continue;
    std::vector<std::string> parts;
    if (cell.bold) parts.push_back("bold");
    if (cell.italic) parts.push_back("italic");
    if (cell.underline) parts.push_back("underlined");
    term::Rgb fg = theme.resolve(cell.fg, true, cell.bold), bg = theme.resolve(cell.bg, false);
    if (cell.reverse) std::swap(fg, bg);
    if (cell.fg.kind != term::Color::kDefault || cell.reverse) parts.push_back(color_name(fg));
    if (cell.bg.kind != term::Color::kDefault || cell.reverse) parts.push_back("on " + color_name(bg));
    std::string style = join(parts, " ");
    if (style != cur_style) {
      flush();
      cur_style = style;
    }
    for (int i = 0; i < term::Cell::kMaxChars && cell.chars[i]; ++i) cur_text += encode_utf8(cell.chars[i]);
    if (cell.chars[0] == 0) cur_text += ' ';
  }
  flush();
  return runs;
}

}  // namespace

std::string command_activity(const std::string& command) {
  static const std::map<std::string, std::string> kActivities = {
      {"ls", "lists files"}, {"ll", "lists files"}, {"tree", "lists a directory tree"},
      {"cd", "changes directory"}, {"pwd", "prints the working directory"},
      {"cat", "prints a file"}, {"less", "pages through a file"}, {"more", "pages through a file"},
      {"head", "shows the start of a file"}, {"tail", "shows the end of a file"},
      {"vim", "edits a file in vim"}, {"vi", "edits a file in vi"}, {"nvim", "edits a file in Neovim"},
      {"nano", "edits a file in nano"}, {"emacs", "edits a file in Emacs"},
      {"grep", "searches text"}, {"rg", "searches text"}, {"find", "finds files"},
      {"sed", "edits text with sed"}, {"awk", "processes text with awk"}, {"sort", "sorts text"},
      {"wc", "counts lines and words"}, {"cut", "cuts columns of text"}, {"jq", "queries JSON"},
      {"git", "works with git"}, {"python", "runs Python"}, {"python3", "runs Python"},
      {"node", "runs Node.js"}, {"pip", "installs Python packages"}, {"npm", "manages Node packages"},
      {"apt", "manages system packages"}, {"apt-get", "manages system packages"},
      {"make", "builds code"}, {"cmake", "configures a build"}, {"gcc", "compiles C code"},
      {"g++", "compiles C++ code"}, {"cargo", "builds Rust code"}, {"go", "runs Go tooling"},
      {"top", "monitors processes"}, {"htop", "monitors processes"}, {"ps", "lists processes"},
      {"kill", "stops a process"}, {"ssh", "connects to a remote host"}, {"curl", "fetches a URL"},
      {"wget", "downloads a file"}, {"ping", "checks a network host"}, {"docker", "manages containers"},
      {"echo", "prints text"}, {"printf", "prints formatted text"}, {"mkdir", "creates a directory"},
      {"rm", "removes files"}, {"cp", "copies files"}, {"mv", "moves files"}, {"touch", "creates a file"},
      {"chmod", "changes permissions"}, {"tar", "works with an archive"}, {"zip", "creates an archive"},
      {"unzip", "extracts an archive"}, {"date", "prints the date"}, {"cal", "shows a calendar"},
      {"whoami", "prints the user name"}, {"uname", "prints system information"},
      {"df", "shows disk usage"}, {"du", "measures directory sizes"}, {"free", "shows memory usage"},
      {"history", "shows the shell history"}, {"man", "reads a manual page"}, {"clear", "clears the screen"},
      {"sqlite3", "queries an SQLite database"}, {"tmux", "runs tmux"}, {"env", "prints the environment"},
      {"printenv", "prints environment variables"}, {"export", "sets an environment variable"},
      {"sleep", "waits"}, {"seq", "prints a number sequence"}, {"figlet", "prints a text banner"},
  };
  auto it = kActivities.find(program_of(command));
  return it == kActivities.end() ? "" : it->second;
}

std::string color_name(const term::Rgb& c) {
  // By hue, saturation and value: terminal palettes are pastel or saturated, rarely "pure".
  const double r = c.r / 255.0, g = c.g / 255.0, b = c.b / 255.0;
  const double mx = std::max({r, g, b}), mn = std::min({r, g, b}), delta = mx - mn;
  const double sat = mx > 0 ? delta / mx : 0;
  if (sat < 0.25 || delta < 0.08) {
    if (mx < 0.22) return "black";
    if (mx < 0.45) return "dark gray";
    if (mx < 0.7) return "gray";
    if (mx < 0.9) return "light gray";
    return "white";
  }
  double hue;
  if (mx == r) hue = 60 * std::fmod((g - b) / delta, 6.0);
  else if (mx == g) hue = 60 * ((b - r) / delta + 2);
  else hue = 60 * ((r - g) / delta + 4);
  if (hue < 0) hue += 360;
  if (hue < 15 || hue >= 345) return mx > 0.85 && sat < 0.45 ? "pink" : "red";
  if (hue < 45) return "orange";
  if (hue < 70) return "yellow";
  if (hue < 165) return "green";
  if (hue < 195) return "cyan";
  if (hue < 255) return "blue";
  if (hue < 290) return "purple";
  return mx > 0.85 && sat < 0.45 ? "pink" : "magenta";
}

Captions term_captions(const Trace& t, int begin, int end, const term::Screen& last, const term::Theme& theme,
                       const std::string& prompt_regex) {
  std::vector<std::string> commands;
  for (const auto& c : t.commands)
    if (c.frame >= begin && c.frame < end) commands.push_back(c.text);

  const std::regex prompt(prompt_regex);
  const auto& final_text = *t.frames[end - 1].text;
  std::string typing;  // text at the prompt on the last frame, not yet entered
  {
    const TraceFrame& f = t.frames[end - 1];
    std::smatch m;
    if (!f.alt_screen && f.cursor_row < static_cast<int>(final_text.size()) &&
        std::regex_match(final_text[f.cursor_row], m, prompt) && m.size() > 1)
      typing = trim(m[1].str());
  }
  bool alt = false;
  int clears = 0;
  for (int k = begin; k < end; ++k) {
    alt = alt || t.frames[k].alt_screen;
    clears += t.frames[k].clears;
  }
  // A prompt line, with a command or bare (its trailing space trimmed from the text buffer).
  auto is_prompt = [&](const std::string& line) {
    return std::regex_match(line, prompt) || std::regex_match(line + " _", prompt);
  };
  std::vector<std::string> outputs;  // non-prompt lines of the final screen
  for (const auto& line : final_text) {
    std::string s = trim(line);
    if (s.empty() || is_prompt(line)) continue;
    if (std::find(outputs.begin(), outputs.end(), s) == outputs.end()) outputs.push_back(s);
  }

  // Semantic: what kind of work.
  std::vector<std::string> activities;
  for (const auto& c : commands) {
    std::string a = command_activity(c);
    if (a.empty()) a = "runs " + program_of(c);
    if (std::find(activities.begin(), activities.end(), a) == activities.end()) activities.push_back(a);
  }
  Captions caps;
  const std::string size = fmt::format("{}x{}", last.cols(), last.rows());
  if (!activities.empty())
    caps.semantic = fmt::format("A {} terminal session in which the user {}.", size, join_phrases(activities));
  else if (alt)
    caps.semantic = fmt::format("A {} terminal showing a full-screen program.", size);
  else if (!typing.empty())
    caps.semantic = fmt::format("A {} terminal in which the user types a command at the shell prompt.", size);
  else
    caps.semantic = fmt::format("A {} terminal showing program output.", size);
  if (clears > 0) caps.semantic += fmt::format(" The screen is cleared {} time{}.", clears, clears > 1 ? "s" : "");

  // Regular: the commands and key outputs.
  std::vector<std::string> quoted;
  for (const auto& c : commands) quoted.push_back(quote(clip_text(c, 80)));
  if (!quoted.empty()) caps.regular = "The user runs " + join_phrases(quoted) + ".";
  if (!typing.empty()) caps.regular += (caps.regular.empty() ? "The user types " : " Then types ") + quote(typing) + ".";
  if (alt) caps.regular += (caps.regular.empty() ? "" : " ") + std::string("A full-screen program is shown.");
  if (!outputs.empty()) {
    std::vector<std::string> key;
    for (size_t i = 0; i < outputs.size() && key.size() < 3; ++i) key.push_back("\"" + clip_text(outputs[i], 70) + "\"");
    caps.regular += (caps.regular.empty() ? "" : " ") + std::string("The screen shows ") + join_phrases(key) + ".";
  }
  if (caps.regular.empty()) caps.regular = "An empty terminal screen.";

  // Detailed: the exact final text, line by line, with its formatting.
  std::string d = fmt::format("A {} terminal, {} text on a {} background.", size, color_name(theme.foreground),
                              color_name(theme.background));
  if (!commands.empty()) d += " Commands entered: " + join_phrases(quoted) + ".";
  d += " Final screen:";
  int shown = 0;
  for (int r = 0; r < static_cast<int>(final_text.size()); ++r) {
    if (trim(final_text[r]).empty()) continue;
    d += fmt::format(" line {}: {}", r + 1, quote(final_text[r]));
    std::vector<std::string> styles;
    for (const auto& run : styled_runs(last, r, theme)) styles.push_back("\"" + clip_text(run.text, 40) + "\" in " + run.style);
    if (!styles.empty()) d += " (" + join(styles, "; ") + ")";
    d += ";";
    ++shown;
  }
  if (shown == 0) d += " blank.";
  const term::Cursor cur = last.cursor();
  d += cur.visible ? fmt::format(" The cursor is at row {}, column {}.", cur.row + 1, cur.col + 1)
                   : std::string(" The cursor is hidden.");
  caps.detailed = d;
  return caps;
}

bool sidecar_captions(const nlohmann::json& sidecar, const std::string& clip_id, Captions& captions) {
  const nlohmann::json* entry = nullptr;
  if (sidecar.contains(clip_id)) entry = &sidecar[clip_id];
  else if (sidecar.contains("*")) entry = &sidecar["*"];
  if (!entry || !entry->is_object()) return false;
  captions.regular = entry->value("caption", captions.regular);
  captions.detailed = entry->value("caption_detailed", captions.detailed);
  captions.semantic = entry->value("caption_semantic", captions.semantic);
  return true;
}

}  // namespace nc::data
