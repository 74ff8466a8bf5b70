#include "nc/core/progress.h"

#include <unistd.h>

#include <cmath>

#include <fmt/format.h>

namespace nc {
namespace {
using Clock = std::chrono::steady_clock;
constexpr double kTtyRedrawS = 0.1;
}  // namespace

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total) {
  start_ = last_draw_ = Clock::now();
  tty_ = isatty(fileno(stream_)) != 0;
}

Progress::~Progress() { finish(); }

void Progress::set_stream(FILE* stream, bool is_tty) {
  stream_ = stream;
  tty_ = is_tty;
}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

double Progress::rate() const {
  double t = elapsed_s();
  return t > 0 ? static_cast<double>(done_) / t : 0.0;
}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<int64_t>(seconds + 0.5);
  int64_t h = s / 3600, m = (s / 60) % 60, sec = s % 60;
  return h > 0 ? fmt::format("{}:{:02}:{:02}", h, m, sec) : fmt::format("{}:{:02}", m, sec);
}

std::string Progress::line() const {
  std::string out = label_ + " ";
  if (total_ > 0) {
    double frac = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    out += fmt::format("{}/{} ({:.0f}%)", done_, total_, 100.0 * frac);
  } else {
    out += std::to_string(done_);
  }
  double r = rate();
  out += r >= 10 ? fmt::format(" {:.0f} {}/s", r, unit_) : fmt::format(" {:.2f} {}/s", r, unit_);
  out += " elapsed " + format_duration(elapsed_s());
  if (total_ > 0 && done_ < total_ && r > 0) {
    double eta = static_cast<double>(total_ - done_) / r;
    if (time_limit_s_ > 0) eta = std::min(eta, std::max(0.0, time_limit_s_ - elapsed_s()));
    out += " ETA " + format_duration(eta);
  }
  if (!status_.empty()) out += "  " + status_;
  return out;
}

void Progress::draw(bool force) {
  auto now = Clock::now();
  double since = std::chrono::duration<double>(now - last_draw_).count();
  if (!force && since < (tty_ ? kTtyRedrawS : plain_interval_s_)) return;
  last_draw_ = now;
  if (tty_)
    std::fprintf(stream_, "\r\033[2K%s", line().c_str());
  else
    std::fprintf(stream_, "%s\n", line().c_str());
  std::fflush(stream_);
}

void Progress::advance(int64_t n) { set(done_ + n); }

void Progress::set(int64_t done) {
  done_ = done;
  if (!finished_) draw(false);
}

void Progress::set_status(std::string status) { status_ = std::move(status); }

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
  if (tty_) std::fprintf(stream_, "\n");
  std::fflush(stream_);
}

}  // namespace nc
