#include "nc/video/gif_writer.h"

#include <cmath>
#include <cstring>
#include <unordered_map>

extern "C" {
#include <libavutil/opt.h>
}

#include "av_output.h"
#include "frame_check.h"
#include "nc/core/error.h"

namespace nc::video {

using namespace detail;

namespace {

uint32_t argb(uint32_t r, uint32_t g, uint32_t b) { return 0xff000000u | r << 16 | g << 8 | b; }

// Exact palette: true and `index`/`palette` filled when the frame has <= 256 colours.
bool exact_palette(const Image& im, uint8_t* index, int index_stride, uint32_t* palette) {
  std::unordered_map<uint32_t, uint8_t> slot;
  slot.reserve(512);
  uint32_t last = 0xffffffffu;  // not a colour: the top byte is 0 for every real one
  uint8_t last_slot = 0;
  for (int y = 0; y < im.height; ++y) {
    const uint8_t* p = im.pixel(0, y);
    uint8_t* out = index + static_cast<size_t>(y) * index_stride;
    for (int x = 0; x < im.width; ++x, p += 3) {
      const uint32_t c = uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2];
      if (c != last) {
        auto it = slot.find(c);
        if (it == slot.end()) {
          if (slot.size() == 256) return false;
          it = slot.emplace(c, static_cast<uint8_t>(slot.size())).first;
          palette[it->second] = 0xff000000u | c;
        }
        last = c;
        last_slot = it->second;
      }
      out[x] = last_slot;
    }
  }
  return true;
}

// The fixed 6x7x6 cube, nearest level per channel.
void cube_palette(const Image& im, uint8_t* index, int index_stride, uint32_t* palette) {
  for (int r = 0; r < 6; ++r)
    for (int g = 0; g < 7; ++g)
      for (int b = 0; b < 6; ++b)
        palette[r * 42 + g * 6 + b] = argb(r * 51, (g * 255 + 3) / 6, b * 51);
  for (int i = 252; i < 256; ++i) palette[i] = argb(0, 0, 0);
  for (int y = 0; y < im.height; ++y) {
    const uint8_t* p = im.pixel(0, y);
    uint8_t* out = index + static_cast<size_t>(y) * index_stride;
    for (int x = 0; x < im.width; ++x, p += 3) {
      const int r = (p[0] * 5 + 127) / 255, g = (p[1] * 6 + 127) / 255, b = (p[2] * 5 + 127) / 255;
      out[x] = static_cast<uint8_t>(r * 42 + g * 6 + b);
    }
  }
}

}  // namespace

struct GifWriter::Impl {
  AvOutput out;
  int width, height;
  FramePtr frame = alloc_frame();
  int frames = 0;

  Impl(std::string path, int w, int h, double fps)
      : out(std::move(path), "gif", ".gif"), width(w), height(h) {
    const std::string& where = out.path();
    check(w > 0 && h > 0 && w <= 65535 && h <= 65535,
          "bad GIF size " + std::to_string(w) + "x" + std::to_string(h), where,
          "GIF sides are 1..65535");
    check(std::isfinite(fps) && fps > 0 && fps <= 100, "bad frame rate " + std::to_string(fps),
          where, "GIF delays are in 1/100 s: fps must be in (0, 100]");

    const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_GIF);
    check(codec != nullptr, "this libavcodec has no GIF encoder", where);
    CodecContextPtr enc(avcodec_alloc_context3(codec));
    check(enc != nullptr, "cannot allocate the encoder (out of memory?)", where);
    const AVRational rate = av_d2q(fps, 100000);
    enc->width = w;
    enc->height = h;
    enc->pix_fmt = AV_PIX_FMT_PAL8;
    enc->time_base = av_inv_q(rate);
    enc->framerate = rate;
    if (out.wants_global_header()) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    // No cropping to the changed rectangle and no transparency diffing (see the header).
    av_opt_set_int(enc->priv_data, "gifflags", 0, 0);
    int rc = avcodec_open2(enc.get(), codec, nullptr);
    if (rc < 0) throw Error("cannot open the GIF encoder: " + av_error(rc), where);

    frame->format = AV_PIX_FMT_PAL8;
    frame->width = w;
    frame->height = h;
    rc = av_frame_get_buffer(frame.get(), 0);
    if (rc < 0) throw Error("cannot allocate a frame: " + av_error(rc), where);

    AVDictionary* mux = nullptr;
    av_dict_set(&mux, "loop", "0", 0);  // 0: forever
    try {
      out.start(std::move(enc), &mux);
    } catch (...) {
      av_dict_free(&mux);
      throw;
    }
    av_dict_free(&mux);
  }

  void write(const Image& image) {
    const std::string& where = out.path();
    check_image(image, where);
    check(image.width == width && image.height == height,
          "frame " + std::to_string(frames) + " is " + std::to_string(image.width) + "x" +
              std::to_string(image.height) + ", the writer was opened for " +
              std::to_string(width) + "x" + std::to_string(height),
          where);
    int rc = av_frame_make_writable(frame.get());
    if (rc < 0) throw Error("cannot allocate a frame: " + av_error(rc), where);
    auto* palette = reinterpret_cast<uint32_t*>(frame->data[1]);
    for (int i = 0; i < 256; ++i) palette[i] = argb(0, 0, 0);
    if (!exact_palette(image, frame->data[0], frame->linesize[0], palette))
      cube_palette(image, frame->data[0], frame->linesize[0], palette);
    frame->pts = frames;
    out.encode(frame.get());
    ++frames;
  }
};

GifWriter::GifWriter(std::string path, int width, int height, double fps)
    : impl_(std::make_unique<Impl>(std::move(path), width, height, fps)) {}

GifWriter::~GifWriter() = default;
GifWriter::GifWriter(GifWriter&&) noexcept = default;
GifWriter& GifWriter::operator=(GifWriter&&) noexcept = default;

void GifWriter::write(const Image& frame) {
  check(impl_ != nullptr, "write to a moved-from GifWriter");
  impl_->write(frame);
}

void GifWriter::close() {
  check(impl_ != nullptr, "close of a moved-from GifWriter");
  impl_->out.finish();
}

int GifWriter::frames_written() const { return impl_ ? impl_->frames : 0; }

}  // namespace nc::video
