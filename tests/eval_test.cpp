// eval: every metric against hand-computed values or an independent naive implementation:
// PSNR of known images, SSIM (identical, constant, shifted against a double loop), the
// Fréchet distance of known Gaussians, OCR clip scores, the arithmetic answer reader and
// sample, the cursor locator on synthetic frames, action windows on known events, frame
// selection, and the TorchScript LPIPS/FVD wrappers on modules defined here.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include <ATen/Context.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/full.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/roll.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>
#include <ATen/TensorOperators.h>
#include <torch/csrc/jit/api/module.h>

#include "nc/core/error.h"
#include "nc/eval/action_windows.h"
#include "nc/eval/arithmetic_probe.h"
#include "nc/eval/cursor_accuracy.h"
#include "nc/eval/frames.h"
#include "nc/eval/frechet.h"
#include "nc/eval/fvd.h"
#include "nc/eval/lpips.h"
#include "nc/eval/ocr_eval.h"
#include "nc/eval/psnr_ssim.h"
#include "nc/eval/report.h"
#include "test_util.h"

namespace nc::eval {
namespace {

at::Tensor constant_frames(int64_t t, int64_t h, int64_t w, double value) {
  return at::full({t, 3, h, w}, value, at::kDouble);
}

// ---- PSNR ------------------------------------------------------------------------------------

TEST(EvalPsnr, KnownImages) {
  // uint8 100 vs 110 everywhere: MSE = (10/255)^2, PSNR = 10 log10(255^2 / 100).
  at::Tensor a = constant_frames(1, 8, 8, 100 / 255.0), b = constant_frames(1, 8, 8, 110 / 255.0);
  EXPECT_NEAR(psnr(a, b)[0].item<double>(), 28.130803608679106, 1e-5);
  // Half the pixels differ by 20: MSE = 0.5 (20/255)^2 -> 10 log10(255^2 / 200).
  at::Tensor c = a.clone();
  c.slice(2, 0, 4).add_(20 / 255.0);
  EXPECT_NEAR(psnr(a, c)[0].item<double>(), 25.120503652039293, 1e-5);
  // Identical frames: infinite, reported as the cap; per frame.
  at::Tensor two = at::cat({a, b});
  at::Tensor v = psnr(two, at::cat({a, a}), 1.0, 100);
  EXPECT_DOUBLE_EQ(v[0].item<double>(), 100);
  EXPECT_NEAR(v[1].item<double>(), 28.130803608679106, 1e-5);
  // On the 0..255 scale with data_range 255: the same number.
  EXPECT_NEAR(psnr(a * 255, b * 255, 255.0)[0].item<double>(), 28.130803608679106, 1e-4);
  EXPECT_THROW(psnr(a, constant_frames(1, 8, 9, 0)), Error);

  // The uint8 path: exact integer squared error, the same numbers.
  at::Tensor u = at::full({2, 8, 8, 3}, 100, at::kByte), v8 = u.clone();
  v8[1].fill_(110);
  at::Tensor p8 = psnr_u8(u, v8);
  EXPECT_DOUBLE_EQ(p8[0].item<double>(), 100);
  EXPECT_NEAR(p8[1].item<double>(), 28.130803608679106, 1e-12);
}

// ---- SSIM ------------------------------------------------------------------------------------

// torchmetrics' definition written out naively: the 2-D Gaussian window at every position
// whose window lies inside the image, double precision.
double naive_ssim(const at::Tensor& x, const at::Tensor& y) {  // [3, H, W]
  const int k = 11;
  const double sigma = 1.5, c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  std::vector<double> g(k);
  double sum = 0;
  for (int i = 0; i < k; ++i) sum += g[i] = std::exp(-std::pow(i - 5, 2) / (2 * sigma * sigma));
  for (auto& v : g) v /= sum;
  at::Tensor xd = x.to(at::kDouble).contiguous(), yd = y.to(at::kDouble).contiguous();
  const int64_t C = x.size(0), H = x.size(1), W = x.size(2);
  auto X = xd.accessor<double, 3>();
  auto Y = yd.accessor<double, 3>();
  double total = 0;
  int64_t n = 0;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = 0; i + k <= H; ++i)
      for (int64_t j = 0; j + k <= W; ++j) {
        double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
        for (int u = 0; u < k; ++u)
          for (int v = 0; v < k; ++v) {
            const double w = g[u] * g[v], a = X[c][i + u][j + v], b = Y[c][i + u][j + v];
            mx += w * a;
            my += w * b;
            xx += w * a * a;
            yy += w * b * b;
            xy += w * a * b;
          }
        const double sx = xx - mx * mx, sy = yy - my * my, sxy = xy - mx * my;
        total += ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sx + sy + c2));
        ++n;
      }
  return total / n;
}

TEST(EvalSsim, GaussianWindow) {
  at::Tensor g = gaussian_window(11, 1.5);
  EXPECT_NEAR(g.sum().item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(g[6].item<double>() / g[5].item<double>(), std::exp(-1 / (2 * 2.25)), 1e-12);
  EXPECT_NEAR(g[0].item<double>(), g[10].item<double>(), 1e-15);
}

TEST(EvalSsim, IdenticalConstantAndShifted) {
  at::manual_seed(3);
  at::Tensor img = at::rand({2, 3, 24, 20});
  at::Tensor v = ssim(img, img);
  EXPECT_NEAR(v[0].item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(v[1].item<double>(), 1.0, 1e-12);
  // Constant images a, b: variances vanish, SSIM = (2ab + C1) / (a^2 + b^2 + C1).
  EXPECT_NEAR(ssim(constant_frames(1, 16, 16, 0.5), constant_frames(1, 16, 16, 0.6))[0].item<double>(),
              0.9836092443861661, 1e-9);
  // Shifted by one pixel (and by three): the naive double loop.
  for (int64_t shift : {1, 3}) {
    at::Tensor moved = at::roll(img, {shift}, {3});
    at::Tensor s = ssim(img, moved);
    for (int t = 0; t < 2; ++t) EXPECT_NEAR(s[t].item<double>(), naive_ssim(img[t], moved[t]), 1e-12) << shift;
    EXPECT_LT(s[0].item<double>(), 0.5);  // uniform noise shifted decorrelates
  }
  // A smooth image shifted stays similar; symmetric in its arguments.
  at::Tensor ramp = at::arange(20, at::kFloat).div(20).view({1, 1, 1, 20}).expand({1, 3, 24, 20}).contiguous();
  at::Tensor ramp_moved = at::roll(ramp, {1}, {3});
  EXPECT_NEAR(ssim(ramp, ramp_moved)[0].item<double>(), naive_ssim(ramp[0], ramp_moved[0]), 1e-12);
  EXPECT_NEAR(ssim(ramp, ramp_moved)[0].item<double>(), ssim(ramp_moved, ramp)[0].item<double>(), 1e-12);
  EXPECT_THROW(ssim(constant_frames(1, 8, 8, 0), constant_frames(1, 8, 8, 0)), Error);  // smaller than the window

  // uint8 frames [T, H, W, 3]: the float result on value / 255.
  at::Tensor u8 = at::randint(0, 256, {2, 24, 20, 3}, at::kByte), w8 = at::roll(u8, {2}, {2});
  at::Tensor su = ssim_u8(u8, w8);
  at::Tensor sf = ssim(u8.permute({0, 3, 1, 2}).to(at::kDouble) / 255.0, w8.permute({0, 3, 1, 2}).to(at::kDouble) / 255.0);
  EXPECT_NEAR(su[0].item<double>(), sf[0].item<double>(), 1e-12);
  EXPECT_NEAR(su[1].item<double>(), sf[1].item<double>(), 1e-12);
}

// ---- Fréchet distance --------------------------------------------------------------------------

at::Tensor mat(std::vector<double> v, int64_t rows, int64_t cols) {
  return at::tensor(v, at::kDouble).view({rows, cols});
}

TEST(EvalFrechet, KnownGaussians) {
  // 1-D: N(0, 1) vs N(1, 4): (0-1)^2 + (1-2)^2 = 2.
  EXPECT_NEAR(frechet_distance({mat({0}, 1, 1).view({1}), mat({1}, 1, 1)}, {mat({1}, 1, 1).view({1}), mat({4}, 1, 1)}),
              2.0, 1e-12);
  // Diagonal: |(1,2)|^2 + (1-3)^2 + (2-1)^2 = 10.
  Gaussian a{at::tensor({0.0, 0.0}, at::kDouble), mat({1, 0, 0, 4}, 2, 2)};
  Gaussian b{at::tensor({1.0, 2.0}, at::kDouble), mat({9, 0, 0, 1}, 2, 2)};
  EXPECT_NEAR(frechet_distance(a, b), 10.0, 1e-10);
  // Non-diagonal against the identity: tr S + 2 - 2 tr sqrt(S), eigenvalues 3 and 1: 4 - 2 sqrt 3.
  Gaussian c{at::zeros({2}, at::kDouble), mat({2, 1, 1, 2}, 2, 2)};
  Gaussian id{at::zeros({2}, at::kDouble), mat({1, 0, 0, 1}, 2, 2)};
  EXPECT_NEAR(frechet_distance(c, id), 4 - 2 * std::sqrt(3.0), 1e-10);
  EXPECT_NEAR(frechet_distance(id, c), 4 - 2 * std::sqrt(3.0), 1e-10);
  // Singular and non-commuting: S1 = diag(4, 0), S2 = [[2,1],[1,2]]: 4 + 4 - 2 sqrt(8). The
  // square root of a rounding-level eigenvalue (~1e-16) is ~1e-8: the tolerance.
  Gaussian d{at::zeros({2}, at::kDouble), mat({4, 0, 0, 0}, 2, 2)};
  EXPECT_NEAR(frechet_distance(d, c), 8 - 4 * std::sqrt(2.0), 1e-7);
  EXPECT_NEAR(frechet_distance(c, d), 8 - 4 * std::sqrt(2.0), 1e-7);
  EXPECT_NEAR(frechet_distance(c, c), 0.0, 1e-10);
  // sqrtm squares back.
  at::Tensor r = sqrtm_psd(c.cov);
  EXPECT_TRUE(at::allclose(at::mm(r, r), c.cov, 1e-10, 1e-10));
}

TEST(EvalFrechet, FitGaussianIsMeanAndUnbiasedCovariance) {
  Gaussian g = fit_gaussian(mat({1, 2, 3, 4, 5, 0}, 3, 2));
  EXPECT_TRUE(at::allclose(g.mean, at::tensor({3.0, 2.0}, at::kDouble)));
  EXPECT_TRUE(at::allclose(g.cov, mat({4, -2, -2, 4}, 2, 2)));
  EXPECT_THROW(fit_gaussian(mat({1, 2}, 1, 2)), Error);
}

// ---- OCR clip scores -----------------------------------------------------------------------------

TEST(EvalOcrScore, KFramesAveraged) {
  std::vector<int> asked;
  auto reference = [](int t) { return std::vector<std::string>{"$ ls", "frame " + std::to_string(t)}; };
  auto predicted = [&](int t) {
    asked.push_back(t);
    if (t == 0) return std::vector<std::string>{"  $ ls  ", "frame 0"};  // normalised: exact
    if (t == 19) return std::vector<std::string>{"$ ls"};                // half the lines, 8 of 12 chars
    return std::vector<std::string>{};                                   // nothing read
  };
  OcrClipScore s = score_ocr(77, 5, reference, predicted);
  EXPECT_EQ(asked, (std::vector<int>{0, 19, 38, 57, 76}));
  ASSERT_EQ(s.frames.size(), 5u);
  EXPECT_DOUBLE_EQ(s.frames[0].char_acc, 1.0);
  EXPECT_DOUBLE_EQ(s.frames[1].char_acc, 1.0 - 8.0 / 12);  // "$ lsframe 19" vs "$ ls"
  EXPECT_DOUBLE_EQ(s.frames[1].exact_line_acc, 0.5);
  EXPECT_DOUBLE_EQ(s.frames[2].char_acc, 0.0);
  EXPECT_DOUBLE_EQ(s.char_acc, (1.0 + (1.0 - 8.0 / 12)) / 5);
  EXPECT_DOUBLE_EQ(s.exact_line_acc, 1.5 / 5);
  // Skipping the first frame spreads K over the rest; T <= K reads every frame.
  asked.clear();
  score_ocr(11, 5, reference, predicted, 1);
  EXPECT_EQ(asked, (std::vector<int>{1, 3, 6, 8, 10}));  // 1 + round(i * 9 / 4)
  asked.clear();
  score_ocr(3, 5, reference, predicted);
  EXPECT_EQ(asked, (std::vector<int>{0, 1, 2}));
}

// ---- arithmetic probe --------------------------------------------------------------------------

TEST(EvalArithmetic, ReadsTheAnswerAfterTheExpression) {
  const std::vector<std::string> repl = {"> python", "Python 3.11.2 (main, Mar 13 2023) [GCC 12.2.0] on linux",
                                         "Type \"help\" for more information.", ">>> 2345+6789", "9134", ">>>"};
  ReadAnswer r = read_answer(repl, "2345+6789");
  EXPECT_TRUE(r.expression_found);
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.value, "9134");
  // Spaces do not matter; the last number before the next prompt counts; negatives, floats.
  EXPECT_EQ(read_answer({">>>  2345 + 6789", "  9134  "}, "2345+6789").value, "9134");
  EXPECT_EQ(read_answer({">>> 12-50", "-38"}, "12 - 50").value, "-38");
  EXPECT_EQ(read_answer({">>> 10/7", "1.4285714285714286"}, "10/7").value, "1.4285714285714286");
  EXPECT_EQ(read_answer({">>> 2**3", "7 8", ">>> 1+1", "2"}, "2**3").value, "8");
  // A misread expression: the last prompt with content stands in for it.
  r = read_answer({">>> 2345+67B9", "9134", ">>>"}, "2345+6789");
  EXPECT_FALSE(r.expression_found);
  EXPECT_EQ(r.value, "9134");
  // No answer after the expression; no prompt at all; the banner's numbers never count.
  EXPECT_FALSE(read_answer({">>> 2+3", ">>>"}, "2+3").found);
  EXPECT_FALSE(read_answer({"Python 3.11.2", "5"}, "2+3").found);
  EXPECT_FALSE(read_answer({}, "2+3").found);
}

TEST(EvalArithmetic, AnswersCompareAsNumbers) {
  EXPECT_TRUE(answers_equal("9134", "9134"));
  EXPECT_TRUE(answers_equal("007", "7"));
  EXPECT_TRUE(answers_equal("-0", "0"));
  EXPECT_TRUE(answers_equal("3", "3.0"));
  EXPECT_TRUE(answers_equal("1.4285714285714286", "1.428571428571429"));
  EXPECT_TRUE(answers_equal("32868", "+32868"));
  EXPECT_TRUE(answers_equal("123456789012345678901234567890", "123456789012345678901234567890"));
  EXPECT_FALSE(answers_equal("123456789012345678901234567891", "123456789012345678901234567890"));
  EXPECT_FALSE(answers_equal("9135", "9134"));
  EXPECT_FALSE(answers_equal("-5", "5"));
  EXPECT_FALSE(answers_equal("1.43", "1.4285714285714286"));
  EXPECT_FALSE(answers_equal("", "0"));
}

TEST(EvalArithmetic, PoolAndDeterministicSample) {
  nlohmann::json doc = nlohmann::json::array();
  for (int i = 0; i < 1000; ++i)
    doc.push_back({{"id", "p" + std::to_string(i)}, {"expr", std::to_string(i) + "+1"}, {"answer", i + 1},
                   {"category", "single"}});
  auto pool = parse_pool(doc, "pool.json");
  ASSERT_EQ(pool.size(), 1000u);
  EXPECT_EQ(pool[41].answer, "42");
  auto a = sample_problems(pool, 100, 0), b = sample_problems(pool, 100, 0), c = sample_problems(pool, 100, 1);
  ASSERT_EQ(a.size(), 100u);
  std::vector<std::string> ia, ib, ic;
  for (auto& p : a) ia.push_back(p.id);
  for (auto& p : b) ib.push_back(p.id);
  for (auto& p : c) ic.push_back(p.id);
  EXPECT_EQ(ia, ib);
  EXPECT_NE(ia, ic);
  EXPECT_EQ(std::set<std::string>(ia.begin(), ia.end()).size(), 100u);  // without replacement
  // In pool order; the whole pool when the count exceeds it.
  for (size_t i = 1; i < a.size(); ++i) EXPECT_LT(std::stoi(a[i - 1].id.substr(1)), std::stoi(a[i].id.substr(1)));
  EXPECT_EQ(sample_problems(pool, 5000, 0).size(), 1000u);
  // Pinned: the sample is a function of (pool, count, seed) on every platform.
  EXPECT_EQ(ia.front(), sample_problems(pool, 100, 0).front().id);
  // Float and string answers; errors name the problem.
  auto small = parse_pool(nlohmann::json::parse(R"({"problems": [{"id": 7, "expr": "7/2", "answer": 3.5},
                                                                  {"id": "b", "expr": "1+1", "answer": " 2 "}]})"),
                          "x");
  EXPECT_EQ(small[0].id, "7");
  EXPECT_EQ(small[0].answer, "3.5");
  EXPECT_EQ(small[1].answer, "2");
  EXPECT_THROW(parse_pool(nlohmann::json::parse(R"([{"id": "a", "expr": "1", "answer": 1},
                                                   {"id": "a", "expr": "2", "answer": 2}])"),
                          "x"),
               Error);
  EXPECT_THROW(parse_pool(nlohmann::json::parse(R"([{"id": "a", "answer": 1}])"), "x"), Error);
}

// ---- cursor ----------------------------------------------------------------------------------

// A desktop-like frame: a smooth gradient, a few flat windows and some text-like noise.
Image synthetic_desktop(int w, int h, uint32_t seed) {
  std::mt19937 rng(seed);
  Image img(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.pixel(x, y);
      p[0] = static_cast<uint8_t>(40 + 80 * x / w);
      p[1] = static_cast<uint8_t>(60 + 60 * y / h);
      p[2] = 140;
    }
  std::uniform_int_distribution<int> ux(0, w - 60), uy(0, h - 40), uc(0, 255);
  for (int k = 0; k < 4; ++k) {
    const int x0 = ux(rng), y0 = uy(rng), c = uc(rng);
    for (int y = y0; y < y0 + 40; ++y)
      for (int x = x0; x < x0 + 60; ++x) {
        uint8_t* p = img.pixel(x, y);
        p[0] = p[1] = p[2] = static_cast<uint8_t>(c);
        if ((x / 3 + y / 5) % 7 == 0) p[0] = p[1] = p[2] = static_cast<uint8_t>(255 - c);  // "text"
      }
  }
  return img;
}

TEST(EvalCursor, ArrowSpriteShape) {
  CursorSprite s = arrow_sprite(30);
  EXPECT_EQ(s.hotspot_x, 2);
  EXPECT_EQ(s.hotspot_y, 2);
  EXPECT_EQ(s.height, 30 + 4);
  // The tip's neighbourhood is opaque, the far top-right corner transparent; white and black inside.
  EXPECT_GT(s.mask[static_cast<size_t>(s.hotspot_y + 3) * s.width + s.hotspot_x + 1], 0.9f);
  EXPECT_EQ(s.mask[static_cast<size_t>(s.width) - 1], 0.f);
  float lo = 1, hi = 0;
  for (size_t k = 0; k < s.grey.size(); ++k)
    if (s.mask[k] > 0.99f) {
      lo = std::min(lo, s.grey[k]);
      hi = std::max(hi, s.grey[k]);
    }
  EXPECT_LT(lo, 0.05f);
  EXPECT_GT(hi, 0.95f);
}

TEST(EvalCursor, LocatesTheDrawnArrow) {
  CursorOptions o;  // 8 px at 1024x768; 30 px arrow
  CursorLocator locator(o);
  // A 512x384 frame: scale 0.5, tolerance 4 px, the arrow 15 px tall.
  EXPECT_DOUBLE_EQ(locator.frame_scale(512, 384), 0.5);
  EXPECT_DOUBLE_EQ(locator.tolerance(512, 384), 4.0);
  const CursorSprite arrow = arrow_sprite(15);
  for (auto [x, y] : std::vector<std::pair<int, int>>{{100, 80}, {300, 250}, {7, 9}, {505, 370}}) {
    Image frame = synthetic_desktop(512, 384, 11);
    draw_sprite(frame, arrow, x, y);
    CursorMatch m = locator.locate(frame);
    EXPECT_TRUE(m.found) << x << "," << y << " score " << m.score;
    EXPECT_LE(std::hypot(m.x - x, m.y - y), 1.0) << x << "," << y << " -> " << m.x << "," << m.y;
  }
  // A slightly larger arrow (another cursor size) is still found by the multi-scale search.
  Image frame = synthetic_desktop(512, 384, 12);
  draw_sprite(frame, arrow_sprite(18), 200, 150);
  CursorMatch m = locator.locate(frame);
  EXPECT_TRUE(m.found);
  EXPECT_LE(std::hypot(m.x - 200, m.y - 150), 2.0);
  // No cursor: nothing scores as high.
  CursorMatch none = locator.locate(synthetic_desktop(512, 384, 13));
  EXPECT_FALSE(none.found) << "score " << none.score << " at " << none.x << "," << none.y;
}

TEST(EvalCursor, UserSpriteAndLoggedPositions) {
  // A user sprite: a 9x9 white cross on black with its centre as the hotspot.
  Image cross(9, 9, 0, 0, 0);
  for (int i = 0; i < 9; ++i) {
    std::fill_n(cross.pixel(4, i), 3, 255);
    std::fill_n(cross.pixel(i, 4), 3, 255);
  }
  CursorSprite sprite = sprite_from_image(cross, nullptr, 4, 4);
  CursorOptions o;
  o.size_px = 18;  // the cross is drawn 18 px on the 1024x768 screen: 9 px at 512x384
  o.scales = {1.0};
  CursorLocator locator(o, sprite);
  Image frame = synthetic_desktop(512, 384, 5);
  draw_sprite(frame, sprite, 250, 60);
  CursorMatch m = locator.locate(frame);
  EXPECT_TRUE(m.found);
  EXPECT_EQ(m.x, 250);
  EXPECT_EQ(m.y, 60);
  EXPECT_THROW(sprite_from_image(cross, nullptr, 9, 0), Error);

  // mouse_trajectories in [0, 1] -> pixels x (W-1); out of range -> NaN. Pixel "cursor" wins.
  std::map<std::string, at::Tensor> t;
  t["mouse_trajectories"] = at::tensor({0.0, 0.0, 1.0, 0.5, 1.5, 0.2}, at::kFloat).view({3, 2});
  at::Tensor p = logged_cursor(t, 101, 51);
  EXPECT_DOUBLE_EQ(p[0][0].item<double>(), 0);
  EXPECT_DOUBLE_EQ(p[1][0].item<double>(), 100);
  EXPECT_DOUBLE_EQ(p[1][1].item<double>(), 25);
  EXPECT_TRUE(std::isnan(p[2][0].item<double>()));
  t["cursor"] = at::tensor({10.0, 20.0, -1.0, 5.0, 100.0, 50.0}, at::kFloat).view({3, 2});
  p = logged_cursor(t, 101, 51);
  EXPECT_DOUBLE_EQ(p[0][1].item<double>(), 20);
  EXPECT_TRUE(std::isnan(p[1][0].item<double>()));
  EXPECT_DOUBLE_EQ(p[2][0].item<double>(), 100);
  EXPECT_FALSE(logged_cursor({}, 10, 10).defined());
}

// ---- action windows ----------------------------------------------------------------------------

TEST(EvalActionWindows, KnownEvents) {
  // tau 0.1 s and 0.5 s at 15 fps: f = round(1.5) = 2 and round(7.5) = 8; tau past the end clamps.
  EXPECT_EQ(action_frames({0.1, 0.5, 10.0, -1.0}, 15, 20), (std::vector<int>{2, 8, 19, 0}));
  // Windows 3..17 and 9..23 clipped to 19: one deduplicated union 3..19.
  std::vector<int> w = action_window_frames({2, 8}, 20);
  ASSERT_EQ(w.size(), 17u);
  EXPECT_EQ(w.front(), 3);
  EXPECT_EQ(w.back(), 19);
  // An action on the last frame has an empty window; no actions, no frames.
  EXPECT_TRUE(action_window_frames({19}, 20).empty());
  EXPECT_TRUE(action_window_frames({}, 20).empty());
  EXPECT_EQ(action_window_frames({0}, 40, 1, 3), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(action_window_frames({5, 0}, 40, 0, 2), (std::vector<int>{0, 1, 5, 6}));

  // Times from events (types filtered) or from a per-frame tensor, which wins.
  std::vector<data::ClipEvent> events = {{0.5, 'o', "x"}, {0.2, 'i', "a"}, {0.9, 'k', "Enter"}, {1.0, 'm', ""}};
  EXPECT_EQ(action_times({}, events, 15, "action_types", "ik"), (std::vector<double>{0.2, 0.9}));
  std::map<std::string, at::Tensor> tensors;
  at::Tensor types = at::zeros({6, 2}, at::kLong);
  types[1][0] = 1;
  types[4][1] = 3;
  tensors["action_types"] = types;
  std::vector<double> t = action_times(tensors, events, 3, "action_types", "ik");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_DOUBLE_EQ(t[0], 1.0 / 3);
  EXPECT_DOUBLE_EQ(t[1], 4.0 / 3);
  EXPECT_EQ(action_frames(t, 3, 6), (std::vector<int>{1, 4}));
}

// ---- frames and FVD clip selection ----------------------------------------------------------------

TEST(EvalFrames, ConversionsAndFvdClips) {
  std::vector<Image> frames = {Image(4, 2, 255, 0, 0), Image(4, 2, 0, 51, 0)};
  at::Tensor t = stack_frames(frames);
  EXPECT_EQ(t.sizes(), (at::IntArrayRef{2, 2, 4, 3}));
  EXPECT_EQ(frame_image(t, 1), frames[1]);
  at::Tensor u = to_unit(t);
  EXPECT_EQ(u.sizes(), (at::IntArrayRef{2, 3, 2, 4}));
  EXPECT_FLOAT_EQ(u[0][0][0][0].item<float>(), 1.f);
  EXPECT_FLOAT_EQ(u[1][1][1][3].item<float>(), 0.2f);
  frames.push_back(Image(3, 2));
  EXPECT_THROW(stack_frames(frames), Error);

  EXPECT_EQ(fvd_frame_indices(31, 16), (std::vector<int64_t>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}));
  EXPECT_EQ(fvd_frame_indices(3, 5), (std::vector<int64_t>{0, 1, 2, 2, 2}));
  at::Tensor clip = fvd_clip(at::full({5, 3, 40, 60}, 0.5f), 16, 112);
  EXPECT_EQ(clip.sizes(), (at::IntArrayRef{3, 16, 112, 112}));
  EXPECT_NEAR(clip[0][3][7][9].item<double>(), (0.5 - kKineticsMean[0]) / kKineticsStd[0], 1e-5);
  clip = fvd_clip(at::full({20, 3, 256, 341}, 0.25f), 16, 112);
  EXPECT_NEAR(clip[2][15][111][111].item<double>(), (0.25 - kKineticsMean[2]) / kKineticsStd[2], 1e-5);
}

// ---- LPIPS / FVD through TorchScript ---------------------------------------------------------------

TEST(EvalScripted, LpipsAndFvdModules) {
  test::TempDir dir;
  {
    // A stand-in with LPIPS's interface: mean |x - y| over C, H, W, shaped [N, 1, 1, 1].
    torch::jit::Module m("FakeLpips");
    m.define(R"(
def forward(self, x, y):
    return (x - y).abs().mean([1, 2, 3], keepdim=True)
)");
    m.save(dir.file("lpips.pt"));
    torch::jit::Module f("FakeR3d");
    f.define(R"(
def forward(self, x):
    return x.mean([2, 3, 4])
)");
    f.save(dir.file("r3d.pt"));
  }
  Lpips lpips(dir.file("lpips.pt"), c10::kCPU);
  // Inputs in [0, 1] reach the module in [-1, 1]: 0 vs 1 is a distance of 2.
  at::Tensor d = lpips.distance(at::zeros({2, 3, 8, 8}), at::ones({2, 3, 8, 8}));
  ASSERT_EQ(d.numel(), 2);
  EXPECT_DOUBLE_EQ(d[1].item<double>(), 2.0);
  EXPECT_EQ(d.scalar_type(), at::kDouble);

  FvdFeatures fvd(dir.file("r3d.pt"), c10::kCPU);
  at::Tensor clips = at::stack({fvd_clip(at::full({4, 3, 32, 32}, 0.2f)), fvd_clip(at::full({4, 3, 32, 32}, 0.6f))});
  at::Tensor feats = fvd.features(clips);
  EXPECT_EQ(feats.sizes(), (at::IntArrayRef{2, 3}));
  EXPECT_NEAR(feats[1][0].item<double>(), (0.6 - kKineticsMean[0]) / kKineticsStd[0], 1e-5);
  // Same features on both sides: distance 0; shifted by (1, 1, 1): 3.
  at::Tensor real = at::tensor({0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 2.0, 0.0, 1.0}, at::kDouble).view({3, 3});
  EXPECT_NEAR(fvd_from_features(real, real), 0.0, 1e-9);
  EXPECT_NEAR(fvd_from_features(real, real + 1), 3.0, 1e-9);

  EXPECT_THROW(Lpips(dir.file("missing.pt"), c10::kCPU), Error);
  test::write_text(dir.file("junk.pt"), "not a zip");
  EXPECT_THROW(Lpips(dir.file("junk.pt"), c10::kCPU), Error);
}

// ---- report -------------------------------------------------------------------------------------

TEST(EvalReport, MarkdownShowsValuesAndWhyOthersAreMissing) {
  nlohmann::ordered_json doc = {
      {"inputs", {{"pred", "preds"}, {"ref", {"shards"}}}},
      {"pairing", {{"matched", 2}, {"unmatched_pred", {"x"}}, {"unmatched_ref", nlohmann::json::array()}}},
      {"overall",
       {{"psnr", 31.25},
        {"ssim", 0.9},
        {"lpips_all", nullptr},
        {"lpips_status", "unavailable: no weights supplied (--lpips-weights)"}}},
      {"clips_per_metric", {{"psnr", 2}, {"ssim", 2}, {"lpips_all", 0}}},
      {"clips", {{{"id", "a"}, {"frames", 5}, {"psnr", 30.0}}, {{"id", "b"}, {"frames", 5}, {"psnr", 32.5}}}}};
  const std::string md = eval_markdown(doc);
  EXPECT_NE(md.find("| PSNR (dB) | 31.25 | 2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| LPIPS_all | — (unavailable: no weights supplied (--lpips-weights)) | 0 |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| b | 5 | 32.50 |"), std::string::npos) << md;
  EXPECT_EQ(md.find("SSIM_all"), std::string::npos) << md;  // only what was computed
}

}  // namespace
}  // namespace nc::eval
