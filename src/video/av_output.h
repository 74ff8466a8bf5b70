// Private to the video module: one encoded video stream muxed into a file, written under a
// temporary name and renamed into place by finish() (the writers' atomicity).
#pragma once

#include <string>

#include "av_common.h"

namespace nc::video::detail {

class AvOutput {
 public:
  // Prepares the `format` muxer ("mp4", "gif") for `path`; the data goes to
  // `path.tmp-<pid><suffix>` until finish().
  AvOutput(std::string path, const char* format, const char* suffix);
  // Without finish(): frees everything and removes the temporary file.
  ~AvOutput();
  AvOutput(const AvOutput&) = delete;
  AvOutput& operator=(const AvOutput&) = delete;

  // Whether encoders must put their headers in extradata (AV_CODEC_FLAG_GLOBAL_HEADER).
  bool wants_global_header() const;
  // Takes the opened encoder, adds its stream, creates the temporary file and writes the
  // container header with `muxer_options` (consumed).
  void start(CodecContextPtr encoder, AVDictionary** muxer_options);
  // Encodes one frame (its pts in the encoder's time base) and writes what comes out.
  void encode(const AVFrame* frame);
  // Drains the encoder, writes the trailer, fsyncs and renames into place.
  void finish();

  AVCodecContext* encoder() const { return encoder_.get(); }
  const std::string& path() const { return path_; }

 private:
  void write_packets();
  void finish_file();
  void discard() noexcept;

  std::string path_, tmp_;
  AVFormatContext* format_ = nullptr;
  CodecContextPtr encoder_;
  PacketPtr packet_;
  AVStream* stream_ = nullptr;
  bool file_open_ = false, done_ = false;
};

// The video encoders this libav build has (software ones) that `format` can hold and that
// take `pix_fmt`: "libx264, libx265, mpeg4, ..." for error hints.
std::string available_encoders(const char* format, AVPixelFormat pix_fmt);

}  // namespace nc::video::detail
