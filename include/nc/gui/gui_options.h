// Desktop (GUI) traces: the `gui` config section. How logs align with video frames, the target
// frame size (letterbox), the cursor sprite, the synthetic agent and the recorder's desktop
// (docs/DATA.md "Desktop (GUI) traces"). No library dependency: every build can read it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "nc/core/config.h"

namespace nc::gui {

// PAPER.md §1.3 item 7 and its caveats: which timestamps a log carries and how an event time
// becomes a frame index: frame = round(t * fps - offset) + action_frame_offset, with offset 1
// for `frame_end` timestamps ((k+1)/fps, the paper's dataloader) and 0 for `frame_start`
// (k/fps, the screen recorder and the paper's eval). `auto` decides per file (docs/DATA.md).
struct AlignmentOptions {
  std::string timestamps = "auto";
  int action_frame_offset = 0;  // 1: an action shows one frame later (applies_to_next_frame)
  int max_clamp_frames = 1;     // events this far outside the video are clamped; farther: error
  int max_length_mismatch = 2;  // |video frames - log rows| tolerated (the longer is cut)
  int offscreen_clamp = 64;     // px: coordinates this far off the screen are clamped; farther: error
  double double_click_window = 0.3;  // s: a left click this soon after another counts up (0: off)
  double move_threshold = 5;         // px between frames for the v1 `move` event

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("timestamps", timestamps,
      "event times: frame_end ((k+1)/fps, round(t*fps-1)), frame_start (k/fps, round(t*fps)), or auto per file",
      one_of({"auto", "frame_end", "frame_start"}));
    v("action_frame_offset", action_frame_offset,
      "frames added to every event's frame: 0 = visible in the row's own frame, 1 = in the next", between(-4, 4));
    v("max_clamp_frames", max_clamp_frames, "events at most this many frames outside the video are clamped",
      between(0, 1000));
    v("max_length_mismatch", max_length_mismatch,
      "video frames and log rows may differ by this many (the longer is cut, with a warning)", between(0, 100000));
    v("offscreen_clamp", offscreen_clamp, "coordinates at most this many px off the screen are clamped to it",
      between(0, 100000));
    v("double_click_window", double_click_window,
      "s: left clicks closer than this make double/triple clicks (0 = only as logged)", between(0, 10));
    v("move_threshold", move_threshold, "px a cursor must move between frames to set the v1 move event",
      at_least(0));
  }
};

// The cursor sprite: PAPER.md §1.3's SVG arrow, rasterised at `size` px high (target pixels).
struct CursorOptions {
  int size = 24;
  std::string background = "#808080";  // the neutral background of the cursor-only frames
  bool outline = true;                 // the paper's 1-px black outline

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("size", size, "cursor sprite height in target pixels (the arrow's 12x20 viewBox scaled)", between(4, 512));
    v("background", background, "neutral background of the cursor-only reference frames, #rrggbb");
    v("outline", outline, "add the 1-px black outline of the paper's cursor");
  }
};

// The paper's synthetic agent (PAPER.md §1.3 "Random (synthetic) trajectories").
struct AgentOptions {
  int control_points = 25;        // Bezier control points: this + U{0..extra_control_points}
  int extra_control_points = 10;
  double boundary_point_prob = 0.3;
  double boundary_endpoints_prob = 0.3;  // extra control points on the left/right edges
  double path_noise = 0.15;              // px, Gaussian noise on the sampled curve
  double click_rate = 0.4;               // clicks ~ U{0 .. click_rate * seconds * fps - 1}
  double double_click_prob = 0.3;
  int double_click_max_gap = 6;          // frames between the two clicks: U{1..this}
  double right_click_prob = 0.05;        // per frame
  double max_key_event_prob = 0.5;       // per trajectory: key_event_prob ~ U(0, this)
  double special_key_prob = 0.3;
  double key_release_prob = 0.8;         // per frame, for each key held
  double scroll_prob = 0.02;             // per frame (ours: the paper's agent never scrolls)
  int max_scroll_amount = 3;

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("control_points", control_points, "slow agent: Bezier control points (plus extra_control_points at random)",
      between(2, 200));
    v("extra_control_points", extra_control_points, "slow agent: up to this many more control points",
      between(0, 200));
    v("boundary_point_prob", boundary_point_prob, "slow agent: chance a control point lies on the screen edge",
      between(0, 1));
    v("boundary_endpoints_prob", boundary_endpoints_prob,
      "slow agent: chance of extra start/end control points on the left or right edge", between(0, 1));
    v("path_noise", path_noise, "slow agent: Gaussian noise (px) on the sampled curve", at_least(0));
    v("click_rate", click_rate, "left clicks per frame at most (count ~ U{0 .. rate*frames-1})", between(0, 1));
    v("double_click_prob", double_click_prob, "chance a left click is a double click", between(0, 1));
    v("double_click_max_gap", double_click_max_gap, "frames between a double click's clicks: 1 .. this",
      between(1, 30));
    v("right_click_prob", right_click_prob, "right-click chance per frame", between(0, 1));
    v("max_key_event_prob", max_key_event_prob, "per recording, key-press chance per frame ~ U(0, this)",
      between(0, 1));
    v("special_key_prob", special_key_prob, "chance a pressed key is a special key (else [a-zA-Z0-9])",
      between(0, 1));
    v("key_release_prob", key_release_prob, "chance per frame that a held key is released", between(0, 1));
    v("scroll_prob", scroll_prob, "scroll chance per frame (not in the paper's agent)", between(0, 1));
    v("max_scroll_amount", max_scroll_amount, "wheel clicks per scroll: 1 .. this", between(1, 100));
  }
};

// The recorder's desktop: Xvfb, a window manager and applications (docs/DATA.md).
struct RecorderOptions {
  int screen_width = 1024, screen_height = 768;  // PAPER.md §1.3: Xvfb 1024x768x24
  double fps = 15;
  int crf = 18;
  std::string preset = "veryfast";
  std::string codec = "libx264";
  std::string window_manager = "twm";
  // "WxH+X+Y program args..." each (words split on blanks, '...' and "..." quote, no shell);
  // {sandbox} is the recording's scratch folder.
  std::vector<std::string> apps = {
      "500x330+12+12 xterm -T Terminal -fa Monospace -fs 10 -e env PATH=/nonexistent /bin/bash --norc --noprofile -r",
      "230x300+530+12 xcalc",
      "150x150+770+12 xclock -update 1",
      "130x90+770+190 xeyes",
      "500x370+12+380 xedit {sandbox}/notes.txt",
      "490x370+525+380 xfe {sandbox}",
  };
  std::string desktop_color = "#3a6ea5";
  std::string app_user = "nobody";  // apps run as this user when the recorder runs as root
  bool allow_same_user = false;     // random agents may drive apps running as this process's user
  double start_timeout = 10;        // s to wait for the X server and for the app windows
  double settle_seconds = 0.5;      // s after the layout, before the first frame
  std::string capture = "shm";      // shm (MIT-SHM) or getimage
  bool draw_cursor = true;          // composite the X cursor (XFixes) as mss(with_cursor=True) does

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("screen_width", screen_width, "Xvfb screen width", between(64, 8192));
    v("screen_height", screen_height, "Xvfb screen height", between(64, 8192));
    v("fps", fps, "frames (and agent steps) per second", between(1, 60));
    v("crf", crf, "x264 constant rate factor of the MP4", between(0, 51));
    v("preset", preset, "x264 speed preset");
    v("codec", codec, "libav video encoder (libx264, or mpeg4 where x264 is missing)");
    v("window_manager", window_manager, "window manager program (twm gets a generated config); empty: none");
    v("apps", apps, "applications, each 'WxH+X+Y program args...'; {sandbox} = the scratch folder");
    v("desktop_color", desktop_color, "root window colour, #rrggbb");
    v("app_user", app_user, "user the apps run as when the recorder runs as root (empty: root)");
    v("allow_same_user", allow_same_user,
      "let the random agents drive apps that run as this process's user (they can reach its files)");
    v("start_timeout", start_timeout, "s to wait for the X server and for the app windows", positive());
    v("settle_seconds", settle_seconds, "s to wait after laying out the windows", at_least(0));
    v("capture", capture, "screen capture: shm (MIT-SHM, fast) or getimage", one_of({"shm", "getimage"}));
    v("draw_cursor", draw_cursor, "draw the X cursor into the frames (XFixes)");
  }
};

struct GuiOptions {
  int width = 832, height = 480;  // target frames: 1024x768 letterboxed (PAPER.md §2.1, INFERRED)
  std::string fill = "#000000";   // letterbox padding
  int slots = 2;                  // PAPER.md §2.3: S = 2 meta-action slots per frame
  int text_bytes = 32;            // typed text per slot kept as at most this many UTF-8 bytes
  AlignmentOptions alignment;
  CursorOptions cursor;
  AgentOptions agent;
  RecorderOptions recorder;

  template <class V>
  void visit(V& v) {
    using namespace config;
    v("width", width, "target frame width; frames and cursor coordinates are letterboxed into it",
      between(16, 8192));
    v("height", height, "target frame height", between(16, 8192));
    v("fill", fill, "letterbox padding colour, #rrggbb");
    v("slots", slots, "meta-action (v2) slots per frame", between(1, 16));
    v("text_bytes", text_bytes,
      "typed text of a slot is stored (action_text_bytes) as at most this many UTF-8 bytes",
      between(1, 4096));
    v("alignment", alignment, "log-to-frame alignment and the tolerances of malformed logs");
    v("cursor", cursor, "the SVG cursor sprite of the reference stream");
    v("agent", agent, "the synthetic agent of `nc data gui record --agent slow|fast`");
    v("recorder", recorder, "the recorder's X desktop: screen, apps, capture, encoding");
  }
};

// "#rrggbb" or "#rgb" to RGB; throws nc::Error naming `where`.
std::array<uint8_t, 3> parse_hex_colour(const std::string& text, const std::string& where);

}  // namespace nc::gui
