#include "nc/data/tape_batch.h"

#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/progress.h"
#include "nc/data/shard.h"
#include "nc/data/tape_clip.h"
#include "nc/data/tape_generators.h"
#include "nc/term/asciicast.h"
#include "nc/term/tape.h"
#include "nc/term/tape_runner.h"

namespace nc::data {
namespace fs = std::filesystem;
namespace {

double cpu_seconds(int who) {
  rusage u{};
  ::getrusage(who, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// Ctrl+C / SIGTERM during a batch: start no new tape, finish the running ones and the shards.
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop = true; }

// Finished runs waiting to be rendered.
template <class T>
class WorkQueue {
 public:
  void push(T item) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      items_.push_back(std::move(item));
    }
    cv_.notify_one();
  }
  // False once the queue is closed and empty.
  bool pop(T& out) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return false;
    out = std::move(items_.front());
    items_.pop_front();
    return true;
  }
  void close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace

std::string manifest_line(const std::string& id, const std::string& relative_path, const std::string& output,
                          const std::string& runtime_mode) {
  nlohmann::json j = {{id, {{"path", relative_path}, {"output", output}, {"runtime_mode", runtime_mode}}}};
  return j.dump();
}

std::vector<TapeJob> read_manifest(const std::string& path) {
  const std::string text = read_file(path);
  const std::string base = dir_of(path);
  std::vector<TapeJob> jobs;
  std::set<std::string> seen;
  size_t pos = 0;
  long line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("invalid JSON: ") + e.what(), at_line(path, line_no));
    }
    if (!j.is_object() || j.size() != 1 || !j.begin().value().is_object())
      throw Error("a manifest line is one object with one key, the tape id", at_line(path, line_no),
                  "{\"demo_000000\": {\"path\": \"demo_000000.tape\", \"output\": \"demo_000000.mp4\", "
                  "\"runtime_mode\": \"shared\"}}");
    TapeJob job;
    job.id = j.begin().key();
    const nlohmann::json& v = j.begin().value();
    if (!v.contains("path") || !v["path"].is_string())
      throw Error("tape '" + job.id + "' has no \"path\" string", at_line(path, line_no));
    job.path = resolve_path(base, v["path"].get<std::string>());
    job.output = v.value("output", job.id + ".mp4");
    job.runtime_mode = v.value("runtime_mode", std::string("shared"));
    if (job.runtime_mode != "shared" && job.runtime_mode != "isolated")
      throw Error("runtime_mode '" + job.runtime_mode + "'", at_line(path, line_no), "shared or isolated");
    if (!seen.insert(job.id).second) throw Error("tape id '" + job.id + "' appears twice", at_line(path, line_no));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

std::vector<TapeJob> find_tape_jobs(const std::vector<std::string>& inputs) {
  std::vector<TapeJob> out;
  auto add_tape = [&](const std::string& p) {
    TapeJob job;
    job.id = fs::path(p).stem().string();
    job.path = p;
    job.output = job.id + ".mp4";
    out.push_back(std::move(job));
  };
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(in, ec))
        if (e.is_regular_file() && e.path().extension() == ".tape") found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      if (found.empty()) throw Error("folder holds no .tape files", in);
      for (const auto& f : found) add_tape(f);
    } else if (fs::is_regular_file(in, ec)) {
      if (fs::path(in).extension() == ".tape") add_tape(in);
      else for (auto& j : read_manifest(in)) out.push_back(std::move(j));
    } else {
      throw Error("no such file or folder", in);
    }
  }
  std::set<std::string> ids;
  for (const auto& j : out)
    if (!ids.insert(j.id).second) throw Error("tape id '" + j.id + "' is given twice", j.path, "tape ids must be unique");
  return out;
}

std::vector<std::string> finished_tapes(const std::string& out_dir) {
  std::vector<std::string> ids;
  const std::string path = out_dir + "/results.jsonl";
  if (!file_exists(path)) return ids;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    try {
      auto j = nlohmann::json::parse(line);
      const std::string status = j.value("status", "");
      if (status == "dropped" || (status == "ok" && file_exists(out_dir + "/" + j.value("shard", std::string("-")))))
        ids.push_back(j.value("id", ""));
    } catch (const nlohmann::json::exception&) {
      // A line cut off by a crash: that tape runs again.
    }
  }
  return ids;
}

double TapeBatchReport::cpu_per_tape() const {
  const int n = ok + failed + dropped;
  return n > 0 ? (cpu_self_seconds + cpu_children_seconds) / n : 0;
}

double TapeBatchReport::tapes_per_minute() const {
  const int n = ok + failed + dropped;
  return seconds > 0 ? 60.0 * n / seconds : 0;
}

nlohmann::json TapeBatchReport::to_json() const {
  nlohmann::json f = nlohmann::json::array();
  for (const auto& [id, reason] : failures) f.push_back({{"id", id}, {"reason", reason}});
  return {{"tapes", tapes},
          {"skipped", skipped},
          {"ok", ok},
          {"failed", failed},
          {"dropped", dropped},
          {"frames", frames},
          {"seconds", seconds},
          {"tape_seconds", tape_seconds},
          {"cpu_self_seconds", cpu_self_seconds},
          {"cpu_children_seconds", cpu_children_seconds},
          {"cpu_render_seconds", cpu_render_seconds},
          {"cpu_per_tape", cpu_per_tape()},
          {"tapes_per_minute", tapes_per_minute()},
          {"failures", f}};
}

TapeBatchReport run_tape_batch(const std::vector<TapeJob>& jobs, const std::string& out_dir,
                               const TapeBatchOptions& opt) {
  const auto start = std::chrono::steady_clock::now();
  const double self0 = cpu_seconds(RUSAGE_SELF), children0 = cpu_seconds(RUSAGE_CHILDREN);
#ifdef __GLIBC__
  // A clip is ~77 frames of ~1 MB. By default glibc hands freed frames back to the kernel after
  // every clip, and the next clip pays a page fault per 4 KB again: measured, that was most of
  // the rendering's CPU. Keep the memory (at most render_threads clips).
  ::mallopt(M_MMAP_THRESHOLD, 16 << 20);  // glibc caps it at 32 MiB
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  make_dirs(out_dir);
  if (opt.tapes.write_casts) make_dirs(out_dir + "/casts");

  TapeBatchReport report;
  report.tapes = static_cast<int>(jobs.size());
  std::set<std::string> done;
  for (auto& id : finished_tapes(out_dir)) done.insert(id);
  std::vector<const TapeJob*> todo;
  for (const auto& j : jobs) {
    if (done.count(j.id)) ++report.skipped;
    else todo.push_back(&j);
  }

  std::mutex mu;  // the writer, the results file, the report, the progress line
  std::ofstream results(out_dir + "/results.jsonl", std::ios::app);
  if (!results) throw Error("cannot open results.jsonl for appending", out_dir);
  auto append_result = [&](const nlohmann::json& r) {
    results << r.dump() << "\n";
    results.flush();
  };
  // A clip's line is written once its shard is on disk: a crash never marks a lost clip done.
  std::map<std::string, nlohmann::json> waiting;
  ShardSetWriter writer(out_dir, static_cast<size_t>(opt.clips.clips_per_shard), {{"config", opt.config}}, true);
  writer.on_shard_done = [&](const std::string& file, const std::vector<std::string>& ids) {
    for (const auto& id : ids) {
      auto it = waiting.find(id);
      if (it == waiting.end()) continue;
      it->second["shard"] = file;
      append_result(it->second);
      waiting.erase(it);
    }
  };

  std::unique_ptr<Progress> progress;
  if (opt.progress) progress = std::make_unique<Progress>("tapes", static_cast<int64_t>(todo.size()), "tape");
  int running = 0;
  auto update = [&] {
    if (progress)
      progress->set_status(std::to_string(report.ok) + " ok, " + std::to_string(report.failed) + " failed, " +
                        std::to_string(report.dropped) + " dropped, " + std::to_string(running) + " running");
  };

  // Runs mostly wait, so many run at once (tapes.jobs); rendering is CPU work, done by
  // render_threads threads (each keeps its frame memory warm from clip to clip).
  const int render_threads =
      opt.tapes.render_threads > 0 ? opt.tapes.render_threads : std::max(1u, std::thread::hardware_concurrency());
  struct RenderTask {
    const TapeJob* job = nullptr;
    term::Tape tape;
    TapeLook look;
    term::TapeRecording rec;
    nlohmann::json result;
  };
  WorkQueue<RenderTask> render_queue;
  std::atomic<size_t> next{0};

  struct sigaction stop_action {}, old_int {}, old_term {};
  stop_action.sa_handler = on_stop_signal;
  stop_action.sa_flags = SA_RESETHAND;  // a second Ctrl+C ends nc at once
  sigemptyset(&stop_action.sa_mask);
  g_stop = false;
  ::sigaction(SIGINT, &stop_action, &old_int);
  ::sigaction(SIGTERM, &stop_action, &old_term);

  // Called with `mu` held.
  auto fail = [&](const TapeJob& job, nlohmann::json& result, const std::string& reason) {
    ++report.failed;
    report.failures.push_back({job.id, reason});
    result["status"] = "failed";
    result["reason"] = reason;
    append_result(result);
    log::warn("tape {} failed: {}", job.id, reason);
    if (progress) progress->advance();
    update();
  };

  auto run_worker = [&] {
    for (;;) {
      if (g_stop) break;
      const size_t i = next++;
      if (i >= todo.size()) break;
      const TapeJob& job = *todo[i];
      {
        std::lock_guard<std::mutex> lock(mu);
        ++running;
        update();
      }
      RenderTask task;
      task.job = &job;
      task.result = {{"id", job.id}, {"tape", job.path}};
      std::string failure;
      try {
        task.tape = term::read_tape(job.path);
        for (const auto& w : task.tape.warnings) log::debug("{}", w);
        if (task.tape.id() != job.id) {
          if (task.tape.metadata.contains("id")) task.tape.metadata["tape_id"] = task.tape.metadata["id"];
          task.tape.metadata["id"] = job.id;  // the manifest's id names the clip
        }
        task.result["duration"] = task.tape.duration();
        task.look = tape_look(task.tape, opt.render, opt.tapes, opt.clips);
        task.rec = term::run_tape(task.tape, tape_run_options(task.look, opt.tapes));
        task.result["wall_seconds"] = task.rec.wall_seconds;
        if (opt.tapes.write_casts)
          term::write_cast_v2(out_dir + "/casts/" + job.id + ".cast", task.rec.to_cast(job.id));
      } catch (const Error& e) {
        failure = e.what();
      } catch (const std::exception& e) {
        failure = std::string("unexpected error: ") + e.what();
      }
      std::lock_guard<std::mutex> lock(mu);
      --running;
      if (!failure.empty()) fail(job, task.result, failure);
      else render_queue.push(std::move(task));
    }
  };

  auto render_worker = [&] {
    RenderTask task;
    while (render_queue.pop(task)) {
      const TapeJob& job = *task.job;
      const double r0 = cpu_seconds(RUSAGE_THREAD);
      std::optional<Clip> clip;
      std::string failure, dropped;
      try {
        PlanReport pr;
        clip = tape_clip(task.tape, task.rec, task.look, opt.clips, &pr);
        if (clip) {
          clip->info["metadata"]["output"] = job.output;
          clip->info["metadata"]["runtime_mode"] = job.runtime_mode;
        } else {
          dropped = pr.dropped_hidden   ? "nothing shown (hidden from the start)"
                    : pr.dropped_frozen ? "the screen never changes"
                                        : "sensitive text on screen";
        }
      } catch (const Error& e) {
        failure = e.what();
      } catch (const std::exception& e) {
        failure = std::string("unexpected error: ") + e.what();
      }
      std::lock_guard<std::mutex> lock(mu);
      const double duration = task.result.value("duration", 0.0);
      if (!failure.empty()) {
        fail(job, task.result, failure);
      } else if (!clip) {
        ++report.dropped;
        report.tape_seconds += duration;
        task.result["status"] = "dropped";
        task.result["reason"] = dropped;
        append_result(task.result);
        if (progress) progress->advance();
        update();
      } else {
        ++report.ok;
        report.tape_seconds += duration;
        report.frames += static_cast<int>(clip->frames.size());
        task.result["status"] = "ok";
        waiting[job.id] = task.result;
        try {
          writer.add(*clip);
        } catch (const Error& e) {
          // The shard cannot be written: nothing later can be either.
          g_stop = true;
          report.failures.push_back({job.id, e.what()});
          log::error("{}", e.what());
        }
        if (progress) progress->advance();
        update();
      }
      clip.reset();
      report.cpu_render_seconds += cpu_seconds(RUSAGE_THREAD) - r0;
    }
  };

  const int n_workers = std::max(1, std::min<int>(opt.tapes.jobs, static_cast<int>(todo.size())));
  std::vector<std::thread> renderers, runners;
  for (int w = 0; w < render_threads; ++w) renderers.emplace_back(render_worker);
  for (int w = 0; w < n_workers; ++w) runners.emplace_back(run_worker);
  for (auto& t : runners) t.join();
  render_queue.close();
  for (auto& t : renderers) t.join();
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  const bool stopped = g_stop.exchange(false);

  writer.finish();
  if (progress) progress->finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.cpu_self_seconds = cpu_seconds(RUSAGE_SELF) - self0;
  report.cpu_children_seconds = cpu_seconds(RUSAGE_CHILDREN) - children0;
  nlohmann::json summary = report.to_json();
  summary["stopped"] = stopped;
  write_file_atomic(out_dir + "/summary.json", summary.dump(2) + "\n");
  if (stopped) log::warn("stopped early: {} tape(s) not run (run again to continue)", todo.size() - std::min(todo.size(), next.load()));
  return report;
}

nlohmann::json bench_tapes(const std::string& family, int count, const TapeBatchOptions& options,
                           const std::string& work_dir) {
  TapeGenOptions g;
  g.family = family;
  g.count = count;
  g.prefix = "bench_" + family;
  const TapeGenReport gen = write_generated_tapes(g, work_dir + "/tapes");
  const std::string out = work_dir + "/out";
  std::error_code ec;
  fs::remove_all(out, ec);  // a benchmark never skips
  const TapeBatchReport r = run_tape_batch(read_manifest(gen.manifest), out, options);
  const int n = std::max(1, r.ok + r.failed + r.dropped);
  const double mean_tape = r.tape_seconds / std::max(1, r.ok + r.dropped);
  return {{"family", family},
          {"tapes", count},
          {"jobs", options.tapes.jobs},
          {"cores", std::thread::hardware_concurrency()},
          {"ok", r.ok},
          {"failed", r.failed},
          {"wall_seconds", r.seconds},
          {"tapes_per_minute", r.tapes_per_minute()},
          {"tape_seconds_mean", mean_tape},
          {"cpu_per_tape", r.cpu_per_tape()},
          {"cpu_self_per_tape", r.cpu_self_seconds / n},
          {"cpu_children_per_tape", r.cpu_children_seconds / n},
          {"cpu_render_per_tape", r.cpu_render_seconds / n},
          {"cpu_per_5s_of_tape", mean_tape > 0 ? r.cpu_per_tape() * 5 / mean_tape : 0},
          {"frames", r.frames},
          {"failures", r.to_json()["failures"]}};
}

}  // namespace nc::data
