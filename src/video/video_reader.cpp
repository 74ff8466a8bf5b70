#include "nc/video/video_reader.h"

#include <cmath>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "av_common.h"
#include "nc/core/error.h"

namespace nc::video {

using namespace detail;

namespace {

// Owns the demuxer from avformat_open_input on, so that a constructor that throws later
// still closes it.
struct InputHolder {
  AVFormatContext* ctx = nullptr;
  InputHolder() = default;
  InputHolder(const InputHolder&) = delete;
  InputHolder& operator=(const InputHolder&) = delete;
  ~InputHolder() { avformat_close_input(&ctx); }
};

std::string pix_fmt_name(int format) {
  const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(format));
  return name ? name : "#" + std::to_string(format);
}

}  // namespace

struct VideoReader::Impl {
  std::string path;
  InputHolder input;
  AVFormatContext*& format = input.ctx;
  CodecContextPtr decoder;
  AVStream* stream = nullptr;
  PacketPtr packet = alloc_packet();
  FramePtr frame = alloc_frame();
  SwsPtr sws;
  // What `sws` was made for: a change (a new size mid-stream) rebuilds it.
  int sws_w = 0, sws_h = 0, sws_format = -1, sws_space = -1, sws_range = -1;
  bool flushing = false, finished = false;
  int64_t frames_read = 0;
  double last_ts = 0;

  explicit Impl(const std::string& p) : path(p) {
    init_av_logging();
    int rc = avformat_open_input(&format, path.c_str(), nullptr, nullptr);
    if (rc < 0) throw Error("cannot open video: " + av_error(rc), path);
    rc = avformat_find_stream_info(format, nullptr);
    if (rc < 0) throw Error("cannot read the stream headers: " + av_error(rc), path);
    const AVCodec* codec = nullptr;
    rc = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (rc == AVERROR_DECODER_NOT_FOUND)
      throw Error("no decoder in this libavcodec for the video stream", path);
    if (rc < 0) throw Error("no video stream", path);
    stream = format->streams[rc];

    decoder.reset(avcodec_alloc_context3(codec));
    check(decoder != nullptr, "cannot allocate the decoder (out of memory?)", path);
    rc = avcodec_parameters_to_context(decoder.get(), stream->codecpar);
    if (rc < 0) throw Error("bad stream parameters: " + av_error(rc), path);
    decoder->pkt_timebase = stream->time_base;
    decoder->thread_count = 0;
    rc = avcodec_open2(decoder.get(), codec, nullptr);
    if (rc < 0)
      throw Error(std::string("cannot open the ") + codec->name + " decoder: " + av_error(rc),
                  path);
    check(stream->codecpar->width > 0 && stream->codecpar->height > 0,
          "video stream without a frame size", path);
  }

  double fps() const {
    for (AVRational r : {stream->avg_frame_rate, stream->r_frame_rate})
      if (r.num > 0 && r.den > 0) return av_q2d(r);
    return 0;
  }

  int64_t frame_count_estimate() const {
    if (stream->nb_frames > 0) return stream->nb_frames;
    const double rate = fps();
    if (rate <= 0) return -1;
    if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0)
      return llround(stream->duration * av_q2d(stream->time_base) * rate);
    if (format->duration != AV_NOPTS_VALUE && format->duration > 0)
      return llround(format->duration / double(AV_TIME_BASE) * rate);
    return -1;
  }

  std::string at_frame() const { return path + ": frame " + std::to_string(frames_read); }

  bool read(Image& out) {
    while (!finished) {
      int rc = avcodec_receive_frame(decoder.get(), frame.get());
      if (rc == 0) {
        convert(out);
        av_frame_unref(frame.get());
        ++frames_read;
        return true;
      }
      if (rc == AVERROR_EOF) {
        finished = true;
        break;
      }
      if (rc != AVERROR(EAGAIN)) throw Error("decoding failed: " + av_error(rc), at_frame());
      feed();
    }
    return false;
  }

  // Sends the next packet of our stream to the decoder, or the end-of-stream marker.
  void feed() {
    check(!flushing, "the decoder wants input after the end of the stream", at_frame());
    for (;;) {
      int rc = av_read_frame(format, packet.get());
      if (rc == AVERROR_EOF) {
        flushing = true;
        rc = avcodec_send_packet(decoder.get(), nullptr);
        if (rc < 0) throw Error("decoding failed: " + av_error(rc), at_frame());
        return;
      }
      if (rc < 0) throw Error("read failed: " + av_error(rc), at_frame());
      if (packet->stream_index != stream->index) {
        av_packet_unref(packet.get());
        continue;
      }
      rc = avcodec_send_packet(decoder.get(), packet.get());
      av_packet_unref(packet.get());
      if (rc < 0) throw Error("decoding failed: " + av_error(rc), at_frame());
      return;
    }
  }

  void convert(Image& out) {
    const AVFrame* f = frame.get();
    const int space = f->colorspace, range = f->color_range;
    if (!sws || f->width != sws_w || f->height != sws_h || f->format != sws_format ||
        space != sws_space || range != sws_range) {
      sws.reset(sws_getContext(f->width, f->height, static_cast<AVPixelFormat>(f->format),
                               f->width, f->height, AV_PIX_FMT_RGB24,
                               SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr,
                               nullptr, nullptr));
      if (!sws)
        throw Error("no conversion from pixel format " + pix_fmt_name(f->format) + " to RGB",
                    at_frame());
      const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f->format));
      if (desc && !(desc->flags & AV_PIX_FMT_FLAG_RGB) && desc->nb_components >= 3) {
        // The stream's own matrix and range (unspecified: BT.601, limited).
        sws_setColorspaceDetails(sws.get(), sws_getCoefficients(space),
                                 range == AVCOL_RANGE_JPEG ? 1 : 0,
                                 sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
      }
      sws_w = f->width, sws_h = f->height, sws_format = f->format;
      sws_space = space, sws_range = range;
    }
    out.width = f->width;
    out.height = f->height;
    out.rgb.resize(static_cast<size_t>(f->width) * f->height * 3);
    uint8_t* planes[1] = {out.rgb.data()};
    const int strides[1] = {f->width * 3};
    sws_scale(sws.get(), f->data, f->linesize, 0, f->height, planes, strides);

    const int64_t pts = f->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) {
      const double rate = fps();
      last_ts = frames_read == 0 ? 0 : last_ts + (rate > 0 ? 1 / rate : 0);
    } else {
      const int64_t start = stream->start_time != AV_NOPTS_VALUE ? stream->start_time : 0;
      last_ts = (pts - start) * av_q2d(stream->time_base);
    }
  }
};

VideoReader::VideoReader(const std::string& path) : impl_(std::make_unique<Impl>(path)) {}
VideoReader::~VideoReader() = default;
VideoReader::VideoReader(VideoReader&&) noexcept = default;
VideoReader& VideoReader::operator=(VideoReader&&) noexcept = default;

int VideoReader::width() const { return impl_->stream->codecpar->width; }
int VideoReader::height() const { return impl_->stream->codecpar->height; }
double VideoReader::fps() const { return impl_->fps(); }
int64_t VideoReader::frame_count_estimate() const { return impl_->frame_count_estimate(); }
bool VideoReader::read(Image& out) { return impl_->read(out); }
double VideoReader::last_timestamp() const { return impl_->last_ts; }

}  // namespace nc::video
