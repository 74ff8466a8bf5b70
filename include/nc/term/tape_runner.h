// Runs a VHS tape natively: a real bash on a pseudo-terminal in a fresh sandbox, keystrokes
// typed at the tape's pace, the output read continuously through a live term::Screen (whose
// answers to terminal queries go back to the program), everything logged on the tape's clock.
// THE COMMANDS ARE REAL: they run as the user running nc (docs/DATA.md "Safety").
//
// The clock: every key press is logged at its scripted time (the sum of the typing intervals and
// sleeps before it). Output is logged at its delay after the latest key press; a response that
// arrives within `response_window` of that key press is logged at the key press's own time, so
// that scheduling jitter does not move a change from one frame to the next between runs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nc/term/asciicast.h"
#include "nc/term/tape.h"

namespace nc::term {

struct TapeRunOptions {
  std::string sandbox_root = "/tmp/nc-tapes";
  std::string path = "/usr/local/bin:/usr/bin:/bin";  // PATH inside the sandbox
  bool fixtures = true;
  bool keep_sandbox = false;
  double timeout = 60;           // s of real time for the whole run; then the process group is killed
  double startup_timeout = 10;   // s for the shell's first prompt
  double response_window = 0.25; // s (see above)
  uint64_t limit_cpu_seconds = 0, limit_memory_bytes = 0, limit_file_bytes = 0, limit_processes = 0;
  size_t max_output_bytes = size_t(32) << 20;  // more terminal output than this fails the tape
  int cols = 80, rows = 24;
};

// A key press as sent: its name ("Enter", "a", "Ctrl+C") and bytes.
struct TapeKeyEvent {
  double time = 0;
  std::string name, bytes;
};

struct TapeRecording {
  int cols = 80, rows = 24;
  // On the tape's clock: 'o' output, 'm' markers ("hide", "show", "screenshot <path>"). The
  // shell's start-up output is at time 0.
  std::vector<CastEvent> events;
  std::vector<TapeKeyEvent> keys;
  std::map<std::string, std::string> env;  // the shell's environment
  double duration = 0;          // the scripted end (s)
  double wall_seconds = 0;      // real time from spawning the shell to the end
  double startup_seconds = 0;   // real time until the first prompt
  double max_lateness = 0;      // the latest a key press was sent after its scripted time (s)
  bool shell_exited = false;    // the shell ended before the tape did
  bool busy_at_end = false;     // a program other than the shell held the terminal at the end
  int leftover_processes = 0;   // processes killed after the terminal's session was gone
  std::string sandbox;          // the sandbox directory (removed unless kept)
  std::vector<std::string> final_text;

  // The events as an asciicast (keys as 'i' input), for `nc data record`-style inspection.
  Cast to_cast(const std::string& title) const;
};

// The first program in `path` (a PATH string) called `name`, or "".
std::string find_program(const std::string& name, const std::string& path);

// Throws nc::Error naming the tape when a `Require`d program is not in `path`.
void check_requires(const Tape& tape, const std::string& path);

// Runs the tape. Throws nc::Error for a tape that cannot run (unsupported shell, missing
// program, no prompt, timeout); nothing it started is left running in any case.
TapeRecording run_tape(const Tape& tape, const TapeRunOptions& options);

// The environment the shell starts with (HOME, PATH, TERM, LANG, TZ, PS1, HISTFILE, ...).
std::map<std::string, std::string> tape_environment(const std::string& home, const std::string& tmp,
                                                    const std::string& path);

}  // namespace nc::term
