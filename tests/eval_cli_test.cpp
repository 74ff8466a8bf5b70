// nc eval end to end: reference shards written with data::ShardWriter, predictions as a PNG
// folder, an MP4 and a GIF; the JSON and markdown it writes; LPIPS/FVD through TorchScript
// stand-ins; the arithmetic probe on rendered REPL frames; errors.
#include <gtest/gtest.h>

#include <ATen/ops/from_blob.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>
#include <torch/csrc/jit/api/module.h>

#include "nc/core/file_util.h"
#include "nc/data/shard.h"
#include "nc/eval/cursor_accuracy.h"
#include "nc/video/gif_writer.h"
#include "nc/video/mp4_writer.h"
#include "nc/video/png.h"
#include "test_util.h"
#ifdef NC_WITH_TERM
#include "nc/term/renderer.h"
#endif

namespace nc {
namespace {

using Json = nlohmann::json;
using test::run_nc;

// A desktop-like frame: gradient, windows, stripes.
Image desktop(int w, int h, int seed) {
  Image img(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.pixel(x, y);
      p[0] = static_cast<uint8_t>(40 + 80 * x / w);
      p[1] = static_cast<uint8_t>(60 + 60 * y / h);
      p[2] = static_cast<uint8_t>(140 + seed);
    }
  for (int y = 100; y < 200; ++y)
    for (int x = 300; x < 460; ++x) std::fill_n(img.pixel(x, y), 3, static_cast<uint8_t>((y / 4) % 2 ? 230 : 30));
  return img;
}

// Frames of a terminal session typed one command per frame, with their text buffers.
struct Session {
  std::vector<Image> frames;
  std::vector<std::vector<std::string>> text;
};
#ifdef NC_WITH_TERM
Session terminal_session(const std::vector<std::string>& chunks) {
  term::Renderer r(term::RenderOptions{});
  term::Screen s(40, 6);
  Session out;
  for (const auto& c : chunks) {
    s.feed(c);
    out.frames.push_back(r.render(s));
    out.text.push_back(s.text());
  }
  return out;
}
#endif

// A GUI-like clip: 8 frames 512x384 at 15 fps, the arrow drawn at the logged positions, one
// key event at 0.2 s (frame 3: the window is frames 4..7).
data::Clip gui_clip(const std::string& id) {
  data::Clip clip;
  clip.id = id;
  clip.fps = 15;
  const eval::CursorSprite arrow = eval::arrow_sprite(15);  // 30 px on 1024x768, at scale 0.5
  std::vector<float> pos;
  for (int t = 0; t < 8; ++t) {
    Image f = desktop(512, 384, t);
    const int x = 60 + 30 * t, y = 50 + 20 * t;
    eval::draw_sprite(f, arrow, x, y);
    clip.frames.push_back(f);
    pos.push_back(static_cast<float>(x));
    pos.push_back(static_cast<float>(y));
  }
  clip.tensors["cursor"] = at::tensor(pos, at::kFloat).view({8, 2});
  clip.events.push_back({0.2, 'k', "Return"});
  clip.info["source"] = "gui";
  return clip;
}

void write_png_folder(const std::string& dir, const std::vector<Image>& frames) {
  make_dirs(dir);
  for (size_t t = 0; t < frames.size(); ++t) {
    char name[32];
    std::snprintf(name, sizeof name, "/%04zu.png", t);
    video::write_png(dir + name, frames[t]);
  }
}

void write_mp4(const std::string& path, const std::vector<Image>& frames) {
  video::Mp4Writer w(path, frames[0].width, frames[0].height);
  for (const auto& f : frames) w.write(f);
  w.close();
}

void save_fake_networks(const test::TempDir& dir) {
  torch::jit::Module lpips("FakeLpips");
  lpips.define(R"(
def forward(self, x, y):
    return (x - y).abs().mean([1, 2, 3], keepdim=True)
)");
  lpips.save(dir.file("lpips.pt"));
  torch::jit::Module r3d("FakeR3d");
  r3d.define(R"(
def forward(self, x):
    return x.mean([2, 3, 4])
)");
  r3d.save(dir.file("r3d.pt"));
}

#ifdef NC_WITH_TERM
TEST(CliEval, PairsScoresAndReports) {
  test::TempDir dir;
  // References: a terminal clip with text buffers, a GUI clip, and one nobody predicted.
  // The cursor hidden: Tesseract reads a block cursor as a letter.
  Session term = terminal_session(
      {"\x1b[?25l$ ", "echo hello", "\r\nhello\r\n$ ", "ls /tmp", "\r\nfile.txt\r\n$ "});
  data::Clip a;
  a.id = "a";
  a.fps = 15;
  a.frames = term.frames;
  a.text = term.text;
  data::Clip d = gui_clip("d");
  {
    data::ShardWriter w(dir.file("ref.ncshard"));
    w.add(a);
    w.add(gui_clip("b"));
    w.add(d);
    w.finish();
  }
  // Predictions: a as PNG frames (identical), b as MP4 (lossy), c as a GIF nobody referenced.
  const std::string pred = dir.file("pred");
  write_png_folder(pred + "/a", term.frames);
  write_mp4(pred + "/b.mp4", gui_clip("b").frames);
  {
    video::GifWriter g(pred + "/c.gif", 32, 32, 10);
    g.write(Image(32, 32));
    g.close();
  }

  auto r = run_nc({"eval", "--pred", pred, "--ref", dir.file("ref.ncshard"), "--out", dir.file("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| PSNR (dB) |"), std::string::npos) << r.out;
  const Json doc = Json::parse(read_file(dir.file("out/eval.json")));
  EXPECT_TRUE(file_exists(dir.file("out/eval.md")));
  EXPECT_TRUE(file_exists(dir.file("out/config.yaml")));
  EXPECT_EQ(doc["pairing"]["matched"], 2);
  EXPECT_EQ(doc["pairing"]["unmatched_pred"], Json::array({"c"}));
  EXPECT_EQ(doc["pairing"]["unmatched_ref"], Json::array({"d"}));
  ASSERT_EQ(doc["clips"].size(), 2u);
  const Json& ca = doc["clips"][0];
  const Json& cb = doc["clips"][1];
  EXPECT_EQ(ca["id"], "a");
  EXPECT_EQ(ca["frames"], 5);
  EXPECT_DOUBLE_EQ(ca["psnr"].get<double>(), 100.0);  // identical: the cap
  EXPECT_NEAR(ca["ssim"].get<double>(), 1.0, 1e-6);
  EXPECT_EQ(ca["per_frame"]["psnr"].size(), 5u);
  // OCR of the identical rendering against its text buffers: K = 5 of 5 frames.
  ASSERT_TRUE(ca.contains("ocr")) << ca.dump();
  EXPECT_EQ(ca["ocr"]["frames"].size(), 5u);
  EXPECT_GE(ca["ocr"]["char_acc"].get<double>(), 0.9) << ca["ocr"].dump();
  EXPECT_NEAR(ca["global"]["ssim_all"].get<double>(), 1.0, 1e-6);
  EXPECT_EQ(ca["global"]["frames"], 1);  // 5 frames at 15 fps seen at 3 fps: frame 0 only (1/3 s = frame 5)
  EXPECT_EQ(ca["actions"]["excluded"], "no actions");
  EXPECT_FALSE(ca.contains("cursor"));
  // The GUI clip: lossy but close, cursor found where logged, a window after the key event.
  EXPECT_GT(cb["psnr"].get<double>(), 30);
  EXPECT_GT(cb["ssim"].get<double>(), 0.9);
  EXPECT_FALSE(cb.contains("ocr"));  // no text buffers
  EXPECT_EQ(cb["global"]["size"], Json::array({341, 256}));
  EXPECT_EQ(cb["global"]["frames"], 2);  // 0 and 5
  EXPECT_EQ(cb["cursor"]["frames"], 8);
  EXPECT_DOUBLE_EQ(cb["cursor"]["tolerance_px"].get<double>(), 4.0);
  EXPECT_GE(cb["cursor"]["accuracy"].get<double>(), 7.0 / 8) << cb["cursor"].dump();
  EXPECT_EQ(cb["actions"]["action_frames"], Json::array({3}));
  EXPECT_EQ(cb["actions"]["window_frames"], Json::array({4, 5, 6, 7}));
  EXPECT_GT(cb["actions"]["ssim_15"].get<double>(), 0.9);
  // Overall: means over the clips that have each metric; LPIPS/FVD unavailable, not estimated.
  const Json& o = doc["overall"];
  EXPECT_NEAR(o["psnr"].get<double>(), (100.0 + cb["psnr"].get<double>()) / 2, 1e-9);
  EXPECT_EQ(doc["clips_per_metric"]["ocr_char_acc"], 1);
  EXPECT_TRUE(o["lpips_all"].is_null());
  EXPECT_EQ(o["lpips_status"], "unavailable: no weights supplied (--lpips-weights)");
  EXPECT_TRUE(o["fvd_all"].is_null());
  EXPECT_EQ(o["fvd_status"], "unavailable: no weights supplied (--fvd-weights)");
  EXPECT_EQ(doc["clips_per_metric"]["cursor_accuracy"], 1);
  EXPECT_EQ(doc["clips_per_metric"]["ssim_15"], 1);
  EXPECT_EQ(doc["clips_per_metric"]["actions_excluded"], 1);
  EXPECT_TRUE(doc["timing"]["ocr_seconds_per_clip"].is_number());
  EXPECT_TRUE(doc["timing"]["stages"]["cursor"].is_number());

  // With (stand-in) LPIPS and FVD networks, a subset of metrics, a skipped first frame.
  save_fake_networks(dir);
  r = run_nc({"eval", "--pred", pred, "--ref", dir.file("ref.ncshard"), "--out", dir.file("out2"), "--metrics",
              "psnr,global,lpips,fvd,actions", "--lpips-weights", dir.file("lpips.pt"), "--fvd-weights",
              dir.file("r3d.pt"), "--set", "eval.skip_frames=1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json doc2 = Json::parse(read_file(dir.file("out2/eval.json")));
  const Json& o2 = doc2["overall"];
  EXPECT_FALSE(o2.contains("ssim"));
  EXPECT_FALSE(o2.contains("ocr_char_acc"));
  EXPECT_EQ(o2["lpips_status"], "ok");
  EXPECT_NEAR(doc2["clips"][0]["global"]["lpips_all"].get<double>(), 0.0, 1e-9);  // identical frames
  EXPECT_TRUE(o2["lpips_all"].is_number());
  EXPECT_TRUE(o2["lpips_15"].is_number());
  EXPECT_TRUE(o2["fvd_all"].is_number()) << o2.dump();
  EXPECT_GE(o2["fvd_all"].get<double>(), 0.0);
  EXPECT_EQ(doc2["clips_per_metric"]["fvd_all"], 2);
  EXPECT_TRUE(o2["fvd_15"].is_null());  // one clip has actions: no covariance
  EXPECT_NE(o2["fvd_15_status"].get<std::string>().find("at least 2"), std::string::npos);
  EXPECT_EQ(doc2["clips"][0]["per_frame"]["psnr"].size(), 4u);
  EXPECT_EQ(doc2["clips"][0]["per_frame"]["first"], 1);
}

TEST(CliEval, ArithmeticProbeWithAndWithoutReprompt) {
  test::TempDir dir;
  test::write_text(dir.file("pool.json"), R"([
    {"id": "p1", "expr": "2345+6789", "answer": 9134, "category": "quadruple_digit_add"},
    {"id": "p2", "expr": "17*23", "answer": 391, "category": "double_digit_mul"},
    {"id": "p3", "expr": "9-100", "answer": -91, "category": "mixed"}])");
  auto repl = [](const std::string& expr, const std::string& shown) {
    return terminal_session({"> python\r\n>>> ", expr + "\r\n" + shown + "\r\n>>> "}).frames;
  };
  // Plain: p1 right, p2 wrong; p3 missing. Reprompted: all three right.
  write_png_folder(dir.file("plain/p1"), repl("2345+6789", "9134"));
  write_png_folder(dir.file("plain/p2"), repl("17*23", "381"));
  write_png_folder(dir.file("re/p1"), repl("2345+6789", "9134"));
  write_png_folder(dir.file("re/p2"), repl("17*23", "391"));
  write_png_folder(dir.file("re/p3"), repl("9-100", "-91"));
  auto r = run_nc({"eval", "--pred", dir.file("plain"), "--pred-reprompt", dir.file("re"), "--pool",
                   dir.file("pool.json"), "--out", dir.file("out")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json doc = Json::parse(read_file(dir.file("out/eval.json")));
  const Json& a = doc["arithmetic"];
  EXPECT_EQ(a["sample"], 3);
  EXPECT_EQ(a["plain"]["n"], 2);
  EXPECT_EQ(a["plain"]["missing"], Json::array({"p3"}));
  EXPECT_DOUBLE_EQ(a["plain"]["accuracy"].get<double>(), 0.5) << a["plain"].dump();
  EXPECT_EQ(a["plain"]["problems"][1]["read"], "381");
  EXPECT_DOUBLE_EQ(a["reprompt"]["accuracy"].get<double>(), 1.0) << a["reprompt"].dump();
  EXPECT_DOUBLE_EQ(doc["overall"]["arithmetic_reprompt_accuracy"].get<double>(), 1.0);
  EXPECT_NE(r.out.find("Arithmetic probe"), std::string::npos);
}
#endif

TEST(CliEval, ErrorsAreOneLine) {
  test::TempDir dir;
  auto r = run_nc({"eval", "--pred", dir.file("missing"), "--ref", dir.file("x.ncshard"), "--out", dir.file("o")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no such folder of predictions"), std::string::npos) << r.err;

  make_dirs(dir.file("pred"));
  write_png_folder(dir.file("pred/other"), {Image(16, 16)});
  {
    data::ShardWriter w(dir.file("ref.ncshard"));
    data::Clip c;
    c.id = "clip";
    c.frames = {Image(16, 16)};
    w.add(c);
    w.finish();
  }
  r = run_nc({"eval", "--pred", dir.file("pred"), "--ref", dir.file("ref.ncshard"), "--out", dir.file("o")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no prediction matches a reference clip id"), std::string::npos) << r.err;

  r = run_nc({"eval", "--pred", dir.file("pred"), "--ref", dir.file("ref.ncshard"), "--out", dir.file("o"),
              "--metrics", "psnr,sharpness"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("eval.metrics"), std::string::npos) << r.err;

  r = run_nc({"eval", "--pred", dir.file("pred"), "--out", dir.file("o")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nothing to compare with"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nc
