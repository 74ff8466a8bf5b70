// MP4 output: H.264 (libx264) in yuv420p, constant frame rate, frame k at exactly k / fps,
// `movflags=faststart` (the index before the data, so players start before the download ends).
//
// yuv420p needs even sizes: an odd width or height is padded to even with black on the right /
// bottom, and a reader sees the padded size. Colour: RGB -> BT.709 limited-range YUV, tagged
// as such. The file is written as `<path>.tmp-<pid>.mp4` and renamed to `path` by close(): a
// crash never leaves half a file under the real name, and a writer destroyed without close()
// removes its temporary.
#pragma once

#include <memory>
#include <string>

#include "nc/core/image.h"

namespace nc::video {

struct VideoWriterOptions {
  double fps = 15;
  // Quality: x264's constant rate factor (0 lossless .. 51; 18 is visually lossless). Encoders
  // without a CRF (mpeg4) use a fixed quantizer instead: qscale = clamp(crf / 6, 2, 31).
  int crf = 18;
  std::string preset = "veryfast";  // x264/x265 speed preset; ignored by encoders without one
  // The libav encoder. "mpeg4" (MPEG-4 Part 2, always built into libavcodec) is the fallback
  // where libx264 is missing; an unknown or unusable name is an nc::Error listing the
  // encoders that work.
  std::string codec = "libx264";
};

class Mp4Writer {
 public:
  // Opens the encoder and creates the temporary file; throws nc::Error naming `path`.
  Mp4Writer(std::string path, int width, int height, VideoWriterOptions options = {});
  ~Mp4Writer();  // without close(): removes the temporary file; never throws
  Mp4Writer(Mp4Writer&&) noexcept;
  Mp4Writer& operator=(Mp4Writer&&) noexcept;

  // Appends a frame of exactly the size given at construction (else nc::Error).
  void write(const Image& frame);
  // Flushes the encoder, finishes the file and renames it into place. A second call does
  // nothing; write() after close() is an nc::Error.
  void close();
  int frames_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nc::video
