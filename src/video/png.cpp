#include "nc/video/png.h"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <vector>

#include "frame_check.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"

// libpng reports errors through a callback that must not return. Throwing from it would unwind
// C++ exceptions through C frames, so it records the message and longjmps back to a setjmp in
// one of the small functions below. Those functions hold only trivially destructible locals and
// do nothing but libpng calls: a longjmp skips no destructor. Everything that owns memory lives
// in their callers.

namespace nc::video {
namespace {

// A header claiming more pixels than this is refused before anything is allocated (1 GiB of
// RGBA): a corrupt or hostile file must not make us allocate what its data cannot fill.
constexpr uint64_t kMaxPixels = uint64_t{1} << 28;

struct PngIo {
  const unsigned char* data = nullptr;  // reading
  size_t size = 0, pos = 0;
  std::string* out = nullptr;  // writing
  char message[256] = {};
};

void on_error(png_structp png, png_const_charp msg) {
  auto* io = static_cast<PngIo*>(png_get_error_ptr(png));
  std::snprintf(io->message, sizeof io->message, "%s", msg ? msg : "unknown libpng error");
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // benign (bad gamma, unknown chunks)

void read_bytes(png_structp png, png_bytep dst, size_t n) {
  auto* io = static_cast<PngIo*>(png_get_io_ptr(png));
  if (io->size - io->pos < n) png_error(png, "truncated PNG data");
  std::memcpy(dst, io->data + io->pos, n);
  io->pos += n;
}

void write_bytes(png_structp png, png_bytep src, size_t n) {
  auto* io = static_cast<PngIo*>(png_get_io_ptr(png));
  bool ok = true;
  try {
    io->out->append(reinterpret_cast<const char*>(src), n);
  } catch (...) {
    ok = false;
  }
  if (!ok) png_error(png, "out of memory");
}

void flush_bytes(png_structp) {}

struct Header {
  png_uint_32 width = 0, height = 0;
  size_t rowbytes = 0;
  int channels = 0;
};

// Reads the header and sets the transforms to 8-bit RGBA. False on a libpng error.
bool read_header(png_structp png, png_infop info, Header* h) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  const int color = png_get_color_type(png, info);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8)
    png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  png_set_scale_16(png);
  if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
  if (!(color & PNG_COLOR_MASK_ALPHA) && !png_get_valid(png, info, PNG_INFO_tRNS))
    png_set_filler(png, 0xff, PNG_FILLER_AFTER);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  h->width = png_get_image_width(png, info);
  h->height = png_get_image_height(png, info);
  h->rowbytes = png_get_rowbytes(png, info);
  h->channels = png_get_channels(png, info);
  return true;
}

bool read_rows(png_structp png, png_infop info, png_bytep* rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  png_read_end(png, nullptr);
  return true;
}

bool write_all(png_structp png, png_infop info, png_uint_32 w, png_uint_32 h, png_bytep* rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

class ReadStruct {
 public:
  explicit ReadStruct(PngIo* io) {
    png_ = png_create_read_struct(PNG_LIBPNG_VER_STRING, io, on_error, on_warning);
    if (png_) info_ = png_create_info_struct(png_);
  }
  ~ReadStruct() { png_destroy_read_struct(&png_, info_ ? &info_ : nullptr, nullptr); }
  ReadStruct(const ReadStruct&) = delete;
  ReadStruct& operator=(const ReadStruct&) = delete;
  png_structp png() const { return png_; }
  png_infop info() const { return info_; }

 private:
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

class WriteStruct {
 public:
  explicit WriteStruct(PngIo* io) {
    png_ = png_create_write_struct(PNG_LIBPNG_VER_STRING, io, on_error, on_warning);
    if (png_) info_ = png_create_info_struct(png_);
  }
  ~WriteStruct() { png_destroy_write_struct(&png_, info_ ? &info_ : nullptr); }
  WriteStruct(const WriteStruct&) = delete;
  WriteStruct& operator=(const WriteStruct&) = delete;
  png_structp png() const { return png_; }
  png_infop info() const { return info_; }

 private:
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

}  // namespace

Image decode_png(std::string_view bytes, const std::string& name_for_errors) {
  const std::string& where = name_for_errors;
  check(bytes.size() >= 8 &&
            png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) == 0,
        "not a PNG file (bad signature)", where);
  PngIo io;
  io.data = reinterpret_cast<const unsigned char*>(bytes.data());
  io.size = bytes.size();
  ReadStruct rs(&io);
  check(rs.png() && rs.info(), "cannot create a libpng reader (out of memory?)", where);
  png_set_read_fn(rs.png(), &io, read_bytes);

  Header h;
  if (!read_header(rs.png(), rs.info(), &h)) throw Error(std::string("bad PNG: ") + io.message, where);
  check(uint64_t{h.width} * h.height <= kMaxPixels,
        "PNG too large (" + std::to_string(h.width) + "x" + std::to_string(h.height) + ")", where);
  check(h.channels == 4 && h.rowbytes == size_t{h.width} * 4,
        "unexpected PNG layout after conversion", where, "please report this file");

  std::vector<unsigned char> rgba(h.rowbytes * h.height);
  std::vector<png_bytep> rows(h.height);
  for (png_uint_32 y = 0; y < h.height; ++y) rows[y] = rgba.data() + y * h.rowbytes;
  if (!read_rows(rs.png(), rs.info(), rows.data()))
    throw Error(std::string("bad PNG: ") + io.message, where);

  Image out;
  out.width = static_cast<int>(h.width);
  out.height = static_cast<int>(h.height);
  out.rgb.resize(size_t{h.width} * h.height * 3);
  const unsigned char* s = rgba.data();
  uint8_t* d = out.rgb.data();
  for (size_t i = 0, n = size_t{h.width} * h.height; i < n; ++i, s += 4, d += 3) {
    const unsigned a = s[3];
    if (a == 255) {
      d[0] = s[0], d[1] = s[1], d[2] = s[2];
    } else {  // over black, rounded
      for (int c = 0; c < 3; ++c) d[c] = static_cast<uint8_t>((s[c] * a + 127) / 255);
    }
  }
  return out;
}

Image read_png(const std::string& path) { return decode_png(read_file(path), path); }

namespace {

std::string encode(const Image& image, const std::string& where) {
  video::detail::check_image(image, where);
  std::string out;
  PngIo io;
  io.out = &out;
  WriteStruct ws(&io);
  check(ws.png() && ws.info(), "cannot create a libpng writer (out of memory?)", where);
  png_set_write_fn(ws.png(), &io, write_bytes, flush_bytes);
  std::vector<png_bytep> rows(image.height);
  for (int y = 0; y < image.height; ++y)
    rows[y] = const_cast<png_bytep>(image.pixel(0, y));  // libpng's API is not const-correct
  if (!write_all(ws.png(), ws.info(), image.width, image.height, rows.data()))
    throw Error(std::string("PNG encoding failed: ") + io.message, where);
  return out;
}

}  // namespace

std::string encode_png(const Image& image) { return encode(image, "encode_png"); }

void write_png(const std::string& path, const Image& image) {
  write_file_atomic(path, encode(image, path));
}

}  // namespace nc::video
