#include "nc/video/mp4_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

extern "C" {
#include <libavutil/opt.h>
}

#include "av_output.h"
#include "frame_check.h"
#include "nc/core/error.h"

namespace nc::video {

using namespace detail;

struct Mp4Writer::Impl {
  AvOutput out;
  int width, height;          // what write() accepts
  int coded_w, coded_h;       // rounded up to even
  FramePtr frame = alloc_frame();
  SwsPtr sws;
  std::vector<uint8_t> padded;  // coded_w x coded_h RGB, black where the input does not reach
  int frames = 0;

  Impl(std::string path, int w, int h, const VideoWriterOptions& o)
      : out(std::move(path), "mp4", ".mp4"),
        width(w),
        height(h),
        coded_w(w + (w & 1)),
        coded_h(h + (h & 1)) {
    const std::string& where = out.path();
    CodecContextPtr encoder = open_encoder(o);

    frame->format = AV_PIX_FMT_YUV420P;
    frame->width = coded_w;
    frame->height = coded_h;
    int rc = av_frame_get_buffer(frame.get(), 0);
    if (rc < 0) throw Error("cannot allocate a frame: " + av_error(rc), where);
    sws.reset(sws_getContext(coded_w, coded_h, AV_PIX_FMT_RGB24, coded_w, coded_h,
                             AV_PIX_FMT_YUV420P, SWS_BILINEAR | SWS_ACCURATE_RND, nullptr,
                             nullptr, nullptr));
    check(sws != nullptr, "cannot create the RGB -> YUV converter", where);
    // BT.709 coefficients, limited range on the YUV side, matching the tags set on the stream.
    const int* coeffs = sws_getCoefficients(SWS_CS_ITU709);
    sws_setColorspaceDetails(sws.get(), coeffs, /*srcRange=*/1, coeffs, /*dstRange=*/0, 0,
                             1 << 16, 1 << 16);
    if (coded_w != width || coded_h != height)
      padded.assign(static_cast<size_t>(coded_w) * coded_h * 3, 0);

    AVDictionary* mux = nullptr;
    av_dict_set(&mux, "movflags", "+faststart", 0);
    try {
      out.start(std::move(encoder), &mux);
    } catch (...) {
      av_dict_free(&mux);
      throw;
    }
    av_dict_free(&mux);
  }

  CodecContextPtr open_encoder(const VideoWriterOptions& o) {
    const std::string& where = out.path();
    check(width > 0 && height > 0,
          "bad video size " + std::to_string(width) + "x" + std::to_string(height), where);
    check(std::isfinite(o.fps) && o.fps > 0 && o.fps <= 1000,
          "bad frame rate " + std::to_string(o.fps), where, "fps must be in (0, 1000]");
    auto hint = [] {
      return "encoders usable for mp4 here: " + available_encoders("mp4", AV_PIX_FMT_YUV420P) +
             "; set the codec option";
    };
    const AVCodec* codec = avcodec_find_encoder_by_name(o.codec.c_str());
    if (!codec || codec->type != AVMEDIA_TYPE_VIDEO)
      throw Error("no video encoder '" + o.codec + "' in this libavcodec", where, hint());

    CodecContextPtr encoder(avcodec_alloc_context3(codec));
    check(encoder != nullptr, "cannot allocate the encoder (out of memory?)", where);
    AVCodecContext* c = encoder.get();
    const AVRational rate = av_d2q(o.fps, 100000);
    c->width = coded_w;
    c->height = coded_h;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = av_inv_q(rate);  // one tick per frame: frame k has pts k
    c->framerate = rate;
    c->sample_aspect_ratio = AVRational{1, 1};
    c->color_range = AVCOL_RANGE_MPEG;
    c->colorspace = AVCOL_SPC_BT709;
    c->color_primaries = AVCOL_PRI_BT709;
    c->color_trc = AVCOL_TRC_IEC61966_2_1;  // the values are sRGB-encoded, as captured
    c->thread_count = 0;                    // the encoder picks
    if (out.wants_global_header()) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

    // Encoder-private options where the encoder has them.
    void* priv = c->priv_data;
    if (priv && av_opt_find(priv, "preset", nullptr, 0, 0) && !o.preset.empty())
      av_opt_set(priv, "preset", o.preset.c_str(), 0);
    if (priv && av_opt_find(priv, "crf", nullptr, 0, 0)) {
      av_opt_set_double(priv, "crf", o.crf, 0);
    } else {
      c->flags |= AV_CODEC_FLAG_QSCALE;
      c->global_quality = FF_QP2LAMBDA * std::clamp(o.crf / 6, 2, 31);
    }

    int rc = avcodec_open2(c, codec, nullptr);
    if (rc < 0)
      throw Error("cannot open encoder '" + o.codec + "' (" + std::to_string(coded_w) + "x" +
                      std::to_string(coded_h) + ", preset '" + o.preset + "'): " + av_error(rc),
                  where, hint());
    return encoder;
  }

  void write(const Image& image) {
    const std::string& where = out.path();
    check_image(image, where);
    check(image.width == width && image.height == height,
          "frame " + std::to_string(frames) + " is " + std::to_string(image.width) + "x" +
              std::to_string(image.height) + ", the writer was opened for " +
              std::to_string(width) + "x" + std::to_string(height),
          where);
    const uint8_t* src = image.rgb.data();
    if (!padded.empty()) {
      for (int y = 0; y < height; ++y)
        std::memcpy(&padded[static_cast<size_t>(y) * coded_w * 3], image.pixel(0, y),
                    static_cast<size_t>(width) * 3);
      src = padded.data();
    }
    // The encoder may still hold a reference to the last frame's buffers.
    int rc = av_frame_make_writable(frame.get());
    if (rc < 0) throw Error("cannot allocate a frame: " + av_error(rc), where);
    const uint8_t* planes[1] = {src};
    const int strides[1] = {coded_w * 3};
    sws_scale(sws.get(), planes, strides, 0, coded_h, frame->data, frame->linesize);
    frame->pts = frames;
    out.encode(frame.get());
    ++frames;
  }
};

Mp4Writer::Mp4Writer(std::string path, int width, int height, VideoWriterOptions options)
    : impl_(std::make_unique<Impl>(std::move(path), width, height, options)) {}

Mp4Writer::~Mp4Writer() = default;
Mp4Writer::Mp4Writer(Mp4Writer&&) noexcept = default;
Mp4Writer& Mp4Writer::operator=(Mp4Writer&&) noexcept = default;

void Mp4Writer::write(const Image& frame) {
  check(impl_ != nullptr, "write to a moved-from Mp4Writer");
  impl_->write(frame);
}

void Mp4Writer::close() {
  check(impl_ != nullptr, "close of a moved-from Mp4Writer");
  impl_->out.finish();
}

int Mp4Writer::frames_written() const { return impl_ ? impl_->frames : 0; }

}  // namespace nc::video
