// video: PNG, MP4 and GIF writers, the reader, resize and letterbox.
#include <gtest/gtest.h>

#include <png.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/video/gif_writer.h"
#include "nc/video/mp4_writer.h"
#include "nc/video/png.h"
#include "nc/video/resize.h"
#include "nc/video/video_reader.h"
#include "test_util.h"

namespace nc::video {
namespace {

Image random_image(int w, int h, uint32_t seed) {
  std::mt19937 rng(seed);
  Image im(w, h);
  for (auto& v : im.rgb) v = static_cast<uint8_t>(rng());
  return im;
}

// Black frame with a white `size` square whose top-left moves with `k`.
Image square_frame(int w, int h, int k, int size = 10) {
  Image im(w, h);
  const int x0 = (3 * k) % (w - size), y0 = (2 * k) % (h - size);
  for (int y = y0; y < y0 + size; ++y)
    for (int x = x0; x < x0 + size; ++x) {
      uint8_t* p = im.pixel(x, y);
      p[0] = p[1] = p[2] = 255;
    }
  return im;
}

// PSNR over the top-left `w` x `h` region of both images.
double psnr(const Image& a, const Image& b, int w, int h) {
  double se = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        const double d = double(a.pixel(x, y)[c]) - b.pixel(x, y)[c];
        se += d * d;
      }
  const double mse = se / (double(w) * h * 3);
  return mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

int count_files(const std::string& dir) {
  return static_cast<int>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

// The top-level box types of an MP4 file, in order.
std::vector<std::string> mp4_boxes(const std::string& bytes) {
  std::vector<std::string> types;
  size_t pos = 0;
  while (pos + 8 <= bytes.size()) {
    uint64_t size = 0;
    for (int i = 0; i < 4; ++i) size = size << 8 | static_cast<uint8_t>(bytes[pos + i]);
    types.push_back(bytes.substr(pos + 4, 4));
    if (size == 1 && pos + 16 <= bytes.size()) {  // 64-bit size follows the type
      size = 0;
      for (int i = 8; i < 16; ++i) size = size << 8 | static_cast<uint8_t>(bytes[pos + i]);
    }
    if (size < 8) break;
    pos += size;
  }
  return types;
}

// A PNG in any layout, through libpng directly (nc only writes RGB8). `rows` holds the packed
// samples as PNG stores them (big-endian for 16-bit).
std::string make_png(int w, int h, int color_type, int bit_depth, const std::vector<uint8_t>& data,
                     const std::vector<png_color>& palette = {},
                     const std::vector<uint8_t>& trns = {}, bool interlaced = false) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep d, size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<char*>(d), n);
      },
      nullptr);
  png_set_IHDR(png, info, w, h, bit_depth, color_type,
               interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!palette.empty()) png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
  if (!trns.empty()) png_set_tRNS(png, info, trns.data(), static_cast<int>(trns.size()), nullptr);
  png_write_info(png, info);
  const size_t stride = data.size() / h;
  std::vector<png_bytep> rows(h);
  for (int y = 0; y < h; ++y) rows[y] = const_cast<png_bytep>(data.data() + y * stride);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

void expect_pixel(const Image& im, int x, int y, int r, int g, int b) {
  const uint8_t* p = im.pixel(x, y);
  EXPECT_EQ(p[0], r) << "at " << x << "," << y;
  EXPECT_EQ(p[1], g) << "at " << x << "," << y;
  EXPECT_EQ(p[2], b) << "at " << x << "," << y;
}

// ---- PNG ----

TEST(Png, RoundTripIsExactIncludingOddSizes) {
  test::TempDir dir;
  const int sizes[][2] = {{1, 1}, {7, 3}, {64, 48}, {65, 49}, {3, 130}};
  uint32_t seed = 1;
  for (auto [w, h] : sizes) {
    const Image im = random_image(w, h, seed++);
    EXPECT_EQ(decode_png(encode_png(im), "mem"), im) << w << "x" << h;
    const std::string path = dir.file("f" + std::to_string(w) + ".png");
    write_png(path, im);
    EXPECT_EQ(read_png(path), im) << w << "x" << h;
  }
  EXPECT_EQ(count_files(dir.path()), 5);  // no temporaries left
}

TEST(Png, EveryLayoutBecomesRgb8) {
  // 8-bit gray.
  Image im = decode_png(make_png(2, 1, PNG_COLOR_TYPE_GRAY, 8, {0, 200}), "gray8");
  ASSERT_EQ(im.width, 2);
  expect_pixel(im, 0, 0, 0, 0, 0);
  expect_pixel(im, 1, 0, 200, 200, 200);
  // 1-bit gray: one byte holds 8 pixels.
  im = decode_png(make_png(3, 1, PNG_COLOR_TYPE_GRAY, 1, {0b10100000}), "gray1");
  expect_pixel(im, 0, 0, 255, 255, 255);
  expect_pixel(im, 1, 0, 0, 0, 0);
  expect_pixel(im, 2, 0, 255, 255, 255);
  // Gray + alpha: over black.
  im = decode_png(make_png(2, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 8, {200, 255, 200, 0}), "ga");
  expect_pixel(im, 0, 0, 200, 200, 200);
  expect_pixel(im, 1, 0, 0, 0, 0);
  // RGBA: half alpha halves (rounded).
  im = decode_png(make_png(1, 1, PNG_COLOR_TYPE_RGBA, 8, {200, 100, 51, 128}), "rgba");
  expect_pixel(im, 0, 0, 100, 50, 26);
  // 4-bit palette with a transparent entry.
  std::vector<png_color> pal = {{10, 20, 30}, {250, 0, 5}, {1, 2, 3}};
  im = decode_png(make_png(3, 1, PNG_COLOR_TYPE_PALETTE, 4, {0x01, 0x20}, pal, {255, 255, 0}),
                  "pal4");
  expect_pixel(im, 0, 0, 10, 20, 30);
  expect_pixel(im, 1, 0, 250, 0, 5);
  expect_pixel(im, 2, 0, 0, 0, 0);
  // 16-bit RGB: v * 257 reads back as v.
  im = decode_png(make_png(1, 1, PNG_COLOR_TYPE_RGB, 16, {0xff, 0xff, 0x64, 0x64, 0, 0}), "rgb16");
  expect_pixel(im, 0, 0, 255, 100, 0);
  // 16-bit gray + alpha, opaque.
  im = decode_png(make_png(1, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 16, {0x80, 0x80, 0xff, 0xff}), "ga16");
  expect_pixel(im, 0, 0, 128, 128, 128);
  // Interlaced (Adam7) RGB.
  const Image src = random_image(9, 7, 42);
  im = decode_png(make_png(9, 7, PNG_COLOR_TYPE_RGB, 8, src.rgb, {}, {}, true), "adam7");
  EXPECT_EQ(im, src);
}

TEST(Png, EveryTruncationAndByteFlipIsAnError) {
  const std::string bytes = encode_png(random_image(5, 4, 7));
  for (size_t n = 0; n < bytes.size(); ++n) {
    try {
      decode_png(std::string_view(bytes).substr(0, n), "cut.png");
      ADD_FAILURE() << "truncation to " << n << " of " << bytes.size() << " bytes decoded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cut.png"), std::string::npos) << e.what();
    }
  }
  // A flipped byte breaks a CRC, the signature or the data: never a crash.
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    try {
      decode_png(bad, "flip.png");
    } catch (const Error&) {
    }
  }
}

TEST(Png, MissingGarbageAndBadImagesNameThePath) {
  test::TempDir dir;
  try {
    read_png(dir.file("missing.png"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.png"), std::string::npos) << e.what();
  }
  test::write_text(dir.file("garbage.png"), "this is not a png at all");
  try {
    read_png(dir.file("garbage.png"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("garbage.png"), std::string::npos) << e.what();
  }
  Image broken(4, 4);
  broken.rgb.resize(5);
  EXPECT_THROW(encode_png(broken), Error);
  EXPECT_THROW(encode_png(Image()), Error);
  EXPECT_THROW(write_png(dir.file("nodir/x.png"), Image(2, 2)), Error);
}

// ---- MP4 ----

TEST(Mp4, MovingSquareRoundTrip) {
  test::TempDir dir;
  const std::string path = dir.file("square.mp4");
  std::vector<Image> frames;
  {
    Mp4Writer w(path, 64, 48);
    for (int k = 0; k < 30; ++k) {
      frames.push_back(square_frame(64, 48, k));
      w.write(frames.back());
    }
    EXPECT_FALSE(file_exists(path));  // only the temporary until close()
    w.close();
    w.close();  // a second close does nothing
    EXPECT_EQ(w.frames_written(), 30);
    EXPECT_THROW(w.write(frames[0]), Error);
  }
  EXPECT_EQ(count_files(dir.path()), 1);
  // faststart: the index (moov) before the data (mdat); the track is H.264 (an avc1 entry).
  const std::string bytes = read_file(path);
  const auto boxes = mp4_boxes(bytes);
  const auto moov = std::find(boxes.begin(), boxes.end(), "moov");
  const auto mdat = std::find(boxes.begin(), boxes.end(), "mdat");
  ASSERT_NE(moov, boxes.end());
  ASSERT_NE(mdat, boxes.end());
  EXPECT_LT(moov, mdat);
  EXPECT_NE(bytes.find("avc1"), std::string::npos);

  VideoReader r(path);
  EXPECT_EQ(r.width(), 64);
  EXPECT_EQ(r.height(), 48);
  EXPECT_NEAR(r.fps(), 15.0, 1e-9);
  EXPECT_EQ(r.frame_count_estimate(), 30);
  Image im;
  int n = 0;
  while (r.read(im)) {
    ASSERT_LT(n, 30);
    ASSERT_EQ(im.width, 64);
    ASSERT_EQ(im.height, 48);
    EXPECT_GT(psnr(im, frames[n], 64, 48), 30.0) << "frame " << n;
    EXPECT_NEAR(r.last_timestamp(), n / 15.0, 1e-6) << "frame " << n;
    ++n;
  }
  EXPECT_EQ(n, 30);
  EXPECT_FALSE(r.read(im));  // stays at the end
}

TEST(Mp4, OddSizeIsPaddedWithBlack) {
  test::TempDir dir;
  const std::string path = dir.file("odd.mp4");
  std::vector<Image> frames;
  {
    Mp4Writer w(path, 65, 49);
    for (int k = 0; k < 10; ++k) {
      // Grey background so that the black padding is distinguishable from content.
      Image f = square_frame(65, 49, k);
      for (int y = 0; y < 49; ++y)
        for (int x = 0; x < 65; ++x)
          if (f.pixel(x, y)[0] == 0) f.pixel(x, y)[0] = f.pixel(x, y)[1] = f.pixel(x, y)[2] = 128;
      frames.push_back(f);
      w.write(f);
    }
    w.close();
  }
  VideoReader r(path);
  EXPECT_EQ(r.width(), 66);
  EXPECT_EQ(r.height(), 50);
  Image im;
  int n = 0;
  while (r.read(im)) {
    ASSERT_EQ(im.width, 66);
    ASSERT_EQ(im.height, 50);
    EXPECT_GT(psnr(im, frames[n], 65, 49), 30.0) << "frame " << n;
    // The padding column and row are black, give or take the codec.
    double pad = 0;
    for (int y = 0; y < 50; ++y) pad += im.pixel(65, y)[1];
    for (int x = 0; x < 66; ++x) pad += im.pixel(x, 49)[1];
    EXPECT_LT(pad / (50 + 66), 40.0) << "frame " << n;
    ++n;
  }
  EXPECT_EQ(n, 10);
}

TEST(Mp4, Mpeg4FallbackKeepsColours) {
  test::TempDir dir;
  const std::string path = dir.file("mpeg4.mp4");
  // Four flat colour quadrants: a wrong colour matrix on either side shows as a shift.
  Image f(32, 32);
  const uint8_t colours[4][3] = {{220, 30, 30}, {30, 200, 40}, {40, 50, 210}, {240, 240, 240}};
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) {
      const uint8_t* c = colours[(y / 16) * 2 + x / 16];
      std::copy(c, c + 3, f.pixel(x, y));
    }
  VideoWriterOptions o;
  o.codec = "mpeg4";
  o.fps = 10;
  {
    Mp4Writer w(path, 32, 32, o);
    for (int k = 0; k < 5; ++k) w.write(f);
    w.close();
  }
  for (const std::string& p : {path}) {
    VideoReader r(p);
    EXPECT_NEAR(r.fps(), 10.0, 1e-9);
    Image im;
    int n = 0;
    while (r.read(im)) {
      ++n;
      for (int q = 0; q < 4; ++q) {  // the centre pixel of each quadrant
        const uint8_t* px = im.pixel((q % 2) * 16 + 8, (q / 2) * 16 + 8);
        for (int c = 0; c < 3; ++c) EXPECT_NEAR(px[c], colours[q][c], 8) << "quadrant " << q;
      }
    }
    EXPECT_EQ(n, 5);
  }
  // The same colours through libx264.
  const std::string x264 = dir.file("x264.mp4");
  {
    Mp4Writer w(x264, 32, 32);
    w.write(f);
    w.close();
  }
  VideoReader r(x264);
  Image im;
  ASSERT_TRUE(r.read(im));
  for (int q = 0; q < 4; ++q) {
    const uint8_t* px = im.pixel((q % 2) * 16 + 8, (q / 2) * 16 + 8);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(px[c], colours[q][c], 8) << "quadrant " << q;
  }
}

TEST(Mp4, ErrorsAreClearAndLeaveNoFile) {
  test::TempDir dir;
  const std::string path = dir.file("e.mp4");
  VideoWriterOptions o;
  o.codec = "no-such-codec";
  try {
    Mp4Writer w(path, 16, 16, o);
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("e.mp4"), std::string::npos) << msg;
    EXPECT_NE(msg.find("no-such-codec"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mpeg4"), std::string::npos) << msg;  // the list of what works
  }
  o = {};
  o.preset = "no-such-preset";
  EXPECT_THROW(Mp4Writer(path, 16, 16, o), Error);
  EXPECT_THROW(Mp4Writer(path, 0, 16), Error);
  o = {};
  o.fps = 0;
  EXPECT_THROW(Mp4Writer(path, 16, 16, o), Error);
  EXPECT_THROW(Mp4Writer(dir.file("nodir/x.mp4"), 16, 16), Error);
  {
    Mp4Writer w(path, 16, 16);
    EXPECT_THROW(w.write(Image(16, 15)), Error);
    w.write(Image(16, 16));
    w.write(Image(16, 16));
  }  // destroyed without close(): nothing stays
  EXPECT_EQ(count_files(dir.path()), 0);
}

// ---- GIF ----

TEST(Gif, FewColoursRoundTripExactly) {
  test::TempDir dir;
  const std::string path = dir.file("anim.gif");
  std::vector<Image> frames;
  {
    GifWriter w(path, 37, 23, 15);
    for (int k = 0; k < 12; ++k) {
      // Each frame has its own colours, so the palettes differ between frames.
      Image f(37, 23, static_cast<uint8_t>(10 * k), 40, 200);
      for (int y = 0; y < 23; ++y)
        for (int x = 0; x < 37; ++x)
          if ((x + k) % 9 < 3) std::fill_n(f.pixel(x, y), 3, static_cast<uint8_t>(255 - 7 * k));
      const Image sq = square_frame(37, 23, k, 5);
      for (size_t i = 0; i < f.rgb.size(); ++i)
        if (sq.rgb[i] == 255) f.rgb[i] = static_cast<uint8_t>(k * 13);
      frames.push_back(f);
      w.write(f);
    }
    w.close();
    EXPECT_EQ(w.frames_written(), 12);
  }
  EXPECT_EQ(count_files(dir.path()), 1);
  VideoReader r(path);
  EXPECT_EQ(r.width(), 37);
  EXPECT_EQ(r.height(), 23);
  Image im;
  int n = 0;
  while (r.read(im)) {
    ASSERT_LT(n, 12);
    EXPECT_EQ(im, frames[n]) << "frame " << n;
    EXPECT_NEAR(r.last_timestamp(), std::round(100.0 * n / 15) / 100, 1e-9) << "frame " << n;
    ++n;
  }
  EXPECT_EQ(n, 12);
}

TEST(Gif, ManyColoursAreApproximate) {
  test::TempDir dir;
  const std::string path = dir.file("noise.gif");
  std::vector<Image> frames;
  {
    GifWriter w(path, 40, 30, 10);
    for (int k = 0; k < 3; ++k) {
      frames.push_back(random_image(40, 30, 100 + k));
      w.write(frames.back());
    }
    w.close();
  }
  VideoReader r(path);
  Image im;
  int n = 0;
  while (r.read(im)) {
    ASSERT_EQ(im.rgb.size(), frames[n].rgb.size());
    int worst = 0;
    for (size_t i = 0; i < im.rgb.size(); ++i)
      worst = std::max(worst, std::abs(int(im.rgb[i]) - frames[n].rgb[i]));
    EXPECT_LE(worst, 26) << "frame " << n;
    ++n;
  }
  EXPECT_EQ(n, 3);
}

TEST(Gif, DestroyedWithoutCloseLeavesNothing) {
  test::TempDir dir;
  {
    GifWriter w(dir.file("x.gif"), 8, 8);
    w.write(Image(8, 8, 1, 2, 3));
    EXPECT_THROW(w.write(Image(9, 8)), Error);
  }
  EXPECT_EQ(count_files(dir.path()), 0);
  EXPECT_THROW(GifWriter(dir.file("y.gif"), 70000, 8), Error);
  EXPECT_THROW(GifWriter(dir.file("y.gif"), 8, 8, -1), Error);
}

// ---- reader errors ----

TEST(VideoReaderErrors, MissingGarbageAndTruncatedFiles) {
  test::TempDir dir;
  for (const std::string name : {"missing.mp4", "garbage.mp4"}) {
    if (name == "garbage.mp4") {
      const Image noise = random_image(30, 30, 3);
      test::write_text(dir.file(name), std::string(noise.rgb.begin(), noise.rgb.end()));
    }
    try {
      VideoReader r(dir.file(name));
      FAIL() << name << " opened";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  // Truncated files: an nc::Error or fewer frames, never a crash.
  const std::string good = dir.file("good.mp4");
  {
    Mp4Writer w(good, 32, 32);
    for (int k = 0; k < 10; ++k) w.write(square_frame(32, 32, k, 6));
    w.close();
  }
  const std::string bytes = read_file(good);
  for (size_t len : {size_t{0}, size_t{16}, size_t{200}, bytes.size() / 2, bytes.size() - 10}) {
    const std::string cut = dir.file("cut.mp4");
    write_file_atomic(cut, std::string_view(bytes).substr(0, len));
    try {
      VideoReader r(cut);
      Image im;
      int n = 0;
      while (r.read(im)) ++n;
      EXPECT_LE(n, 10);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cut.mp4"), std::string::npos) << e.what();
    }
  }
}

// ---- resize and letterbox ----

TEST(Resize, LetterboxGeometry) {
  LetterboxGeometry g = letterbox_geometry(1024, 768, 640, 384);
  EXPECT_DOUBLE_EQ(g.scale, 0.5);
  EXPECT_EQ(g.pad_x, 64);
  EXPECT_EQ(g.pad_y, 0);
  EXPECT_EQ(g.content_w, 512);
  EXPECT_EQ(g.content_h, 384);

  g = letterbox_geometry(768, 1024, 640, 384);  // portrait into landscape
  EXPECT_DOUBLE_EQ(g.scale, 0.375);
  EXPECT_EQ(g.content_w, 288);
  EXPECT_EQ(g.content_h, 384);
  EXPECT_EQ(g.pad_x, 176);
  EXPECT_EQ(g.pad_y, 0);

  g = letterbox_geometry(1920, 1080, 832, 480);  // wide into 480p-class: bars top and bottom
  EXPECT_DOUBLE_EQ(g.scale, 832.0 / 1920);
  EXPECT_EQ(g.content_w, 832);
  EXPECT_EQ(g.content_h, 468);
  EXPECT_EQ(g.pad_x, 0);
  EXPECT_EQ(g.pad_y, 6);

  g = letterbox_geometry(640, 480, 320, 240);  // same aspect: no padding
  EXPECT_EQ(g.pad_x, 0);
  EXPECT_EQ(g.pad_y, 0);
  EXPECT_EQ(g.content_w, 320);

  EXPECT_THROW(letterbox_geometry(0, 10, 10, 10), Error);
  EXPECT_THROW(letterbox_geometry(10, 10, 10, -1), Error);
}

TEST(Resize, ConstantStaysConstant) {
  const Image c(97, 53, 17, 130, 255);
  const int sizes[][2] = {{31, 17}, {200, 111}, {13, 120}, {97, 53}, {1, 1}};
  for (auto [w, h] : sizes) {
    const Image out = resize_area(c, w, h);
    EXPECT_EQ(out, Image(w, h, 17, 130, 255)) << w << "x" << h;
  }
  LetterboxGeometry g;
  const Image lb = letterbox(c, 64, 64, 1, 2, 3, &g);
  EXPECT_EQ(g.content_w, 64);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) {
      const bool inside = y >= g.pad_y && y < g.pad_y + g.content_h;
      if (inside)
        expect_pixel(lb, x, y, 17, 130, 255);
      else
        expect_pixel(lb, x, y, 1, 2, 3);
    }
}

TEST(Resize, AreaAverageIsTheMean) {
  Image checker(2, 2);
  const uint8_t v[4] = {10, 20, 30, 44};
  for (int i = 0; i < 4; ++i) std::fill_n(checker.rgb.data() + 3 * i, 3, v[i]);
  Image one = resize_area(checker, 1, 1);
  expect_pixel(one, 0, 0, 26, 26, 26);  // (10 + 20 + 30 + 44) / 4 = 26

  Image bw(2, 2);
  std::fill_n(bw.pixel(0, 0), 3, 255);
  std::fill_n(bw.pixel(1, 1), 3, 255);
  one = resize_area(bw, 1, 1);
  EXPECT_NEAR(one.pixel(0, 0)[0], 127.5, 0.5);

  // A 2x downscale is the 2x2 block mean, rounded.
  const Image src = random_image(20, 14, 9);
  const Image half = resize_area(src, 10, 7);
  for (int y = 0; y < 7; ++y)
    for (int x = 0; x < 10; ++x)
      for (int c = 0; c < 3; ++c) {
        const double mean = (src.pixel(2 * x, 2 * y)[c] + src.pixel(2 * x + 1, 2 * y)[c] +
                             src.pixel(2 * x, 2 * y + 1)[c] + src.pixel(2 * x + 1, 2 * y + 1)[c]) /
                            4.0;
        EXPECT_NEAR(half.pixel(x, y)[c], mean, 0.5 + 1e-3);
      }
}

TEST(Resize, BilinearUpscaleAndLetterboxContent) {
  // A horizontal ramp 0, 100 upscaled to 4 wide: centres at -0.25, 0.25, 0.75, 1.25 -> clamped.
  Image ramp(2, 1);
  std::fill_n(ramp.pixel(1, 0), 3, 100);
  const Image up = resize_area(ramp, 4, 1);
  EXPECT_EQ(up.pixel(0, 0)[0], 0);
  EXPECT_EQ(up.pixel(1, 0)[0], 25);
  EXPECT_EQ(up.pixel(2, 0)[0], 75);
  EXPECT_EQ(up.pixel(3, 0)[0], 100);

  const Image src = random_image(40, 30, 5);
  LetterboxGeometry g;
  const Image lb = letterbox(src, 40, 40, 9, 9, 9, &g);
  EXPECT_EQ(g.pad_y, 5);
  EXPECT_DOUBLE_EQ(g.scale, 1.0);
  for (int y = 0; y < 30; ++y)  // scale 1: the source copied as is
    for (int x = 0; x < 40; ++x)
      for (int c = 0; c < 3; ++c) ASSERT_EQ(lb.pixel(x, y + 5)[c], src.pixel(x, y)[c]);
  expect_pixel(lb, 0, 0, 9, 9, 9);
  expect_pixel(lb, 39, 39, 9, 9, 9);

  EXPECT_THROW(resize_area(src, 0, 5), Error);
  EXPECT_THROW(resize_area(Image(), 5, 5), Error);
}

}  // namespace
}  // namespace nc::video
