// Interactive play (`nc play`): a person types command lines, each becomes the caption of the
// next rollout chunk, conditioned on the last frame shown; frames are shown as they come out of
// the VAE decoder, in the terminal (truecolour half-block characters) or on a local web page
// (play_server.h).
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nc/core/image.h"
#include "nc/gui/gui_options.h"
#include "nc/gui/trace.h"
#include "nc/infer/frame_stream.h"
#include "nc/infer/rollout.h"
#include "nc/infer/sampler.h"

namespace nc::infer {

// What one typed line asks for.
struct PlayInput {
  enum class Kind { kPrompt, kAction, kQuit, kHelp };
  Kind kind = Kind::kPrompt;
  std::string caption;  // kPrompt: the caption of the next chunk
  // kAction (a checkpoint that follows actions): the cursor's new place in frame pixels, when
  // the command moves it; the events, in the first frame of the next step; `steps` steps (the
  // later ones without events).
  bool moves_cursor = false;
  double x = 0, y = 0;
  std::vector<gui::GuiEvent> events;
  int steps = 1;
};

// A command line becomes the regular caption tier's wording for it, "The user runs `ls -la`."
// (data/captions.cpp; commands clipped to 80 bytes + "..." as there). An empty line continues with
// `previous` (the last caption; "An empty terminal screen." before any). "/caption TEXT" uses
// TEXT as it is; "/quit" (or "/exit") quits; "/help" asks for the list. Actions, for checkpoints
// that follow them: "/click X Y [left|middle|right] [1|2|3]", "/move X Y", "/type TEXT",
// "/key CHORD" (e.g. ctrl+c, Return), "/scroll up|down|left|right [N]", "/wait [N]" (N steps
// without input). Any other "/word", or a malformed argument, is an nc::Error naming it.
PlayInput parse_play_input(const std::string& line, const std::string& previous);

// The help text of the play commands (one line each).
std::string play_help();

// `frame` as `cols` x `rows` character cells of U+2580 (upper half block): each cell shows two
// pixels, the upper as its 24-bit foreground, the lower as its background. The frame is
// letterboxed (aspect kept, black bars) into cols x 2 rows pixels. Lines end with a colour reset
// and "\n".
std::string half_block_text(const Image& frame, int cols, int rows);

// The character cells of the terminal on `fd` (TIOCGWINSZ); (80, 24) when it is not one.
std::pair<int, int> terminal_size(int fd);

// Where a play session's cursor is, in frame pixels (NaN until an action places it).
struct PlayCursor {
  double x = NAN, y = NAN;
};

// The actions [1, frames, ...] of `frames` pixel frames of a width x height screen (the frame
// itself: no letterbox) with the cursor at `to` and `events` in frame `event_frame`, encoded as
// the GUI shards are (gui/actions.h). The cursor's place `from` before these frames lets the
// encoders see a move into them (v1's move event).
model::ActionInputs encode_play_actions(const gui::GuiOptions& gui, int width, int height, int64_t frames,
                                        const PlayCursor& from, const PlayCursor& to,
                                        const std::vector<gui::GuiEvent>& events = {}, int64_t event_frame = 0);

// The rollout state of a play session: the last frame and caption, the chunk counter that
// seeds each chunk's noise, and, for a checkpoint that follows actions, the cursor.
class PlaySession {
 public:
  // `first_frame` [3, H, W] in [-1, 1].
  PlaySession(RolloutEngine& engine, at::Tensor first_frame, SamplerOptions sampler, uint64_t seed);

  // Runs a prompt or an action and returns its frames per second (new frames over the
  // generation's wall time), calling `on_frame` with each new frame.
  // - A prompt (PlayInput::Kind::kPrompt) sets the caption and generates one chunk conditioned on
  //   the last frame shown. A causal model streams instead: the frames come one by one from a
  //   FrameStream that lives across inputs (its key/value cache holds the session's past frames),
  //   each shown as soon as it is decoded, until a chunk's worth is shown.
  // - An action (kAction) is the input of the next step: one latent frame of a causal model (its
  //   events in that frame's first pixel frame), or one chunk of a clip model (in the chunk's
  //   first new frame); later steps, and those of prompts, hold the cursor still without events.
  //   nc::Error for a checkpoint that does not follow actions, or a cursor outside the frame.
  double run(const PlayInput& input, const std::function<void(const Image&)>& on_frame);
  bool follows_actions() const { return engine_.uses_actions(); }

  const Image& last_frame() const { return last_image_; }
  const std::string& caption() const { return caption_; }  // the last prompt's
  int64_t frames_shown() const { return frames_shown_; }

 private:
  RolloutEngine& engine_;
  at::Tensor first_;
  SamplerOptions sampler_;
  uint64_t seed_;
  uint64_t chunk_ = 0;
  Image last_image_;
  int64_t frames_shown_ = 1;
  // One step (a latent frame of a causal model, a chunk less its given frame otherwise) under
  // the last caption, with `events` in its first new frame when the model follows actions.
  void generate(const std::vector<gui::GuiEvent>& events, const std::function<void(const Image&)>& on_frame);
  // encode_play_actions for this session's frame size and cursor.
  model::ActionInputs actions_for(int64_t frames, const std::vector<gui::GuiEvent>& events, int64_t event_frame);

  std::unique_ptr<FrameStream> stream_;  // a causal model's frame-by-frame state
  std::string caption_;                  // the last caption (actions keep it)
  PlayCursor cursor_, previous_;  // now, and before the last step (the v1 move event)
};

}  // namespace nc::infer
