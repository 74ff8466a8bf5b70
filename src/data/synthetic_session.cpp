#include "nc/data/synthetic_session.h"

#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace nc::data {

term::Cast synthetic_session(double seconds, uint32_t seed, int cols, int rows) {
  static const std::vector<std::string> kCommands = {
      "ls -la", "git status", "cat notes.txt", "python3 train.py --epochs 3", "grep -rn TODO src",
      "make -j2", "htop", "vim main.cpp", "df -h", "echo $PATH", "tail -f app.log", "clear"};
  static const std::vector<std::string> kWords = {"alpha", "beta", "gamma", "delta", "loss", "step",
                                                  "ok", "error", "warning", "src/main.cpp", "0.0421"};
  std::mt19937 rng(seed);
  auto uniform = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  auto pick = [&](const auto& v) -> const auto& { return v[rng() % v.size()]; };

  term::Cast cast;
  cast.header.width = cols;
  cast.header.height = rows;
  cast.header.env = {{"SHELL", "/bin/bash"}, {"TERM", "xterm-256color"}};
  double t = 0;
  auto out = [&](const std::string& s, double dt) {
    t += dt;
    cast.events.push_back({t, 'o', s});
  };
  out("\x1b[1;35m$\x1b[0m ", 0.1);
  while (t < seconds) {
    const std::string& cmd = pick(kCommands);
    for (char c : cmd) out(std::string(1, c), uniform(0.05, 0.25));
    out("\r\n", uniform(0.1, 0.4));
    if (cmd == "clear") {
      out("\x1b[H\x1b[2J", 0.02);
    } else if (cmd == "htop" || cmd.rfind("vim", 0) == 0) {
      out("\x1b[?1049h\x1b[H\x1b[2J", 0.05);  // a full-screen phase that redraws a few times
      for (int redraw = 0; redraw < 5; ++redraw) {
        std::string screen = "\x1b[H";
        for (int r = 0; r < rows - 1; ++r)
          screen += fmt::format("\x1b[{};1H\x1b[3{}m{:>3}\x1b[0m {}", r + 1, (r + redraw) % 7 + 1, r,
                                pick(kWords) + " " + pick(kWords));
        out(screen, uniform(0.3, 1.0));
      }
      out("\x1b[?1049l", 0.1);
    } else {
      const int lines = static_cast<int>(rng() % 12);
      for (int l = 0; l < lines; ++l) {
        std::string line = fmt::format("\x1b[3{}m{}\x1b[0m", rng() % 7 + 1, pick(kWords));
        for (int w = 0; w < static_cast<int>(rng() % 8); ++w) line += " " + pick(kWords);
        out(line.substr(0, static_cast<size_t>(cols) + 12) + "\r\n", uniform(0.0, 0.15));
      }
    }
    out("\x1b[1;35m$\x1b[0m ", uniform(0.05, 0.3));
    t += uniform(0.2, 3.0);  // the user reads, thinks
  }
  return cast;
}

}  // namespace nc::data
