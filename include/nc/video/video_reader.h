// Decoded video frames as RGB8, from anything libav reads (mp4, mkv, webm, gif, ...): the
// first video stream, frames in presentation order, converted with the colour matrix and
// range the stream declares (BT.601 limited range when it declares none).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "nc/core/image.h"

namespace nc::video {

class VideoReader {
 public:
  // Opens the file and its decoder; throws nc::Error naming `path` when it is missing, not a
  // video, or has no video stream.
  explicit VideoReader(const std::string& path);
  ~VideoReader();
  VideoReader(VideoReader&&) noexcept;
  VideoReader& operator=(VideoReader&&) noexcept;

  // The coded size (an Mp4Writer with odd sizes padded them to even: this is the padded size).
  int width() const;
  int height() const;
  // The stream's average frame rate (its declared rate when there is no average; 0 when
  // unknown).
  double fps() const;
  // The container's frame count, else duration x fps; -1 when neither is known.
  int64_t frame_count_estimate() const;

  // The next frame as RGB8, false at the end. A decoding error is an nc::Error naming the
  // path and the frame number.
  bool read(Image& out);
  // Presentation time of the frame just read, in seconds from the stream's start.
  double last_timestamp() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nc::video
