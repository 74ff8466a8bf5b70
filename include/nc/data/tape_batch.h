// `nc data tapes run`: many tapes at once (they mostly wait on their sleeps and typing), each in
// its own sandbox, rendered into clip shards. Finished tapes are skipped on a rerun (the folder's
// results.jsonl says which); failures are listed with their reasons; a progress line shows
// ok / failed / running.
//
// Output folder: shard-NNNNN.ncshard + shards.json (docs/FORMATS.md), results.jsonl (one line
// per finished tape: id, status ok|failed|dropped, reason, shard, timings), summary.json (this
// run), casts/<id>.cast when tapes.write_casts.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nc/data/clip_options.h"
#include "nc/data/tape_options.h"
#include "nc/term/render_options.h"

namespace nc::data {

// One line of a manifest (PAPER.md §1.2): {"<id>": {"path": ..., "output": ..., "runtime_mode": ...}}.
struct TapeJob {
  std::string id;
  std::string path;      // resolved (the manifest's is relative to its folder)
  std::string output;    // the reference runner's output name (kept in the record)
  std::string runtime_mode = "shared";
};

// Throws nc::Error naming file:line for a malformed line or a duplicate id.
std::vector<TapeJob> read_manifest(const std::string& path);
// The manifest line for a tape whose path is relative to the manifest's folder.
std::string manifest_line(const std::string& id, const std::string& relative_path, const std::string& output,
                          const std::string& runtime_mode = "shared");
// manifest.jsonl files, .tape files and folders of .tape files (recursive, sorted), in order.
std::vector<TapeJob> find_tape_jobs(const std::vector<std::string>& inputs);

struct TapeBatchOptions {
  TapeOptions tapes;
  ClipOptions clips;
  term::RenderOptions render;
  nlohmann::json config;  // stored in shards.json
  bool progress = true;
};

struct TapeBatchReport {
  int tapes = 0, skipped = 0, ok = 0, failed = 0, dropped = 0;
  std::vector<std::pair<std::string, std::string>> failures;  // id, reason
  double seconds = 0;             // wall time of the batch
  double tape_seconds = 0;        // scripted length of the tapes run (sleeps and typing)
  double cpu_self_seconds = 0;    // nc itself: driving the terminals and rendering
  double cpu_children_seconds = 0;  // the shells and what they ran (reaped processes)
  double cpu_render_seconds = 0;  // of cpu_self: rendering and shard writing
  int frames = 0;
  nlohmann::json to_json() const;
  double cpu_per_tape() const;
  double tapes_per_minute() const;
};

TapeBatchReport run_tape_batch(const std::vector<TapeJob>& jobs, const std::string& out_dir,
                               const TapeBatchOptions& options);

// The ids results.jsonl in `out_dir` lists as done (ok or dropped).
std::vector<std::string> finished_tapes(const std::string& out_dir);

// `nc bench tapes`: generates `count` tapes of `family` into <work_dir>/tapes, runs them with
// tapes.jobs at once into <work_dir>/out, and reports wall time, tapes per minute and CPU
// seconds per tape (nc itself, the programs the tapes ran, rendering), also per 5 s of tape.
nlohmann::json bench_tapes(const std::string& family, int count, const TapeBatchOptions& options,
                           const std::string& work_dir);

}  // namespace nc::data
