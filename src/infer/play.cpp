#include "nc/infer/play.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>

#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/core/strings.h"
#include "nc/data/frames.h"
#include "nc/video/resize.h"

namespace nc::infer {

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
    } else {
      throw Error("unknown play command '" + word + "'", word, "/caption TEXT, /help or /quit; other lines are commands");
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

double PlaySession::step(const std::string& caption, const std::function<void(const Image&)>& on_frame) {
  const auto t0 = std::chrono::steady_clock::now();
  if (engine_.config().model.dit.causal) {  // streaming: each frame is shown as soon as it is decoded
    if (!stream_) {
      stream_ = std::make_unique<FrameStream>(engine_, first_, caption, sampler_, seed_);
      stream_->next();  // the given frame, already shown
    } else {
      stream_->set_caption(caption);
    }
    int64_t shown = 0;
    while (shown < engine_.chunk_frames() - 1) {
      for (const Image& f : data::to_images(stream_->next())) {
        last_image_ = f;
        ++frames_shown_;
        ++shown;
        on_frame(f);
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return seconds > 0 ? static_cast<double>(shown) / seconds : 0;
  }
  const at::Tensor video = engine_.generate_chunk(first_, caption, engine_.chunk_frames(), seed_ + 7919 * chunk_++, sampler_);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int64_t t = video.size(1);
  const std::vector<Image> frames = data::to_images(video.narrow(1, 1, t - 1));
  for (const Image& f : frames) {
    last_image_ = f;
    ++frames_shown_;
    on_frame(f);
  }
  first_ = video.select(1, t - 1).to(at::kCPU);
  return seconds > 0 ? static_cast<double>(frames.size()) / seconds : 0;
}

}  // namespace nc::infer
