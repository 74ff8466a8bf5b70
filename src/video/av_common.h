// Private to the video module: libav plumbing shared by the reader and the writers (error
// text, log routing, owning pointers).
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

namespace nc::video::detail {

// libav's text for an AVERROR code ("Invalid data found when processing input").
std::string av_error(int code);

// Routes libav's own log lines (warnings and errors) to nc::log at debug level, once per
// process: failures reach the caller as nc::Error, so libav's stderr chatter is only noise.
void init_av_logging();

struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;

FramePtr alloc_frame();
PacketPtr alloc_packet();

}  // namespace nc::video::detail
