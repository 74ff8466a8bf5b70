// Progress for long work: step, rate, ETA, and a caller-supplied status ("loss 0.123").
// On a terminal it redraws one line in place; otherwise (CI logs, files) it prints a plain
// line at most every `plain_interval_s` seconds and at the end.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace nc {

class Progress {
 public:
  // total <= 0 means unknown (no percentage or ETA).
  Progress(std::string label, int64_t total, std::string unit = "it");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(int64_t n = 1);
  void set(int64_t done);
  void set_status(std::string status);  // shown after the numbers
  void finish();                       // prints the final line; idempotent

  int64_t done() const { return done_; }
  double elapsed_s() const;
  double rate() const;  // units per second since start

  // Formats seconds as "1:02:03" / "2:03".
  static std::string format_duration(double seconds);

  // Work that also stops at a time limit (seconds after the start): the ETA is never later.
  void set_time_limit(double seconds) { time_limit_s_ = seconds; }

  // For tests and for output that is not stderr.
  void set_stream(FILE* stream, bool is_tty);
  void set_plain_interval(double seconds) { plain_interval_s_ = seconds; }

 private:
  std::string line() const;
  void draw(bool force);

  std::string label_, unit_, status_;
  int64_t total_ = 0, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  FILE* stream_ = stderr;
  bool tty_ = false, finished_ = false;
  double plain_interval_s_ = 10.0;
  double time_limit_s_ = 0;  // 0: none
};

}  // namespace nc
