#include "nc/train/trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>

#include <ATen/Context.h>
#include <fmt/format.h>
#include <c10/core/GradMode.h>
#include <torch/nn/module.h>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/progress.h"
#include "nc/core/torch_compat.h"
#include "nc/model/weights.h"
#include "nc/train/adamw.h"
#include "nc/train/checkpoint.h"
#include "nc/train/stage.h"

namespace nc::train {
namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c = 0, uint64_t d = 0) {
  uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull;
  x ^= (c + 1) * 0x94D049BB133111EBull;
  x ^= (d + 7) * 0xD6E8FEB86659FD93ull;
  x ^= x >> 31;
  return x & 0x7FFFFFFFFFFFFFFFull;
}

// metrics.jsonl, append-only; on resume the records after the resumed step are dropped so the
// file tells one consistent story.
class MetricsLog {
 public:
  MetricsLog(const std::string& path, int64_t resume_step) : path_(path) {
    std::string kept;
    if (file_exists(path)) {
      std::ifstream in(path);
      std::string line;
      while (std::getline(in, line)) {
        try {
          if (nlohmann::json::parse(line).value("step", int64_t(0)) <= resume_step) kept += line + "\n";
        } catch (const nlohmann::json::exception&) {
        }
      }
    }
    write_file_atomic(path, kept);
    out_.open(path, std::ios::app);
  }
  void write(const nlohmann::json& record) {
    out_ << record.dump() << "\n";
    out_.flush();
  }

 private:
  std::string path_;
  std::ofstream out_;
};

std::vector<at::Tensor> grads_of(const NamedParams& params) {
  std::vector<at::Tensor> g;
  for (const auto& [name, p] : params)
    if (p.grad().defined()) g.push_back(p.grad());
  return g;
}

void flatten_json(const nlohmann::json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) flatten_json(it.value(), prefix + (prefix.empty() ? "" : ".") + it.key(), out);
  } else {
    out[prefix] = j.dump();
  }
}

}  // namespace

nlohmann::json TrainSummary::to_json() const {
  return {{"first_step", first_step}, {"last_step", last_step}, {"first_loss", first_loss},
          {"last_loss", last_loss},   {"val_loss", val_loss},   {"seconds", seconds},
          {"samples_per_second", samples_per_second}, {"checkpoint", checkpoint}, {"stopped_early", stopped_early}};
}

void request_stop() { g_stop = true; }

std::vector<std::string> resume_conflicts(const nlohmann::json& saved, const nlohmann::json& current) {
  // The model and the shape of what it reads must match; schedules, steps and logging may change.
  std::map<std::string, std::string> a, b;
  for (const char* section : {"model"}) {
    flatten_json(saved.value(section, nlohmann::json::object()), section, a);
    flatten_json(current.value(section, nlohmann::json::object()), section, b);
  }
  for (const char* key : {"stage"}) {
    a[std::string("train.") + key] = saved.value("train", nlohmann::json::object()).value(key, nlohmann::json()).dump();
    b[std::string("train.") + key] = current.value("train", nlohmann::json::object()).value(key, nlohmann::json()).dump();
  }
  for (const char* key : {"frames", "height", "width"}) {
    a[std::string("data.") + key] = saved.value("data", nlohmann::json::object()).value(key, nlohmann::json()).dump();
    b[std::string("data.") + key] = current.value("data", nlohmann::json::object()).value(key, nlohmann::json()).dump();
  }
  std::vector<std::string> out;
  for (const auto& [key, value] : b) {
    // Where weights come from only matters before the first checkpoint.
    if (key.size() > 8 && key.compare(key.size() - 8, 8, ".weights") == 0) continue;
    auto it = a.find(key);
    const std::string was = it == a.end() ? "absent" : it->second;
    if (was != value) out.push_back(key + ": " + was + " in the checkpoint, " + value + " now");
  }
  return out;
}

Trainer::Trainer(Config config, TrainerOptions options) : config_(std::move(config)), options_(std::move(options)) {
  check(!options_.run_dir.empty(), "no run folder given", "--run-dir");
}

TrainSummary Trainer::run() {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const TrainOptions& t = config_.train;
  const uint64_t seed = static_cast<uint64_t>(config_.run.seed);

  // ---- processes, devices, threads -------------------------------------------------------------
  const DistEnv env = DistEnv::from_environment();
  if (env.world > 1) log::set_rank(env.rank);
  const c10::Device device = rank_device(pick_device(config_.run.device), env);
  int threads = config_.run.threads;
  if (threads == 0 && env.world > 1 && !device.is_cuda()) threads = std::max(1, available_cores() / env.world);
  apply_threads(threads);
  std::unique_ptr<Distributed> dist = Distributed::init(env, t.dist, device);
  const bool main_rank = dist->rank() == 0;
  const nlohmann::json config_json = config::to_json(config_);
  // A fresh run must not mix with an earlier one: its checkpoints would outrank this run's in
  // `keep_last` pruning and in every "newest checkpoint" lookup.
  if (!options_.resume && options_.resume_from.empty()) {
    const auto earlier = latest_checkpoint(options_.run_dir);
    check(!earlier.has_value(),
          "the run folder already holds checkpoints of an earlier run (newest: " +
              (earlier ? *earlier : std::string()) + ")",
          options_.run_dir, "continue it with --resume, or train into a new --run-dir");
  }
  if (main_rank) {
    make_dirs(options_.run_dir);
    config::write_yaml(options_.run_dir + "/config.yaml", config_json);
  }

  // ---- data, stage, optimiser ------------------------------------------------------------------
  auto [train_set, val_set] = data::split_dataset(config_.data);
  at::manual_seed(seed);
  std::unique_ptr<Stage> stage = make_stage(config_, device);
  NamedParams params = stage->trainable();
  check(!params.empty(), "the " + stage->name() + " stage has nothing to train", "train.stage");
  AdamW optimizer(params, t.optim);
  std::unique_ptr<Ema> ema = t.ema_decay > 0 ? std::make_unique<Ema>(params, t.ema_decay) : nullptr;
  int64_t n_params = 0;
  for (const auto& [name, p] : params) n_params += p.numel();
  log::info("stage {}: {} trainable parameters; {} training clips, {} held out; device {}", stage->name(), n_params,
            train_set->size(), val_set ? val_set->size() : 0, device.str());

  // ---- resume ------------------------------------------------------------------------------------
  int64_t step = 0;
  data::LoaderState loader_state;
  double elapsed_before = 0;
  std::optional<std::string> resume_dir;
  if (!options_.resume_from.empty()) resume_dir = latest_checkpoint(options_.resume_from);
  else if (options_.resume) resume_dir = latest_checkpoint(options_.run_dir);
  if (options_.resume && !resume_dir) log::info("no complete checkpoint in {}: starting from scratch", options_.run_dir);
  if (resume_dir) {
    const config::Document saved = config::load_file(*resume_dir + "/config.yaml");
    auto conflicts = resume_conflicts(nlohmann::json::parse(saved.root.dump()), nlohmann::json::parse(config_json.dump()));
    if (!conflicts.empty())
      throw Error("the checkpoint was trained with another config: " + conflicts.front() +
                      (conflicts.size() > 1 ? " (and " + std::to_string(conflicts.size() - 1) + " more)" : ""),
                  *resume_dir, "resume with the checkpoint's config.yaml, or start a new run folder");
    model::load_weights(stage->module(), *resume_dir + "/model.safetensors");
    const safetensors::File opt_file = safetensors::File::open(*resume_dir + "/optimizer.safetensors");
    optimizer.load_state(opt_file);
    if (ema) {
      if (file_exists(*resume_dir + "/ema.safetensors"))
        ema->load_state(safetensors::File::open(*resume_dir + "/ema.safetensors"));
      else
        log::warn("the checkpoint has no EMA: it restarts from the current weights");
    }
    const nlohmann::json state = read_checkpoint_state(*resume_dir);
    step = state.at("step").get<int64_t>();
    loader_state.epoch = state.at("loader").at("epoch").get<int64_t>();
    loader_state.batch = state.at("loader").at("batch").get<int64_t>();
    elapsed_before = state.value("elapsed_s", 0.0);
    if (state.value("world", 1) != dist->world())
      throw Error("the checkpoint was written by " + std::to_string(state.value("world", 1)) +
                      " rank(s); this run has " + std::to_string(dist->world()),
                  *resume_dir, "resume with the same number of ranks (the data order depends on it)");
    log::info("resumed from {} at step {}", *resume_dir, step);
  }
  {
    // Every rank starts from rank 0's weights.
    c10::NoGradGuard no_grad;
    std::vector<at::Tensor> tensors;
    for (const auto& [name, p] : params) tensors.push_back(p);
    dist->broadcast(tensors);
  }

  data::LoaderOptions loader_options = data::LoaderOptions::from(config_.data, seed, dist->rank(), dist->world());
  loader_options.pin_memory = device.is_cuda();  // page-locked batches: direct (DMA) copies to the GPU
  data::Loader loader(train_set, loader_options, loader_state);
  std::unique_ptr<MetricsLog> metrics = main_rank ? std::make_unique<MetricsLog>(options_.run_dir + "/metrics.jsonl", step) : nullptr;

  // ---- helpers of the loop -------------------------------------------------------------------------
  auto save = [&](int64_t at_step) -> std::string {
    if (!main_rank) return "";
    CheckpointContent c;
    c.step = at_step;
    c.model = model::named_weights(stage->module());
    if (ema) c.ema = ema->state();
    c.optimizer = optimizer.state();
    c.optimizer.emplace_back("rng.cpu", at::detail::getDefaultCPUGenerator().get_state());
    c.config_yaml = config::to_yaml(config_json);
    const double elapsed = elapsed_before + std::chrono::duration<double>(Clock::now() - started).count();
    c.state = {{"loader", {{"epoch", loader.state().epoch}, {"batch", loader.state().batch}}},
               {"lr", learning_rate(t.schedule, t.optim.lr, std::max<int64_t>(0, at_step - 1), t.steps)},
               {"elapsed_s", elapsed},
               {"world", dist->world()},
               {"seed", config_.run.seed},
               {"stage", stage->name()}};
    const std::string dir = save_checkpoint(options_.run_dir, c, t.keep_last);
    log::info("checkpoint {}", dir);
    return dir;
  };
  auto evaluate = [&]() -> double {
    if (!val_set) return -1;
    c10::NoGradGuard no_grad;
    data::LoaderOptions o = data::LoaderOptions::from(config_.data, seed, dist->rank(), dist->world());
    o.shuffle = false;
    o.workers = 1;
    // A held-out set smaller than a batch is still scored, in smaller batches; every rank
    // computes the same size, so they agree on skipping.
    o.batch_size = static_cast<int>(std::min<int64_t>(o.batch_size, static_cast<int64_t>(val_set->size()) / dist->world()));
    if (o.batch_size == 0) return -1;
    data::Loader val_loader(val_set, o);
    const int n = static_cast<int>(std::min<int64_t>(t.eval_batches, val_loader.batches_per_epoch()));
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      at::manual_seed(mix_seed(seed, 1000000007ull + i, 0, dist->rank()));
      sum += stage->forward(val_loader.next()).loss.item<double>();
    }
    return dist->mean(sum / std::max(1, n));
  };
  auto write_samples = [&](int64_t at_step) {
    if (!main_rank) return;
    c10::NoGradGuard no_grad;
    data::LoaderOptions o = data::LoaderOptions::from(config_.data, seed, 0, 1);
    o.shuffle = false;
    o.workers = 1;
    const auto& set = val_set ? val_set : train_set;
    o.batch_size = static_cast<int>(std::min<int64_t>(o.batch_size, static_cast<int64_t>(set->size())));
    data::Loader sample_loader(set, o);
    stage->write_samples(sample_loader.next(), fmt::format("{}/samples/step-{:08d}", options_.run_dir, at_step));
  };

  // ---- the loop --------------------------------------------------------------------------------------
  g_stop = false;
  auto previous_term = std::signal(SIGTERM, on_signal);
  auto previous_int = std::signal(SIGINT, on_signal);
  struct RestoreSignals {
    decltype(previous_term) term, intr;
    ~RestoreSignals() {
      std::signal(SIGTERM, term);
      std::signal(SIGINT, intr);
    }
  } restore{previous_term, previous_int};

  TrainSummary summary;
  summary.first_step = step;
  Progress progress("train " + stage->name(), t.steps, "step");
  if (t.max_minutes > 0) progress.set_time_limit(t.max_minutes * 60);
  if (!main_rank) {  // one progress display per run: rank 0's
    progress.set_stream(stderr, false);
    progress.set_plain_interval(1e9);
  }
  progress.set(step);
  const int64_t samples_per_step = int64_t(config_.data.batch_size) * t.grad_accum * dist->world();
  auto window_start = Clock::now();
  int64_t window_steps = 0;
  std::string last_checkpoint;
  int64_t last_checkpoint_step = -1;
  const bool autocast = t.precision == "bf16" && device.is_cuda();
  while (step < t.steps) {
    const double lr = learning_rate(t.schedule, t.optim.lr, step, t.steps);
    optimizer.zero_grad();
    double loss_sum = 0;
    std::map<std::string, double> parts;
    for (int micro = 0; micro < t.grad_accum; ++micro) {
      data::Batch batch = loader.next();
      at::manual_seed(mix_seed(seed, static_cast<uint64_t>(step), micro, dist->rank()));
      StepOutput out;
      {
        std::optional<compat::AutocastGuard> guard;
        if (autocast) guard.emplace(c10::DeviceType::CUDA);
        out = stage->forward(batch);
      }
      (out.loss / t.grad_accum).backward();
      loss_sum += out.loss.item<double>();
      for (const auto& [k, v] : out.metrics) parts[k] += v / t.grad_accum;
    }
    const double loss = loss_sum / t.grad_accum;
    if (!std::isfinite(loss))
      throw Error("the loss is " + std::string(std::isnan(loss) ? "NaN" : "infinite") + " at step " + std::to_string(step + 1),
                  options_.run_dir,
                  last_checkpoint.empty() ? "lower train.optim.lr" : "the last good checkpoint is " + last_checkpoint);
    if (dist->active()) dist->allreduce_mean(grads_of(params));
    const double grad_norm = clip_grad_norm(params, t.clip_grad_norm);
    if (!std::isfinite(grad_norm))
      throw Error("the gradient norm is not finite at step " + std::to_string(step + 1), options_.run_dir,
                  last_checkpoint.empty() ? "lower train.optim.lr" : "the last good checkpoint is " + last_checkpoint);
    optimizer.step(lr);
    if (ema) ema->update(params);
    ++step;
    ++window_steps;
    if (summary.first_loss == 0) summary.first_loss = loss;
    summary.last_loss = loss;

    if (step % t.log_every == 0 || step == t.steps) {
      const double mean_loss = dist->mean(loss);
      const double secs = std::chrono::duration<double>(Clock::now() - window_start).count();
      const double sps = secs > 0 ? window_steps * samples_per_step / secs : 0;
      window_start = Clock::now();
      window_steps = 0;
      if (main_rank) {
        nlohmann::json record = {{"step", step}, {"loss", mean_loss}, {"lr", lr}, {"grad_norm", grad_norm},
                                 {"samples_per_s", sps},
                                 {"elapsed_s", elapsed_before + std::chrono::duration<double>(Clock::now() - started).count()}};
        for (const auto& [k, v] : parts) record[k] = v;
        metrics->write(record);
      }
      progress.set_status(fmt::format("loss {:.4f} lr {:.2e} {:.2f} samples/s", mean_loss, lr, sps));
    }
    progress.set(step);
    if (t.eval_every > 0 && step % t.eval_every == 0 && step < t.steps) {
      const double v = evaluate();
      if (main_rank && v >= 0) metrics->write({{"step", step}, {"val_loss", v}});
    }
    if (t.sample_every > 0 && step % t.sample_every == 0) write_samples(step);

    const bool out_of_time = t.max_minutes > 0 &&
                             std::chrono::duration<double>(Clock::now() - started).count() > t.max_minutes * 60;
    const bool stop = dist->max(g_stop || out_of_time ? 1.0 : 0.0) > 0;
    if (step % t.ckpt_every == 0 || stop) {
      last_checkpoint = save(step);
      last_checkpoint_step = step;
    }
    if (stop) {
      log::info("stopping at step {} ({})", step, out_of_time ? "train.max_minutes reached" : "signal");
      summary.stopped_early = true;
      break;
    }
  }
  progress.finish();

  // ---- the end ------------------------------------------------------------------------------------
  if (!summary.stopped_early) {
    summary.val_loss = evaluate();
    if (main_rank && summary.val_loss >= 0) metrics->write({{"step", step}, {"val_loss", summary.val_loss}});
    if (t.sample_every > 0 && step % t.sample_every != 0) write_samples(step);
  }
  if (last_checkpoint_step != step) last_checkpoint = save(step);
  dist->barrier();
  summary.last_step = step;
  summary.checkpoint = last_checkpoint;
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  summary.samples_per_second = summary.seconds > 0 ? (step - summary.first_step) * samples_per_step / summary.seconds : 0;
  if (main_rank) write_file_atomic(options_.run_dir + "/summary.json", summary.to_json().dump(2) + "\n");
  return summary;
}

}  // namespace nc::train
