// libFuzzer target for the asciicast reader: any input must either parse or throw nc::Error.
// Anything else escaping, a crash, or a sanitizer report is a bug. Built by run_fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "nc/core/error.h"
#include "nc/term/asciicast.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  nc::term::CastLimits limits;
  limits.max_events = 100000;  // keep each run small; the guard itself is under test too
  try {
    nc::term::Cast cast = nc::term::parse_cast(text, "fuzz.cast", limits);
    // What was read must be writable and read back the same.
    std::string again = nc::term::format_cast_v2(cast);
    nc::term::Cast back = nc::term::parse_cast(again, "again.cast", limits);
    if (back.events.size() != cast.events.size()) __builtin_trap();
    for (size_t i = 0; i < cast.events.size(); ++i)
      if (!(back.events[i] == cast.events[i])) __builtin_trap();
  } catch (const nc::Error&) {
  }
  return 0;
}
