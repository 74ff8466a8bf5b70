// What the recorder does at each frame: a plan is a GuiTrace whose frame k holds the cursor
// position to move to and the input events to send before frame k is captured (the log of a
// recording is its plan, with capture times). Three agents:
//
//   slow    PAPER.md §1.3 "Random (synthetic) trajectories", HUMAN = true: a Bezier curve
//           through 25-35 control points (30% on the screen edge; 30% chance of extra
//           left/right-edge start and end points) sampled once per frame, Gaussian noise
//           sigma 0.15 px, clipped to the screen
//   fast    the same with i.i.d. uniform points, one per frame
//   script  a JSON list of timed actions (docs/FORMATS.md "Scripted agent")
//
// Both random agents then add the paper's clicks (count ~ U{0 .. 0.4 * frames - 1} at distinct
// frames; 30% double clicks, the second 1-6 frames later with 1-px jitter), right clicks (5%
// per frame), key presses (per recording key_event_prob ~ U(0, 0.5); 30% special keys, 70%
// [a-zA-Z0-9]; each held key released with probability 0.8 per frame) and, ours, scrolls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nc/gui/gui_options.h"
#include "nc/gui/trace.h"

namespace nc::gui {

enum class AgentKind { kSlow, kFast, kScript };

struct AgentSpec {
  AgentKind kind = AgentKind::kSlow;
  std::string script;  // kScript: the file
};
// "slow", "fast" or "script:FILE"; nc::Error listing them otherwise.
AgentSpec parse_agent(const std::string& text);

// The paper's special keys (xdotool names) and typed characters.
const std::vector<std::string>& agent_special_keys();
const std::string& agent_typed_chars();

// Points of the Bezier curve with these control points at `n` parameters evenly spaced in
// [0, 1] (de Casteljau).
std::vector<std::pair<double, double>> bezier_curve(const std::vector<std::pair<double, double>>& control, int n);

// A random plan of `frames` steps on a width x height screen.
GuiTrace random_plan(AgentKind kind, int frames, int width, int height, double fps, const AgentOptions& options,
                     uint64_t seed);

// A scripted plan (JSON text; `name` for messages). Positions are keyframes (mouse_move and
// any action with x, y), linearly interpolated between frames ("jump": true holds the previous
// position until the keyframe); `type` types one character per frame from its frame.
GuiTrace script_plan(const std::string& json_text, const std::string& name, int frames, int width, int height,
                     double fps);

GuiTrace plan_agent(const AgentSpec& spec, int frames, int width, int height, double fps, const AgentOptions& options,
                    uint64_t seed);

}  // namespace nc::gui
