#include "nc/eval/evaluate.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <ATen/TensorOperators.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/index_select.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/tensor.h>
#include <fmt/format.h>

#include "nc/core/config.h"
#include "nc/core/error.h"
#include "nc/core/log.h"
#include "nc/data/shard.h"
#include "nc/eval/action_windows.h"
#include "nc/eval/arithmetic_probe.h"
#include "nc/eval/cursor_accuracy.h"
#include "nc/eval/frame_sampling.h"
#include "nc/eval/frames.h"
#include "nc/eval/fvd.h"
#include "nc/eval/lpips.h"
#include "nc/eval/ocr.h"
#include "nc/eval/ocr_eval.h"
#include "nc/eval/ocr_metrics.h"
#include "nc/eval/prediction_set.h"
#include "nc/eval/psnr_ssim.h"
#include "nc/video/png.h"

namespace nc::eval {
namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr int64_t kChunk = 8;  // frames per PSNR/SSIM/LPIPS batch (bounds memory at 1600x900)

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json numbers(const std::vector<double>& v) {
  Json out = Json::array();
  for (double x : v) out.push_back(number(x));
  return out;
}

std::vector<double> to_vector(const at::Tensor& t) {
  at::Tensor c = t.to(at::kDouble).contiguous().cpu();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

double mean_of(const std::vector<double>& v) {
  if (v.empty()) return NAN;
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}

// A mean over clips.
struct Mean {
  double sum = 0;
  int64_t n = 0;
  void add(double v) {
    if (!std::isfinite(v)) return;
    sum += v;
    ++n;
  }
  Json value() const { return n ? Json(sum / n) : Json(nullptr); }
};

at::Tensor select_frames(const at::Tensor& frames, const std::vector<int64_t>& idx) {
  return at::index_select(frames, 0, at::tensor(idx, at::kLong));
}

// PSNR and SSIM of uint8 frames [N, H, W, 3], in chunks.
struct Fidelity {
  std::vector<double> psnr, ssim;
};
Fidelity fidelity(const at::Tensor& pred, const at::Tensor& ref, bool want_psnr, bool want_ssim, double cap_db) {
  Fidelity f;
  for (int64_t t0 = 0; t0 < pred.size(0); t0 += kChunk) {
    const int64_t t1 = std::min(pred.size(0), t0 + kChunk);
    const at::Tensor p = pred.slice(0, t0, t1), r = ref.slice(0, t0, t1);
    if (want_psnr) {
      auto v = to_vector(psnr_u8(p, r, cap_db));
      f.psnr.insert(f.psnr.end(), v.begin(), v.end());
    }
    if (want_ssim) {
      auto v = to_vector(ssim_u8(p, r));
      f.ssim.insert(f.ssim.end(), v.begin(), v.end());
    }
  }
  return f;
}

std::vector<double> lpips_of(Lpips& net, const at::Tensor& pred, const at::Tensor& ref) {
  std::vector<double> out;
  for (int64_t t0 = 0; t0 < pred.size(0); t0 += kChunk) {
    const int64_t t1 = std::min(pred.size(0), t0 + kChunk);
    auto v = to_vector(net.distance(to_unit(pred.slice(0, t0, t1)), to_unit(ref.slice(0, t0, t1))));
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// Real and generated FVD features, one row per clip.
struct FvdSet {
  std::vector<at::Tensor> real, generated;
  Json value(std::string* status) const {
    if (real.size() < 2) {
      *status = fmt::format("unavailable: needs features of at least 2 clips, got {}", real.size());
      return nullptr;
    }
    *status = "ok";
    return fvd_from_features(at::cat(real), at::cat(generated));
  }
};

void add_fvd(FvdFeatures& net, FvdSet& set, const at::Tensor& pred, const at::Tensor& ref, const EvalOptions& o) {
  at::Tensor clips = at::stack({fvd_clip(to_unit(ref), o.fvd_frames, o.fvd_size),
                                fvd_clip(to_unit(pred), o.fvd_frames, o.fvd_size)});
  at::Tensor f = net.features(clips);
  set.real.push_back(f.slice(0, 0, 1));
  set.generated.push_back(f.slice(0, 1, 2));
}

std::vector<data::ClipEvent> events_of(const nlohmann::json& record) {
  std::vector<data::ClipEvent> out;
  if (!record.contains("events") || !record["events"].is_array()) return out;
  for (const auto& e : record["events"]) {
    if (!e.is_array() || e.size() < 2 || !e[0].is_number() || !e[1].is_string()) continue;
    data::ClipEvent ev;
    ev.time = e[0].get<double>();
    const std::string type = e[1].get<std::string>();
    ev.type = type.empty() ? 'o' : type[0];
    if (e.size() > 2 && e[2].is_string()) ev.data = e[2].get<std::string>();
    out.push_back(std::move(ev));
  }
  return out;
}

std::vector<std::vector<std::string>> text_of(const nlohmann::json& record) {
  std::vector<std::vector<std::string>> out;
  if (!record.contains("text") || !record["text"].is_array()) return out;
  for (const auto& frame : record["text"]) {
    std::vector<std::string> lines;
    if (frame.is_array())
      for (const auto& l : frame)
        if (l.is_string()) lines.push_back(l.get<std::string>());
    out.push_back(std::move(lines));
  }
  return out;
}

std::string unavailable_weights(const char* flag) {
  return fmt::format("unavailable: no weights supplied ({})", flag);
}

// Reference clips by id over every shard given.
class References {
 public:
  explicit References(const std::vector<std::string>& paths) {
    for (const auto& path : paths)
      for (const auto& file : data::shard_files(path)) {
        shards_.push_back(std::make_unique<data::ShardReader>(file));
        const auto& s = *shards_.back();
        for (size_t i = 0; i < s.size(); ++i) {
          auto [it, fresh] = where_.emplace(s.id(i), std::make_pair(shards_.size() - 1, i));
          check(fresh, "clip id '" + s.id(i) + "' appears twice in the references", file,
                "also in " + shards_[it->second.first]->path());
        }
      }
  }
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& [id, w] : where_) out.push_back(id);
    return out;
  }
  bool contains(const std::string& id) const { return where_.count(id) != 0; }
  const data::ShardReader& shard(const std::string& id) const { return *shards_[where_.at(id).first]; }
  size_t index(const std::string& id) const { return where_.at(id).second; }
  size_t shard_count() const { return shards_.size(); }

 private:
  std::vector<std::unique_ptr<data::ShardReader>> shards_;
  std::map<std::string, std::pair<size_t, size_t>> where_;
};

// Everything one evaluation shares across clips.
struct Context {
  const EvalOptions& options;
  std::set<std::string> metrics;
  std::unique_ptr<Ocr> ocr;
  std::string ocr_status = "ok";
  std::unique_ptr<Lpips> lpips;
  std::string lpips_status = "ok";
  std::unique_ptr<FvdFeatures> fvd;
  std::string fvd_status = "ok";
  std::unique_ptr<CursorLocator> cursor;

  bool want(const std::string& m) const { return metrics.count(m) != 0; }
};

// Overall accumulators.
struct Totals {
  Mean psnr, ssim, ocr_char, ocr_line, ssim_all, lpips_all, cursor, ssim_15, psnr_15, lpips_15;
  FvdSet fvd_all, fvd_15;
  int64_t cursor_frames = 0, cursor_hits = 0;
  double ocr_seconds = 0, ocr_cpu_seconds = 0;  // process CPU time (all threads)
  int64_t ocr_clips = 0;
  int64_t ocr_skipped = 0, cursor_skipped = 0, actions_excluded = 0;
  std::map<std::string, double> stage_seconds;  // decode, psnr_ssim, ocr, global, cursor, actions
};

Json evaluate_clip(Context& ctx, Totals& totals, const std::string& id, const References& refs,
                   const PredictionSet& preds) {
  const EvalOptions& o = ctx.options;
  const auto clip_start = Clock::now();
  auto stage = Clock::now();
  auto stage_done = [&](const char* name) {
    totals.stage_seconds[name] += seconds_since(stage);
    stage = Clock::now();
  };
  const data::ShardReader& shard = refs.shard(id);
  const size_t index = refs.index(id);
  const nlohmann::json record = shard.record(index);
  const double ref_fps = record.value("fps", 0.0) > 0 ? record["fps"].get<double>() : 15.0;
  const at::Tensor ref = shard.frames(index);  // [Tr, H, W, 3]
  const int H = static_cast<int>(ref.size(1)), W = static_cast<int>(ref.size(2));
  const int64_t Tr = ref.size(0);

  PredictedVideo video = preds.read(id);
  const double pred_fps = video.fps > 0 ? video.fps : ref_fps;
  const int pred_w = video.frames.front().width, pred_h = video.frames.front().height;
  for (auto& f : video.frames) f = fit_to(f, W, H);
  const at::Tensor pred = stack_frames(video.frames);  // [Tp, H, W, 3]
  video.frames.clear();
  const int64_t Tp = pred.size(0);
  const int64_t T = std::min(Tp, Tr);
  const int64_t skip = std::min<int64_t>(o.skip_frames, T);

  Json c = Json::object();
  c["id"] = id;
  c["frames"] = T;
  c["frames_pred"] = Tp;
  c["frames_ref"] = Tr;
  c["size"] = {W, H};
  c["size_pred"] = {pred_w, pred_h};
  c["fps_ref"] = ref_fps;
  c["fps_pred"] = pred_fps;
  stage_done("decode");
  if (std::fabs(pred_fps - ref_fps) > 0.01 * ref_fps)
    log::warn("{}: prediction at {:.3f} fps, reference at {:.3f} fps; frame-by-frame metrics pair frames by index", id,
              pred_fps, ref_fps);

  // ---- PSNR / SSIM per frame (native rate and size) ------------------------------------------
  if ((ctx.want("psnr") || ctx.want("ssim")) && T > skip) {
    Fidelity f = fidelity(pred.slice(0, skip, T), ref.slice(0, skip, T), ctx.want("psnr"), ctx.want("ssim"),
                          o.psnr_cap_db);
    Json per = Json::object();
    per["first"] = skip;
    if (ctx.want("psnr")) {
      const double m = mean_of(f.psnr);
      c["psnr"] = number(m);
      totals.psnr.add(m);
      per["psnr"] = numbers(f.psnr);
    }
    if (ctx.want("ssim")) {
      const double m = mean_of(f.ssim);
      c["ssim"] = number(m);
      totals.ssim.add(m);
      per["ssim"] = numbers(f.ssim);
    }
    c["per_frame"] = std::move(per);
    stage_done("psnr_ssim");
  }

  // ---- OCR (App. B.2) ------------------------------------------------------------------------
  if (ctx.want("ocr")) {
    const auto text = text_of(record);
    const bool has_text = std::any_of(text.begin(), text.end(), [](const auto& l) { return !l.empty(); });
    if (o.ocr_reference == "text" && !has_text) {
      ++totals.ocr_skipped;
    } else if (ctx.ocr) {
      const auto start = Clock::now();
      const std::clock_t cpu_start = std::clock();
      auto ref_lines = [&](int t) {
        if (o.ocr_reference == "text") return t < static_cast<int>(text.size()) ? text[t] : std::vector<std::string>{};
        return ctx.ocr->read_lines(frame_image(ref, t));
      };
      auto pred_lines = [&](int t) { return ctx.ocr->read_lines(frame_image(pred, t)); };
      OcrClipScore s = score_ocr(static_cast<int>(T), o.ocr_frames, ref_lines, pred_lines, static_cast<int>(skip));
      const double seconds = seconds_since(start);
      const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
      Json frames = Json::array();
      for (const auto& fs : s.frames)
        frames.push_back({{"frame", fs.frame},
                          {"char_acc", fs.char_acc},
                          {"exact_line_acc", fs.exact_line_acc},
                          {"reference", fs.reference},
                          {"predicted", fs.predicted}});
      c["ocr"] = {{"char_acc", s.char_acc},
                  {"exact_line_acc", s.exact_line_acc},
                  {"seconds", seconds},
                  {"cpu_seconds", cpu_seconds},
                  {"frames", std::move(frames)}};
      if (!s.frames.empty()) {
        totals.ocr_char.add(s.char_acc);
        totals.ocr_line.add(s.exact_line_acc);
        totals.ocr_seconds += seconds;
        totals.ocr_cpu_seconds += cpu_seconds;
        ++totals.ocr_clips;
      }
    }
    stage_done("ocr");
  }

  // ---- global metrics at the App. B.3 decode --------------------------------------------------
  const bool global_lpips = ctx.want("lpips") && ctx.lpips, global_fvd = ctx.want("fvd") && ctx.fvd;
  if (ctx.want("global") || global_lpips || global_fvd) {
    const auto& g = o.global;
    std::vector<int64_t> ip = resample_indices(Tp, pred_fps, g.fps, g.max_seconds);
    std::vector<int64_t> ir = resample_indices(Tr, ref_fps, g.fps, g.max_seconds);
    const size_t n = std::min(ip.size(), ir.size());
    ip.resize(n);
    ir.resize(n);
    if (n > 0) {
      auto [gw, gh] = short_side_size(W, H, g.size);
      at::Tensor gp = resize_frames(select_frames(pred, ip), gw, gh);
      at::Tensor gr = resize_frames(select_frames(ref, ir), gw, gh);
      Json gj = {{"frames", n}, {"size", {gw, gh}}};
      if (ctx.want("global")) {
        Fidelity f = fidelity(gp, gr, false, true, o.psnr_cap_db);
        const double m = mean_of(f.ssim);
        gj["ssim_all"] = number(m);
        gj["ssim_per_frame"] = numbers(f.ssim);
        totals.ssim_all.add(m);
      }
      if (global_lpips) {
        auto v = lpips_of(*ctx.lpips, gp, gr);
        const double m = mean_of(v);
        gj["lpips_all"] = number(m);
        gj["lpips_per_frame"] = numbers(v);
        totals.lpips_all.add(m);
      }
      if (global_fvd) add_fvd(*ctx.fvd, totals.fvd_all, gp, gr, o);
      c["global"] = std::move(gj);
    }
    stage_done("global");
  }

  // ---- cursor accuracy -----------------------------------------------------------------------
  if (ctx.want("cursor")) {
    at::Tensor logged = logged_cursor(shard.tensors(index), W, H);
    if (logged.defined()) {
      const double tolerance = ctx.cursor->tolerance(W, H);
      int64_t frames = 0, hits = 0, found = 0;
      Json per = Json::array();
      const int64_t end = std::min<int64_t>(T, logged.size(0));
      for (int64_t t = skip; t < end; ++t) {
        const double lx = logged[t][0].item<double>(), ly = logged[t][1].item<double>();
        if (!std::isfinite(lx) || !std::isfinite(ly)) continue;
        CursorMatch m = ctx.cursor->locate(frame_image(pred, t));
        const double d = m.found ? std::hypot(m.x - lx, m.y - ly) : -1;
        const bool hit = m.found && d <= tolerance;
        ++frames;
        hits += hit;
        found += m.found;
        per.push_back({{"frame", t},
                       {"logged", {lx, ly}},
                       {"located", m.found ? Json({m.x, m.y}) : Json(nullptr)},
                       {"score", m.score},
                       {"hit", hit}});
      }
      if (frames > 0) {
        const double acc = static_cast<double>(hits) / frames;
        c["cursor"] = {{"accuracy", acc},   {"frames", frames},         {"hits", hits},
                       {"found", found},    {"tolerance_px", tolerance}, {"per_frame", std::move(per)}};
        totals.cursor.add(acc);
        totals.cursor_frames += frames;
        totals.cursor_hits += hits;
      } else {
        ++totals.cursor_skipped;
      }
    } else {
      ++totals.cursor_skipped;
    }
    stage_done("cursor");
  }

  // ---- action windows (Exp 9) ----------------------------------------------------------------
  if (ctx.want("actions")) {
    const auto& a = o.actions;
    std::vector<double> times = action_times(shard.tensors(index), events_of(record), ref_fps, a.tensor, a.event_types);
    Json aj = Json::object();
    if (times.empty()) {
      aj["excluded"] = "no actions";
    } else {
      at::Tensor ap, ar;
      double fps = ref_fps;
      int64_t first = skip;
      if (a.fps > 0) {  // both videos resampled to the action rate
        fps = a.fps;
        first = 0;
        std::vector<int64_t> ip = resample_indices(Tp, pred_fps, fps), ir = resample_indices(Tr, ref_fps, fps);
        const size_t n = std::min(ip.size(), ir.size());
        ip.resize(n);
        ir.resize(n);
        ap = select_frames(pred, ip);
        ar = select_frames(ref, ir);
      } else {
        ap = pred.slice(0, 0, T);
        ar = ref.slice(0, 0, T);
      }
      const int total = static_cast<int>(ap.size(0));
      std::vector<int> at_frames = action_frames(times, fps, total);
      std::vector<int> window = action_window_frames(at_frames, total, a.offset, a.length);
      window.erase(std::remove_if(window.begin(), window.end(), [&](int f) { return f < first; }), window.end());
      aj["actions"] = at_frames.size();
      aj["action_frames"] = at_frames;
      aj["fps"] = fps;
      if (window.empty()) {
        aj["excluded"] = "empty windows";
      } else {
        std::vector<int64_t> idx(window.begin(), window.end());
        at::Tensor wp = select_frames(ap, idx), wr = select_frames(ar, idx);
        Fidelity f = fidelity(wp, wr, true, true, o.psnr_cap_db);
        aj["window_frames"] = window;
        aj["ssim_15"] = number(mean_of(f.ssim));
        aj["psnr_15"] = number(mean_of(f.psnr));
        totals.ssim_15.add(mean_of(f.ssim));
        totals.psnr_15.add(mean_of(f.psnr));
        if (ctx.want("lpips") && ctx.lpips) {
          const double m = mean_of(lpips_of(*ctx.lpips, wp, wr));
          aj["lpips_15"] = number(m);
          totals.lpips_15.add(m);
        }
        if (ctx.want("fvd") && ctx.fvd) add_fvd(*ctx.fvd, totals.fvd_15, wp, wr, o);
      }
    }
    if (aj.contains("excluded")) ++totals.actions_excluded;
    c["actions"] = std::move(aj);
    stage_done("actions");
  }
  c["seconds"] = seconds_since(clip_start);
  return c;
}

// The arithmetic probe over one prediction folder.
Json run_probe(Context& ctx, const std::vector<ArithmeticProblem>& sample, const PredictionSet& preds,
               const EvalProgress& progress, int64_t& done, int64_t total) {
  Json problems = Json::array();
  std::vector<std::string> missing;
  int64_t n = 0, correct = 0, expression_seen = 0;
  for (const auto& p : sample) {
    if (!preds.contains(p.id)) {
      missing.push_back(p.id);
      continue;
    }
    PredictedVideo v = preds.read(p.id);
    const int frames = static_cast<int>(v.frames.size());
    ReadAnswer best;
    int read_frame = -1;
    std::vector<std::string> lines;
    for (int t = frames - 1; t >= std::max(0, frames - ctx.options.probe.last_frames); --t) {
      std::vector<std::string> l = ctx.ocr->read_lines(v.frames[t]);
      ReadAnswer r = read_answer(l, p.expr);
      if (read_frame < 0 || (r.found && !best.found)) {
        best = r;
        read_frame = t;
        lines = l;
      }
      if (r.found) break;
    }
    const bool ok = best.found && answers_equal(best.value, p.answer);
    ++n;
    correct += ok;
    expression_seen += best.expression_found;
    problems.push_back({{"id", p.id},
                        {"expr", p.expr},
                        {"answer", p.answer},
                        {"category", p.category},
                        {"read", best.found ? Json(best.value) : Json(nullptr)},
                        {"correct", ok},
                        {"expression_found", best.expression_found},
                        {"frame", read_frame},
                        {"ocr", normalize_lines(lines)}});
    if (progress) progress(++done, total, p.id);
  }
  if (!missing.empty())
    log::warn("{}: {} of {} sampled problems have no prediction (first: {})", preds.dir(), missing.size(),
              sample.size(), missing.front());
  return {{"pred", preds.dir()},
          {"accuracy", n ? Json(static_cast<double>(correct) / n) : Json(nullptr)},
          {"correct", correct},
          {"n", n},
          {"expression_found", expression_seen},
          {"missing", missing},
          {"problems", std::move(problems)}};
}

}  // namespace

nlohmann::ordered_json evaluate(const EvalInputs& in, const EvalOptions& o, c10::Device device,
                                const EvalProgress& progress) {
  const auto start = Clock::now();
  Context ctx{o, std::set<std::string>(o.metrics.begin(), o.metrics.end()), {}, "not needed", {}, "ok", {}, "ok", {}};
  check(!in.pred.empty(), "no prediction folder given", "--pred");
  check(!in.ref.empty() || !in.pool.empty(), "nothing to compare with", "--ref",
        "give reference shards (--ref) and/or an arithmetic pool (--pool)");
  PredictionSet preds(in.pred);
  References refs(in.ref);

  // What is paired: reference ids with a prediction; the probe's sample.
  std::vector<std::string> matched, unmatched_ref;
  for (const auto& id : refs.ids()) (preds.contains(id) ? matched : unmatched_ref).push_back(id);
  std::vector<ArithmeticProblem> sample;
  const bool probe = !in.pool.empty() && ctx.want("arithmetic");
  if (probe) sample = sample_problems(load_pool(in.pool), o.probe.count, static_cast<uint64_t>(o.probe.seed));
  std::set<std::string> sampled;
  for (const auto& p : sample) sampled.insert(p.id);
  std::vector<std::string> unmatched_pred;
  for (const auto& id : preds.ids())
    if (!refs.contains(id) && !sampled.count(id)) unmatched_pred.push_back(id);
  if (!in.ref.empty())
    check(!matched.empty(), "no prediction matches a reference clip id", in.pred,
          fmt::format("{} predictions, {} reference clips; files are named <clip_id>.mp4 (docs/FORMATS.md)",
                      preds.ids().size(), refs.ids().size()));
  if (!unmatched_ref.empty())
    log::warn("{} reference clips have no prediction (first: {})", unmatched_ref.size(), unmatched_ref.front());
  if (!unmatched_pred.empty())
    log::warn("{} predictions match no reference clip (first: {})", unmatched_pred.size(), unmatched_pred.front());

  // Engines, only where a metric needs them.
  const bool need_ocr = (ctx.want("ocr") && !matched.empty()) || probe;
  if (need_ocr) {
#ifdef NC_WITH_OCR
    ctx.ocr = std::make_unique<Ocr>(o.ocr);
    ctx.ocr_status = "ok";
    // libgomp reads this at start-up: it cannot be set from here.
    if (!std::getenv("OMP_THREAD_LIMIT"))
      log::info("OCR: Tesseract's OpenMP threads compete with each other; OMP_THREAD_LIMIT=1 in the environment "
                "made OCR 2-3x faster here (docs/EVAL.md)");
#else
    ctx.ocr_status = "unavailable: this build has no Tesseract (NC_WITH_OCR)";
#endif
  }
  if (ctx.want("lpips")) {
    if (o.lpips_weights.empty()) ctx.lpips_status = unavailable_weights("--lpips-weights");
    else ctx.lpips = std::make_unique<Lpips>(o.lpips_weights, device);
  } else {
    ctx.lpips_status = "not requested";
  }
  if (ctx.want("fvd")) {
    if (o.fvd_weights.empty()) ctx.fvd_status = unavailable_weights("--fvd-weights");
    else ctx.fvd = std::make_unique<FvdFeatures>(o.fvd_weights, device);
  } else {
    ctx.fvd_status = "not requested";
  }
  if (ctx.want("cursor")) {
    CursorSprite sprite;
    if (!o.cursor.sprite.empty()) {
      Image rgb = video::read_png(o.cursor.sprite), mask;
      if (!o.cursor.sprite_mask.empty()) mask = video::read_png(o.cursor.sprite_mask);
      sprite = sprite_from_image(rgb, o.cursor.sprite_mask.empty() ? nullptr : &mask, o.cursor.hotspot_x,
                                 o.cursor.hotspot_y);
    }
    ctx.cursor = std::make_unique<CursorLocator>(o.cursor, std::move(sprite));
  }

  const int64_t total_steps = static_cast<int64_t>(matched.size()) +
                              static_cast<int64_t>(sample.size()) * (in.pred_reprompt.empty() ? 1 : 2);
  int64_t done = 0;
  Totals totals;
  Json clips = Json::array();
  for (const auto& id : matched) {
    try {
      clips.push_back(evaluate_clip(ctx, totals, id, refs, preds));
    } catch (const Error& e) {
      throw e.within("clip " + id);
    }
    if (progress) progress(++done, total_steps, id);
  }

  Json doc = Json::object();
  doc["format"] = "nc-eval";
  doc["version"] = 1;
  doc["inputs"] = {{"pred", in.pred}, {"pred_reprompt", in.pred_reprompt}, {"ref", in.ref}, {"pool", in.pool}};
  doc["metrics"] = o.metrics;
  doc["pairing"] = {{"matched", matched.size()}, {"unmatched_pred", unmatched_pred}, {"unmatched_ref", unmatched_ref}};

  Json overall = Json::object();
  Json counts = Json::object();
  auto put = [&](const char* name, const Mean& m, bool wanted) {
    if (!wanted) return;
    overall[name] = m.value();
    counts[name] = m.n;
  };
  put("psnr", totals.psnr, ctx.want("psnr"));
  put("ssim", totals.ssim, ctx.want("ssim"));
  if (ctx.want("ocr")) {
    put("ocr_char_acc", totals.ocr_char, true);
    put("ocr_exact_line_acc", totals.ocr_line, true);
    overall["ocr_status"] = !ctx.ocr                ? ctx.ocr_status
                            : totals.ocr_clips > 0 ? std::string("ok")
                                                   : std::string("no paired clip has text buffers");
  }
  put("ssim_all", totals.ssim_all, ctx.want("global"));
  if (ctx.want("lpips")) {
    put("lpips_all", totals.lpips_all, true);
    if (ctx.want("actions")) put("lpips_15", totals.lpips_15, true);
    overall["lpips_status"] = ctx.lpips_status;
  }
  if (ctx.want("fvd")) {
    std::string status_all = ctx.fvd_status, status_15 = ctx.fvd_status;
    overall["fvd_all"] = ctx.fvd ? totals.fvd_all.value(&status_all) : Json(nullptr);
    counts["fvd_all"] = totals.fvd_all.real.size();
    if (ctx.want("actions")) {
      overall["fvd_15"] = ctx.fvd ? totals.fvd_15.value(&status_15) : Json(nullptr);
      counts["fvd_15"] = totals.fvd_15.real.size();
      overall["fvd_15_status"] = status_15;
    }
    overall["fvd_status"] = status_all;
  }
  if (ctx.want("cursor")) {
    put("cursor_accuracy", totals.cursor, true);
    overall["cursor_frame_hit_rate"] =
        totals.cursor_frames ? Json(static_cast<double>(totals.cursor_hits) / totals.cursor_frames) : Json(nullptr);
    counts["cursor_frames"] = totals.cursor_frames;
  }
  if (ctx.want("actions")) {
    put("ssim_15", totals.ssim_15, true);
    put("psnr_15", totals.psnr_15, true);
    counts["actions_excluded"] = totals.actions_excluded;
  }

  if (probe) {
    Json pj = Json::object();
    if (!ctx.ocr) {
      pj["status"] = ctx.ocr_status;
      overall["arithmetic_accuracy"] = nullptr;
    } else {
      pj["status"] = "ok";
      pj["sample"] = sampled.size();
      pj["seed"] = o.probe.seed;
      pj["plain"] = run_probe(ctx, sample, preds, progress, done, total_steps);
      overall["arithmetic_accuracy"] = pj["plain"]["accuracy"];
      counts["arithmetic"] = pj["plain"]["n"];
      if (!in.pred_reprompt.empty()) {
        PredictionSet reprompt(in.pred_reprompt);
        pj["reprompt"] = run_probe(ctx, sample, reprompt, progress, done, total_steps);
        overall["arithmetic_reprompt_accuracy"] = pj["reprompt"]["accuracy"];
        counts["arithmetic_reprompt"] = pj["reprompt"]["n"];
      }
    }
    doc["arithmetic"] = std::move(pj);
  }

  doc["overall"] = std::move(overall);
  doc["clips_per_metric"] = std::move(counts);
  doc["clips"] = std::move(clips);
  Json options_json = config::to_json(o);
  doc["options"] = std::move(options_json);
  Json stages = Json::object();
  for (const auto& [name, sec] : totals.stage_seconds) stages[name] = sec;
  doc["timing"] = {{"seconds", seconds_since(start)},
                   {"stages", std::move(stages)},
                   {"ocr_clips", totals.ocr_clips},
                   {"ocr_frames_per_clip", o.ocr_frames},
                   {"ocr_seconds_per_clip", totals.ocr_clips ? Json(totals.ocr_seconds / totals.ocr_clips) : Json(nullptr)},
                   {"ocr_cpu_seconds_per_clip",
                    totals.ocr_clips ? Json(totals.ocr_cpu_seconds / totals.ocr_clips) : Json(nullptr)}};
  return doc;
}

}  // namespace nc::eval
