// nc data tapes gen | run | check, and nc bench tapes: VHS tapes run natively (CLIGen Clean).
#include <fmt/format.h>

#include <iostream>
#include <map>

#include "common.h"
#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/system_info.h"
#include "nc/data/tape_batch.h"
#include "nc/data/tape_generators.h"
#include "nc/term/tape.h"
#include "nc/term/tape_runner.h"

namespace nc::cli {
namespace {

data::TapeBatchOptions batch_options(const Config& config, bool progress) {
  data::TapeBatchOptions o;
  o.tapes = config.tapes;
  o.clips = config.clips;
  o.render = config.render;
  o.config = config::to_json(config);
  o.progress = progress;
  return o;
}

// The failures, grouped by reason (ids of the first few per reason).
void print_failures(const data::TapeBatchReport& r) {
  std::map<std::string, std::vector<std::string>> by_reason;
  for (const auto& [id, reason] : r.failures) {
    // "file.tape: what" -> "what": the same reason across tapes groups together.
    std::string key = reason;
    const size_t colon = key.find(".tape");
    if (colon != std::string::npos && key.find(": ", colon) != std::string::npos) key = key.substr(key.find(": ", colon) + 2);
    by_reason[key].push_back(id);
  }
  for (const auto& [reason, ids] : by_reason) {
    std::cerr << fmt::format("  {} tape(s): {}\n    ", ids.size(), reason);
    for (size_t i = 0; i < ids.size() && i < 5; ++i) std::cerr << (i ? ", " : "") << ids[i];
    if (ids.size() > 5) std::cerr << ", ...";
    std::cerr << "\n";
  }
}

}  // namespace

void add_data_tapes_command(CLI::App& data, Commands& commands) {
  auto* tapes = data.add_subcommand(
      "tapes", "VHS tapes run natively: generate them, run them into clip shards, check them (CLIGen Clean)");
  tapes->require_subcommand(1);

  // ---- gen ----
  auto gen = std::make_shared<data::TapeGenOptions>();
  auto gen_out = std::make_shared<std::string>();
  auto* g = tapes->add_subcommand("gen", "write .tape files and manifest.jsonl for a family of tapes");
  g->add_option("--family", gen->family, "basic, basic_mix, files, text_pipeline, git, interactive, arithmetic")
      ->required();
  g->add_option("--count", gen->count, "how many tapes")->required();
  g->add_option("--seed", gen->seed, "random seed; 0: the family's reference seed")->capture_default_str();
  g->add_option("--out,-o", *gen_out, "output folder")->required();
  g->add_option("--prefix", gen->prefix, "tape ids are PREFIX_NNNNNN (default: the family, or heldout)");
  g->add_option("--start-index", gen->start_index, "first id number")->capture_default_str();
  g->add_option("--id-width", gen->id_width, "digits in the id number")->capture_default_str();
  g->add_option("--reprompt", gen->reprompt,
                "arithmetic: fraction of instructions ending with \"The answer is N.\"")
      ->capture_default_str();
  g->add_option("--split", gen->split, "arithmetic: train (never the held-out problems) or heldout (the pool)")
      ->capture_default_str();
  g->add_flag("!--no-exit", gen->exit_repl, "arithmetic: leave the REPL open at the end (as the paper's figures)");
  commands.push_back({g, [gen, gen_out] {
                        auto r = data::write_generated_tapes(*gen, *gen_out);
                        std::cout << "wrote " << r.tapes << " " << gen->family << " tapes and " << r.manifest;
                        if (gen->family == "arithmetic") std::cout << " (+ heldout.jsonl, categories.json)";
                        std::cout << "\n";
                      }});

  // ---- run ----
  struct RunArgs {
    ConfigArgs config;
    std::vector<std::string> inputs;
    std::string out;
    int jobs = 0;
    bool no_progress = false;
  };
  auto run = std::make_shared<RunArgs>();
  auto* r = tapes->add_subcommand(
      "run",
      "run tapes into clip shards, many at once, skipping finished ones. WARNING: tapes run REAL commands as "
      "you, in a sandbox folder that keeps files apart but confines nothing (docs/DATA.md)");
  r->add_option("inputs", run->inputs, "manifest.jsonl files, .tape files or folders of them")->required();
  r->add_option("--out,-o", run->out, "output folder (shards, results.jsonl, summary.json, config.yaml)")->required();
  r->add_option("-j,--jobs", run->jobs, "tapes at once (default: tapes.jobs)");
  r->add_flag("--no-progress", run->no_progress, "no progress line");
  add_config_options(r, run->config);
  commands.push_back({r, [run] {
                        Config config = load_config(run->config);
                        if (run->jobs > 0) config.tapes.jobs = run->jobs;
                        setup_run(config);
                        const auto jobs = data::find_tape_jobs(run->inputs);
                        write_resolved_config(run->out, config);
                        auto rep = data::run_tape_batch(jobs, run->out, batch_options(config, !run->no_progress));
                        std::cout << fmt::format(
                            "{} tapes: {} ok, {} failed, {} dropped, {} skipped (done before); {} frames in {:.1f} s "
                            "({:.1f} tapes/min, {:.3f} CPU s per tape) -> {}\n",
                            rep.tapes, rep.ok, rep.failed, rep.dropped, rep.skipped, rep.frames, rep.seconds,
                            rep.tapes_per_minute(), rep.cpu_per_tape(), run->out);
                        if (rep.failed > 0) {
                          print_failures(rep);
                          throw Error(std::to_string(rep.failed) + " of " + std::to_string(rep.tapes) +
                                          " tapes failed (reasons in " + run->out + "/results.jsonl)",
                                      run->out, "run again to retry them; finished tapes are skipped");
                        }
                      }});

  // ---- check ----
  struct CheckArgs {
    std::vector<std::string> inputs;
    std::string path = "/usr/local/bin:/usr/bin:/bin";
  };
  auto chk = std::make_shared<CheckArgs>();
  auto* c = tapes->add_subcommand("check", "parse tapes and check their Require lines, without running anything");
  c->add_option("inputs", chk->inputs, ".tape files, folders or manifest.jsonl files")->required();
  c->add_option("--path", chk->path, "PATH to look for required programs in")->capture_default_str();
  commands.push_back({c, [chk] {
                        int bad = 0, n = 0;
                        for (const auto& job : data::find_tape_jobs(chk->inputs)) {
                          ++n;
                          try {
                            term::Tape t = term::read_tape(job.path);
                            term::check_requires(t, chk->path);
                            for (const auto& w : t.warnings) std::cerr << "warning: " << w << "\n";
                            std::cout << fmt::format("{}: ok, {} commands, {:.2f} s\n", job.path, t.commands.size(),
                                                     t.duration());
                          } catch (const Error& e) {
                            ++bad;
                            std::cerr << e.what() << "\n";
                          }
                        }
                        if (bad) throw Error(std::to_string(bad) + " of " + std::to_string(n) + " tapes have errors");
                      }});
}

void add_bench_tapes_command(CLI::App& bench, Commands& commands) {
  struct Args {
    ConfigArgs config;
    std::string family = "basic";
    int count = 32;
    int jobs = 16;
    std::string work = "/tmp/nc-bench-tapes";
    std::string out;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = bench.add_subcommand("tapes", "tape runs: CPU per tape beyond its sleeps, tapes per minute");
  add_config_options(cmd, a->config);
  cmd->add_option("--family", a->family, "tape family (nc data tapes gen)")->capture_default_str();
  cmd->add_option("--count", a->count, "tapes")->capture_default_str();
  cmd->add_option("-j,--jobs", a->jobs, "tapes at once")->capture_default_str();
  cmd->add_option("--work", a->work, "folder for the tapes and shards")->capture_default_str();
  cmd->add_option("--out", a->out, "also write the results as JSON to this file");
  commands.push_back({cmd, [a] {
                        Config config = load_config(a->config);
                        config.tapes.jobs = a->jobs;
                        setup_run(config);
                        auto r = data::bench_tapes(a->family, a->count, batch_options(config, false), a->work);
                        std::cout << fmt::format(
                            "{} x {} tapes, -j {} on {} cores: {:.1f} s wall = {:.1f} tapes/min; a tape lasts {:.2f} s "
                            "and costs {:.3f} CPU s (nc {:.3f} of which rendering {:.3f}, its programs {:.3f}) = {:.3f} "
                            "CPU s per 5 s of tape; {} failed\n",
                            r["tapes"].get<int>(), a->family, a->jobs, r["cores"].get<unsigned>(),
                            r["wall_seconds"].get<double>(), r["tapes_per_minute"].get<double>(),
                            r["tape_seconds_mean"].get<double>(), r["cpu_per_tape"].get<double>(),
                            r["cpu_self_per_tape"].get<double>(), r["cpu_render_per_tape"].get<double>(),
                            r["cpu_children_per_tape"].get<double>(), r["cpu_per_5s_of_tape"].get<double>(),
                            r["failed"].get<int>());
                        if (!a->out.empty())
                          write_file_atomic(a->out, nlohmann::ordered_json({{"benchmark", "tapes"},
                                                                            {"system", to_json(system_info())},
                                                                            {"results", r}})
                                                            .dump(2) +
                                                        "\n");
                      }});
}

}  // namespace nc::cli
