#include "nc/core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include "nc/core/error.h"

namespace nc::log {

void set_level(const std::string& level) {
  static const char* kNames[] = {"trace", "debug", "info", "warn", "error", "off"};
  for (const char* name : kNames) {
    if (level == name) {
      spdlog::set_level(spdlog::level::from_str(level));
      return;
    }
  }
  throw Error("unknown log level '" + level + "'", "--log-level",
              "use one of trace, debug, info, warn, error, off");
}

void init(const std::string& level, int rank) {
  auto logger = spdlog::get("nc");
  if (!logger) logger = spdlog::stderr_color_mt("nc");
  spdlog::set_default_logger(logger);
  set_rank(rank);
  set_level(level);
}

void set_rank(int rank) {
  std::string tag = rank >= 0 ? " [rank " + std::to_string(rank) + "]" : "";
  spdlog::default_logger()->set_pattern("[%H:%M:%S.%e] [%^%l%$]" + tag + " %v");
}

}  // namespace nc::log
