// Animated GIF output through libav's `gif` encoder and muxer, looping forever.
//
// Colours: a frame with at most 256 distinct colours (terminal and most desktop frames) gets
// its own exact palette, so it round-trips losslessly; a frame with more is mapped, without
// dithering, to a fixed 6x7x6 RGB cube (levels 0, 51, .. 255 for red and blue, 0, 42/43, ..
// 255 for green; the error per channel is at most 26). Every frame is stored whole, with no
// inter-frame cropping: libav crops by comparing palette indices, which is wrong once palettes
// differ between frames. Timing: GIF delays are in 1/100 s, so frame k starts at
// round(100 k / fps) / 100 s. Atomic like Mp4Writer: `<path>.tmp-<pid>.gif` renamed by
// close(), removed by a destructor that runs without close().
#pragma once

#include <memory>
#include <string>

#include "nc/core/image.h"

namespace nc::video {

class GifWriter {
 public:
  // Throws nc::Error naming `path` (bad size: 1..65535 per side; bad fps; unwritable file).
  GifWriter(std::string path, int width, int height, double fps = 15);
  ~GifWriter();  // without close(): removes the temporary file; never throws
  GifWriter(GifWriter&&) noexcept;
  GifWriter& operator=(GifWriter&&) noexcept;

  // Appends a frame of exactly the size given at construction (else nc::Error).
  void write(const Image& frame);
  // Finishes the file and renames it into place; a second call does nothing.
  void close();
  int frames_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nc::video
