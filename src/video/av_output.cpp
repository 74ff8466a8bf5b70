#include "av_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "nc/core/error.h"

namespace nc::video::detail {

AvOutput::AvOutput(std::string path, const char* format, const char* suffix)
    : path_(std::move(path)),
      tmp_(path_ + ".tmp-" + std::to_string(getpid()) + suffix),
      packet_(alloc_packet()) {
  init_av_logging();
  int rc = avformat_alloc_output_context2(&format_, nullptr, format, tmp_.c_str());
  if (rc < 0 || !format_)
    throw Error(std::string("cannot create the ") + format + " muxer: " + av_error(rc), path_);
}

AvOutput::~AvOutput() { discard(); }

void AvOutput::discard() noexcept {
  if (format_) {
    if (format_->pb) avio_closep(&format_->pb);
    avformat_free_context(format_);
    format_ = nullptr;
  }
  encoder_.reset();
  if (file_open_ && !done_) ::unlink(tmp_.c_str());
  file_open_ = false;
}

bool AvOutput::wants_global_header() const {
  return (format_->oformat->flags & AVFMT_GLOBALHEADER) != 0;
}

void AvOutput::start(CodecContextPtr encoder, AVDictionary** muxer_options) {
  encoder_ = std::move(encoder);
  stream_ = avformat_new_stream(format_, nullptr);
  check(stream_ != nullptr, "cannot add a video stream (out of memory?)", path_);
  int rc = avcodec_parameters_from_context(stream_->codecpar, encoder_.get());
  if (rc < 0) throw Error("cannot set the stream parameters: " + av_error(rc), path_);
  // A hint: the muxer may pick a finer time base (mp4 does); packets are rescaled to it.
  stream_->time_base = encoder_->time_base;
  stream_->avg_frame_rate = encoder_->framerate;
  stream_->r_frame_rate = encoder_->framerate;

  rc = avio_open(&format_->pb, tmp_.c_str(), AVIO_FLAG_WRITE);
  if (rc < 0) throw Error("cannot create file: " + av_error(rc), tmp_);
  file_open_ = true;
  rc = avformat_write_header(format_, muxer_options);
  if (rc < 0) throw Error("cannot write the container header: " + av_error(rc), path_);
}

void AvOutput::encode(const AVFrame* frame) {
  check(!done_ && file_open_, "write to a closed or failed writer", path_);
  int rc = avcodec_send_frame(encoder_.get(), frame);
  if (rc < 0) throw Error("encoding failed: " + av_error(rc), path_);
  write_packets();
}

void AvOutput::write_packets() {
  for (;;) {
    int rc = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
    if (rc < 0) throw Error("encoding failed: " + av_error(rc), path_);
    av_packet_rescale_ts(packet_.get(), encoder_->time_base, stream_->time_base);
    packet_->stream_index = stream_->index;
    rc = av_interleaved_write_frame(format_, packet_.get());  // takes the packet's data
    if (rc < 0) throw Error("write failed: " + av_error(rc), tmp_, "is the disk full?");
  }
}

void AvOutput::finish() {
  if (done_) return;
  check(file_open_, "close of a writer that already failed", path_);
  try {
    finish_file();
  } catch (...) {
    discard();  // removes the temporary: a failed close leaves nothing behind
    throw;
  }
  done_ = true;
  discard();
}

void AvOutput::finish_file() {
  encode(nullptr);  // drain: encoders with lookahead (x264) hold frames until now
  int rc = av_write_trailer(format_);
  if (rc < 0) throw Error("cannot finish the file: " + av_error(rc), tmp_);
  rc = avio_closep(&format_->pb);
  if (rc < 0) throw Error("cannot close the file: " + av_error(rc), tmp_, "is the disk full?");

  // The same durability as AtomicFileWriter: data on disk before the name points at it.
  int fd = ::open(tmp_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    throw Error(std::string("cannot flush file: ") + std::strerror(err), tmp_);
  }
  ::close(fd);
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw Error(std::string("cannot rename into place: ") + std::strerror(errno), path_);
}

std::string available_encoders(const char* format, AVPixelFormat pix_fmt) {
  const AVOutputFormat* ofmt = av_guess_format(format, nullptr, nullptr);
  std::string names;
  void* it = nullptr;
  while (const AVCodec* c = av_codec_iterate(&it)) {
    if (!av_codec_is_encoder(c) || c->type != AVMEDIA_TYPE_VIDEO) continue;
    if (c->capabilities & AV_CODEC_CAP_HARDWARE) continue;
    if (ofmt && avformat_query_codec(ofmt, c->id, FF_COMPLIANCE_NORMAL) != 1) continue;
    bool takes = c->pix_fmts == nullptr;
    for (const AVPixelFormat* p = c->pix_fmts; p && *p != AV_PIX_FMT_NONE; ++p)
      takes = takes || *p == pix_fmt;
    if (!takes) continue;
    if (!names.empty()) names += ", ";
    names += c->name;
  }
  return names.empty() ? std::string("none") : names;
}

}  // namespace nc::video::detail
