#include "nc/infer/play.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <exception>

#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/core/strings.h"
#include "nc/data/frames.h"
#include "nc/gui/actions.h"
#include "nc/gui/keys.h"
#include "nc/video/resize.h"

namespace nc::infer {

namespace {

// The whitespace-separated words of `text`.
std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& w : split(text, ' '))
    if (!trim(w).empty()) out.push_back(trim(w));
  return out;
}

double number(const std::string& text, const std::string& command) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  check(used == text.size() && std::isfinite(v), "'" + text + "' is not a number", command);
  return v;
}

int count(const std::string& text, const std::string& command, int low, int high) {
  const double v = number(text, command);
  check(v == std::floor(v) && v >= low && v <= high,
        "'" + text + "' must be a whole number in [" + std::to_string(low) + ", " + std::to_string(high) + "]", command);
  return static_cast<int>(v);
}

// The action commands (/click, /move, /type, /key, /scroll, /wait); false for any other word.
bool parse_action(const std::string& word, const std::string& rest, PlayInput& in) {
  const std::vector<std::string> args = words(rest);
  auto place = [&](const char* usage) {
    check(args.size() >= 2, std::string("needs the cursor's X Y in frame pixels"), word, usage);
    in.moves_cursor = true;
    in.x = number(args[0], word);
    in.y = number(args[1], word);
  };
  if (word == "/click") {
    const char* usage = "/click X Y [left|middle|right] [1|2|3]";
    place(usage);
    check(args.size() <= 4, "too many arguments", word, usage);
    int button = gui::kLeftButton, clicks = 1;
    for (size_t i = 2; i < args.size(); ++i) {
      if (args[i] == "left" || args[i] == "middle" || args[i] == "right")
        button = args[i] == "left" ? gui::kLeftButton : args[i] == "middle" ? gui::kMiddleButton : gui::kRightButton;
      else
        clicks = count(args[i], word, 1, 3);
    }
    in.events.push_back(gui::GuiEvent::click(button, clicks));
  } else if (word == "/move") {
    place("/move X Y");
    check(args.size() == 2, "too many arguments", word, "/move X Y");
  } else if (word == "/type") {
    check(!rest.empty(), "needs the text to type", word, "/type TEXT");
    in.events.push_back(gui::GuiEvent::typed(rest));
  } else if (word == "/key") {
    check(args.size() == 1, "needs one chord", word, "/key CHORD, e.g. /key ctrl+c or /key Return");
    // A malformed chord, or a key outside the vocabulary, is an error here, not mid-generation.
    const gui::Chord chord = gui::parse_chord(args[0], word);
    check(chord.key != gui::kUnknownKey, "unknown key in '" + args[0] + "'", word, "key names as xdotool writes them");
    in.events.push_back(gui::GuiEvent::chord(args[0]));
  } else if (word == "/scroll") {
    const char* usage = "/scroll up|down|left|right [N]";
    check(!args.empty() && args.size() <= 2, "needs a direction", word, usage);
    const gui::Scroll direction = gui::scroll_from_name(args[0]);
    check(direction != gui::Scroll::kNone, "unknown direction '" + args[0] + "'", word, usage);
    in.events.push_back(gui::GuiEvent::scroll(direction, args.size() == 2 ? count(args[1], word, 1, 100) : 1));
  } else if (word == "/wait") {
    check(args.size() <= 1, "too many arguments", word, "/wait [N]");
    in.steps = args.empty() ? 1 : count(args[0], word, 1, 1000);
  } else {
    return false;
  }
  in.kind = PlayInput::Kind::kAction;
  return true;
}

}  // namespace

PlayInput parse_play_input(const std::string& line, const std::string& previous) {
  const std::string text = trim(line);
  PlayInput in;
  if (text.empty()) {
    in.caption = previous.empty() ? "An empty terminal screen." : previous;
    return in;
  }
  if (text[0] == '/') {
    const size_t space = text.find(' ');
    const std::string word = text.substr(0, space);
    const std::string rest = space == std::string::npos ? "" : trim(text.substr(space + 1));
    if (word == "/quit" || word == "/exit") {
      in.kind = PlayInput::Kind::kQuit;
    } else if (word == "/help") {
      in.kind = PlayInput::Kind::kHelp;
    } else if (word == "/caption") {
      check(!rest.empty(), "/caption needs the caption text", "/caption", "e.g. /caption The screen is cleared.");
      in.caption = rest;
    } else if (!parse_action(word, rest, in)) {
      throw Error("unknown play command '" + word + "'", word, "/help lists them; other lines are commands");
    }
    return in;
  }
  // As captions.cpp words a command of the clip (clipped to 80 bytes, "..." marking the cut).
  std::string command = text;
  if (command.size() > 80) command = command.substr(0, 80) + "...";
  in.caption = "The user runs `" + command + "`.";
  return in;
}

std::string play_help() {
  return "type a command line: it becomes the next chunk's caption (\"The user runs `CMD`.\")\n"
         "Enter on an empty line: one more chunk with the same caption\n"
         "/caption TEXT: use TEXT as the caption as it is\n"
         "checkpoints that follow actions (each is the input of the next step; X Y in frame pixels):\n"
         "  /click X Y [left|middle|right] [1|2|3]   /move X Y   /type TEXT   /key CHORD (ctrl+c, Return)\n"
         "  /scroll up|down|left|right [N]   /wait [N]: N steps without input\n"
         "/help: this list    /quit: leave\n";
}

std::string half_block_text(const Image& frame, int cols, int rows) {
  check(cols > 0 && rows > 0, "the text view needs at least one cell", "half_block_text");
  check(!frame.empty(), "an empty frame", "half_block_text");
  const Image fitted = video::letterbox(frame, cols, 2 * rows, 0, 0, 0);
  std::string out;
  out.reserve(static_cast<size_t>(cols) * rows * 24);
  for (int r = 0; r < rows; ++r) {
    int fg = -1, bg = -1;  // packed RGB of the current SGR colours; -1: none set on this line
    for (int c = 0; c < cols; ++c) {
      const uint8_t* top = fitted.pixel(c, 2 * r);
      const uint8_t* bottom = fitted.pixel(c, 2 * r + 1);
      const int t = top[0] << 16 | top[1] << 8 | top[2];
      const int b = bottom[0] << 16 | bottom[1] << 8 | bottom[2];
      if (t != fg) out += fmt::format("\x1b[38;2;{};{};{}m", top[0], top[1], top[2]);
      if (b != bg) out += fmt::format("\x1b[48;2;{};{};{}m", bottom[0], bottom[1], bottom[2]);
      fg = t;
      bg = b;
      out += "\xe2\x96\x80";  // U+2580 UPPER HALF BLOCK
    }
    out += "\x1b[0m\n";
  }
  return out;
}

std::pair<int, int> terminal_size(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) return {ws.ws_col, ws.ws_row};
  return {80, 24};
}

PlaySession::PlaySession(RolloutEngine& engine, at::Tensor first_frame, SamplerOptions sampler, uint64_t seed)
    : engine_(engine), first_(std::move(first_frame)), sampler_(std::move(sampler)), seed_(seed) {
  check(first_.dim() == 3 && first_.size(0) == 3, "the first frame must be [3, H, W]", "nc play");
  last_image_ = data::to_images(first_.unsqueeze(1)).front();
}

double PlaySession::run(const PlayInput& input, const std::function<void(const Image&)>& on_frame) {
  const bool action = input.kind == PlayInput::Kind::kAction;
  check(action || input.kind == PlayInput::Kind::kPrompt, "only prompts and actions generate frames", "nc play");
  if (action) {
    check(follows_actions(), "this checkpoint follows captions, not actions (model.action.injection is none)",
          "nc play", "type a command line or /caption TEXT");
    const int width = static_cast<int>(first_.size(2)), height = static_cast<int>(first_.size(1));
    if (input.moves_cursor) {
      check(input.x >= 0 && input.x < width && input.y >= 0 && input.y < height,
            fmt::format("({}, {}) is outside the {}x{} frame", input.x, input.y, width, height), "nc play");
      cursor_ = {input.x, input.y};
    }
  } else {
    caption_ = input.caption;
  }
  const auto t0 = std::chrono::steady_clock::now();
  int64_t shown = 0;
  const auto count = [&](const Image& f) {
    ++shown;
    on_frame(f);
  };
  if (action) {
    for (int s = 0; s < input.steps; ++s) generate(s == 0 ? input.events : std::vector<gui::GuiEvent>{}, count);
  } else {  // a chunk; a causal model streams latent frames until a chunk's worth is shown
    do generate({}, count);
    while (engine_.config().model.dit.causal && shown < engine_.chunk_frames() - 1);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return seconds > 0 ? static_cast<double>(shown) / seconds : 0;
}

void PlaySession::generate(const std::vector<gui::GuiEvent>& events, const std::function<void(const Image&)>& on_frame) {
  const bool actions = follows_actions();
  std::vector<Image> frames;
  if (engine_.config().model.dit.causal) {  // streaming: each frame is shown as soon as it is decoded
    if (!stream_) {
      stream_ = std::make_unique<FrameStream>(engine_, first_, caption_, sampler_, seed_,
                                              actions ? actions_for(1, {}, 0) : model::ActionInputs{});
      stream_->next();  // the given frame, already shown
    } else {
      stream_->set_caption(caption_);
    }
    frames = data::to_images(
        stream_->next(actions ? actions_for(stream_->frames_per_step(), events, 0) : model::ActionInputs{}));
  } else {
    // A chunk starts at the last frame shown: its actions are that frame's (no events) and the new ones'.
    const int chunk = engine_.chunk_frames();
    const at::Tensor video = engine_.generate_chunk(first_, caption_, chunk, seed_ + 7919 * chunk_++, sampler_,
                                                    actions ? actions_for(chunk, events, 1) : model::ActionInputs{});
    const int64_t t = video.size(1);
    frames = data::to_images(video.narrow(1, 1, t - 1));
    first_ = video.select(1, t - 1).to(at::kCPU);
  }
  previous_ = cursor_;
  for (const Image& f : frames) {
    last_image_ = f;
    ++frames_shown_;
    on_frame(f);
  }
}

model::ActionInputs PlaySession::actions_for(int64_t frames, const std::vector<gui::GuiEvent>& events,
                                             int64_t event_frame) {
  return encode_play_actions(engine_.config().gui, static_cast<int>(first_.size(2)), static_cast<int>(first_.size(1)),
                             frames, previous_, cursor_, events, event_frame);
}

model::ActionInputs encode_play_actions(const gui::GuiOptions& g, int width, int height, int64_t frames,
                                        const PlayCursor& from, const PlayCursor& to,
                                        const std::vector<gui::GuiEvent>& events, int64_t event_frame) {
  check(frames >= 1 && event_frame >= 0 && event_frame < frames, "the events' frame must be one of the frames",
        "encode_play_actions");
  // A leading frame at `from` (dropped after encoding) gives the encoders the move into these.
  gui::GuiTrace trace;
  trace.screen_width = width;
  trace.screen_height = height;
  trace.frames.resize(static_cast<size_t>(frames + 1));
  trace.frames[0].x = from.x;
  trace.frames[0].y = from.y;
  for (int64_t f = 1; f <= frames; ++f) {
    trace.frames[static_cast<size_t>(f)].x = to.x;
    trace.frames[static_cast<size_t>(f)].y = to.y;
  }
  trace.frames[static_cast<size_t>(event_frame + 1)].events = events;
  const gui::Trajectory path = gui::mouse_trajectories(trace, width, height);
  const gui::MetaActions meta = gui::encode_meta_actions(trace, g.slots, g.alignment.move_threshold);
  model::ActionInputs in;
  in.raw_actions = gui::encode_raw_actions(trace, g.alignment.move_threshold);
  in.mouse_trajectories = path.xy;
  in.cursor_valid = path.valid;
  in.types = meta.types;
  in.button = meta.button;
  in.click_count = meta.click_count;
  in.drag = meta.drag;
  in.scroll_direction = meta.scroll_direction;
  in.scroll_amount = meta.scroll_amount;
  in.shortcut = meta.shortcut;
  in.text_bytes = gui::typed_text_bytes(meta, g.text_bytes);
  return in.unsqueeze_batch().frames_slice(1, frames);
}

}  // namespace nc::infer
