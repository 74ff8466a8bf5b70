// Logging: spdlog, to stderr, one process-wide logger (the only global state we keep).
// Use nc::log::info("step {} loss {:.4f}", step, loss) and friends.
#pragma once

#include <string>

#include <spdlog/spdlog.h>

namespace nc::log {

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::trace;
using spdlog::warn;

// Sets the level from "trace|debug|info|warn|error|off"; throws nc::Error on another name.
void set_level(const std::string& level);

// Installs the stderr logger with the project's pattern. `rank` (>= 0) tags every line of
// a distributed run.
void init(const std::string& level = "info", int rank = -1);

// Tags every following line with "[rank N]" (distributed runs), keeping the level.
void set_rank(int rank);

}  // namespace nc::log
