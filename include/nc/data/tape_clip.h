// A tape's run as one clip (PAPER.md §1.2, CLIGen Clean): the tape's Set values become render
// options, the recording is rendered through the terminal-clip pipeline (trace, plan_whole,
// render) with Hide/Show deciding the frames kept, and the record carries the instruction as
// caption, the scripted caption, the keystrokes with their times, the text buffers and the
// tape's metadata comments.
#pragma once

#include <optional>
#include <string>

#include "nc/data/clip.h"
#include "nc/data/clip_options.h"
#include "nc/data/clip_plan.h"
#include "nc/data/tape_options.h"
#include "nc/term/render_options.h"
#include "nc/term/tape.h"
#include "nc/term/tape_runner.h"

namespace nc::data {

// How a tape looks: its Set values over VHS 0.10's defaults, scaled by `tapes.scale`.
struct TapeLook {
  term::RenderOptions render;  // font, sizes (scaled), theme, frame size = width x height
  int cols = 80, rows = 24;    // the terminal that fits the tape's Width x Height at full scale
  int width = 0, height = 0;   // frame size in px (scaled Width x Height, rounded to even)
  double fps = 15, speed = 1;  // Framerate (else clips.fps), PlaybackSpeed (else clips.speed)
  std::string font_family;     // the families asked for; render.font is the file found
};

// Throws nc::Error naming the tape for a theme or colour it cannot use.
TapeLook tape_look(const term::Tape& tape, const term::RenderOptions& base, const TapeOptions& tapes,
                   const ClipOptions& clips);

// The run options of a tape with this look under `tapes`.
term::TapeRunOptions tape_run_options(const TapeLook& look, const TapeOptions& tapes);

// The clip, or nothing when the filters drop it (`report` says why: hidden, frozen, sensitive).
std::optional<Clip> tape_clip(const term::Tape& tape, const term::TapeRecording& recording, const TapeLook& look,
                              const ClipOptions& clips, PlanReport* report = nullptr);

}  // namespace nc::data
