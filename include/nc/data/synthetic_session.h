// A deterministic, plausible shell session of any length, as an asciicast: prompts, commands
// typed key by key, outputs of varied length with colours, screen clears, and full-screen
// phases. For benchmarks (the 10-minute rendering run) and tests that need long recordings.
#pragma once

#include <cstdint>

#include "nc/term/asciicast.h"

namespace nc::data {

term::Cast synthetic_session(double seconds, uint32_t seed, int cols = 80, int rows = 24);

}  // namespace nc::data
