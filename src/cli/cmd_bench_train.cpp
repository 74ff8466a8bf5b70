// nc bench train: samples/s of a training stage with 1 rank and with N Gloo ranks (each run a
// real `nc train` started as `nc launch` starts its ranks), and the data loader's throughput
// against what a step consumes. The data is made here: a synthetic shell session rendered into
// clip shards in a temporary folder (on builds without the terminal renderer, procedural
// terminal-like clips).
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "common.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/progress.h"
#include "nc/core/run_config.h"
#include "nc/core/system_info.h"
#include "nc/data/dataset.h"
#include "nc/data/shard.h"
#include "nc/train/launch.h"
#ifdef NC_WITH_TERM
#include "nc/data/synthetic_session.h"
#include "nc/data/term_clips.h"
#endif

namespace nc::cli {
namespace {

struct BenchTrainArgs {
  ConfigArgs config;
  std::vector<int> ranks{1, 2};
  int steps = 12, warmup = 2, clips = 16, loader_batches = 24;
  std::string out, keep;
};

// Clip shards for the benchmark in `dir`; returns the number of clips.
size_t make_bench_shards(const std::string& dir, const Config& config, int clips) {
  data::ShardSetWriter writer(dir, 8, {{"made_by", "nc bench train"}});
#ifdef NC_WITH_TERM
  // 80x24 sessions, rendered with the config's render and clips sections, until enough clips.
  for (uint32_t seed = 1; static_cast<int>(writer.clips()) < clips; ++seed) {
    data::TermSource source;
    source.id = fmt::format("bench{}", seed);
    source.cast = data::synthetic_session(60, seed);
    data::render_term_clips(source, config.clips, config.render, [&](data::Clip&& clip) {
      if (static_cast<int>(writer.clips()) < clips) writer.add(clip);
    });
    check(seed < 100, "the synthetic sessions make no clips with this clips section", "clips");
  }
#else
  // Rows of "text" appearing one per frame on a dark 640x384 screen, like output scrolling in.
  const int w = 640, h = 384, fps = static_cast<int>(config.clips.fps);
  const int frames = std::max(9, 5 * fps);
  for (int c = 0; c < clips; ++c) {
    data::Clip clip;
    clip.id = fmt::format("bench_{:04d}", c);
    clip.fps = config.clips.fps;
    Image screen(w, h, 24, 24, 32);
    for (int f = 0; f < frames; ++f) {
      const int row = (f + c) % 24, y0 = row * 16 + 2;
      const int len = 80 + (c * 37 + f * 53) % 480;
      for (int y = y0; y < y0 + 11; ++y)
        for (int x = 8; x < 8 + len; ++x) {
          uint8_t* p = screen.pixel(x, y);
          const bool ink = ((x / 8 + row + c) % 5) != 0 && (x % 8) < 6;
          p[0] = ink ? 200 : 24;
          p[1] = ink ? static_cast<uint8_t>(120 + 10 * (row % 8)) : 24;
          p[2] = ink ? 180 : 32;
        }
      clip.frames.push_back(screen);
    }
    clip.captions = {"The user runs `ls`.", "The user runs `ls` and output scrolls in.", "A terminal showing output."};
    writer.add(clip);
  }
#endif
  return writer.finish();
}

struct RunResult {
  int ranks = 0;
  double samples_per_s = 0, step_s = 0;
  int64_t timed_steps = 0;
};

// Samples/s from a run's metrics.jsonl between the end of the warm-up and the last step.
RunResult read_run(const std::string& run_dir, int ranks, int64_t warmup, int64_t samples_per_step) {
  std::ifstream in(run_dir + "/metrics.jsonl");
  check(in.good(), "the run wrote no metrics", run_dir + "/metrics.jsonl");
  std::string line;
  double t0 = -1, t1 = -1;
  int64_t s0 = -1, s1 = -1;
  while (std::getline(in, line)) {
    const auto r = nlohmann::json::parse(line);
    if (!r.contains("loss")) continue;
    const int64_t step = r.at("step").get<int64_t>();
    if (step == warmup) {
      s0 = step;
      t0 = r.at("elapsed_s").get<double>();
    }
    if (step > s1) {
      s1 = step;
      t1 = r.at("elapsed_s").get<double>();
    }
  }
  check(s0 >= 0 && s1 > s0, "no steps after the warm-up were logged", run_dir + "/metrics.jsonl",
        "use more --steps than --warmup");
  RunResult r;
  r.ranks = ranks;
  r.timed_steps = s1 - s0;
  r.step_s = (t1 - t0) / r.timed_steps;
  r.samples_per_s = samples_per_step / r.step_s;
  return r;
}

void run_bench_train(const BenchTrainArgs& a) {
  check(a.warmup >= 1 && a.steps > a.warmup, "--steps must exceed --warmup (>= 1)", "--steps");
  Config config = load_config(a.config);
  setup_run(config);
  // The stored terminal frames (640x384) are far beyond a CPU step of the tiny model; unless the
  // config sets a training size, the bench letterboxes them to a quarter (160x96).
  if (config.data.height == 0) {
    config.data.height = 96;
    config.data.width = 160;
  }
  config.data.val_every = 0;
  config.data.val.clear();
  config.train.steps = a.steps;
  config.train.log_every = 1;
  config.train.ckpt_every = a.steps;
  config.train.keep_last = 1;
  config.train.eval_every = 0;
  config.train.sample_every = 0;
  config.train.max_minutes = 0;

  std::string tmp = a.keep;
  if (tmp.empty()) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/nc-bench-train-XXXXXX";
    check(::mkdtemp(pattern.data()) != nullptr, "cannot create a temporary folder", pattern);
    tmp = pattern;
  }
  make_dirs(tmp);
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{a.keep.empty() ? tmp : ""};

  const auto t_data = std::chrono::steady_clock::now();
  config.data.train = tmp + "/shards";
  const size_t clips = make_bench_shards(config.data.train, config, a.clips);
  log::info("bench data: {} clips in {} ({:.1f} s)", clips, config.data.train,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t_data).count());
  const std::string config_path = tmp + "/config.json";
  write_file_atomic(config_path, config::to_json(config).dump(2) + "\n");

  const SystemInfo info = system_info();
  std::cout << fmt::format(
      "bench train: stage {} ({}), {} frames of {}x{}, batch {} per rank, grad_accum {}, precision {}, device {}; "
      "{} cores; {} timed steps after {} warm-up\n",
      config.train.stage, config.run.name, config.data.frames, config.data.width, config.data.height,
      config.data.batch_size, config.train.grad_accum, config.train.precision, config.run.device, available_cores(),
      a.steps - a.warmup, a.warmup);

  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  double one_rank_steps_per_s = 0;
  for (int ranks : a.ranks) {
    check(ranks >= 1, "rank counts must be positive", "--ranks");
    const std::string run_dir = fmt::format("{}/run-{}", tmp, ranks);
    train::LaunchOptions lo;
    lo.ranks = ranks;
    const int code = train::launch_local(
        {"--log-level", "warn", "train", "--config", config_path, "--run-dir", run_dir}, lo);
    if (code != 0) throw Error(fmt::format("the {}-rank training run failed (exit code {})", ranks, code), run_dir);
    const int64_t per_step = int64_t(config.data.batch_size) * config.train.grad_accum * ranks;
    const RunResult r = read_run(run_dir, ranks, a.warmup, per_step);
    if (ranks == 1) one_rank_steps_per_s = 1.0 / r.step_s;
    std::cout << fmt::format("  {} rank(s){}: {:.3f} s/step, {:.2f} samples/s\n", ranks,
                             ranks > 1 ? " (Gloo)" : "", r.step_s, r.samples_per_s);
    runs.push_back({{"ranks", ranks}, {"step_s", r.step_s}, {"samples_per_s", r.samples_per_s},
                    {"timed_steps", r.timed_steps}});
  }

  // The loader alone, with the run's options (worker threads, prefetch), after a warm-up.
  auto [train_set, val_set] = data::split_dataset(config.data);
  data::Loader loader(train_set, data::LoaderOptions::from(config.data, 0, 0, 1));
  for (int i = 0; i < 2; ++i) loader.next();
  Progress progress("loader", a.loader_batches, "batch");
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < a.loader_batches; ++i) {
    loader.next();
    progress.advance();
  }
  const double loader_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.finish();
  const double loader_bps = a.loader_batches / loader_s;
  nlohmann::ordered_json loader_json = {{"workers", config.data.workers}, {"prefetch", config.data.prefetch},
                                        {"batches_per_s", loader_bps}};
  std::cout << fmt::format("  loader ({} workers, prefetch {}): {:.1f} batches/s", config.data.workers,
                           config.data.prefetch, loader_bps);
  if (one_rank_steps_per_s > 0) {
    const double consumed = one_rank_steps_per_s * config.train.grad_accum;
    const double ratio = loader_bps / consumed;
    std::cout << fmt::format("; the 1-rank step consumes {:.2f} batches/s: loader {:.1f}x faster (target >= 5x: {})",
                             consumed, ratio, ratio >= 5 ? "met" : "NOT met");
    loader_json["step_batches_per_s"] = consumed;
    loader_json["ratio"] = ratio;
  }
  std::cout << "\n";
  if (!a.out.empty()) {
    nlohmann::ordered_json doc = {{"benchmark", "train"},
                                  {"system", to_json(info)},
                                  {"config", config::to_json(config)},
                                  {"runs", runs},
                                  {"loader", loader_json}};
    write_file_atomic(a.out, doc.dump(2) + "\n");
    log::info("wrote {}", a.out);
  }
}

}  // namespace

void add_bench_train_command(CLI::App& bench, Commands& commands) {
  auto a = std::make_shared<BenchTrainArgs>();
  auto* cmd = bench.add_subcommand("train", "training samples/s with 1 and N Gloo ranks; loader throughput vs the step");
  add_config_options(cmd, a->config);
  cmd->add_option("--ranks", a->ranks, "rank counts to run (each a local `nc launch`)")->capture_default_str();
  cmd->add_option("--steps", a->steps, "optimiser steps per run (warm-up included)")->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "steps left out of the timing")->capture_default_str();
  cmd->add_option("--clips", a->clips, "synthetic clips to train on")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--loader-batches", a->loader_batches, "batches timed from the loader alone")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--keep", a->keep, "make the data and runs in this folder and keep them (default: a temporary one)");
  cmd->add_option("--out", a->out, "also write the results as JSON to this file");
  commands.push_back({cmd, [a] { run_bench_train(*a); }});
}

}  // namespace nc::cli
