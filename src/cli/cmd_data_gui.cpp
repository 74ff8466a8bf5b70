// nc data gui record | import | convert: desktop (GUI) traces.
#include <cmath>
#include <iostream>

#include <fmt/format.h>

#include "common.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/strings.h"
#include "nc/gui/action_json.h"
#include "nc/gui/alignment.h"
#include "nc/gui/csv_log.h"
#include "nc/gui/import.h"
#ifdef NC_WITH_GUI
#include "nc/gui/recorder.h"
#endif

namespace nc::cli {
namespace {

#ifdef NC_WITH_GUI
void add_record(CLI::App& gui, Commands& commands) {
  struct Args {
    ConfigArgs config;
    double seconds = 30;
    std::string agent = "slow", out, x_server = "Xvfb";
    int index = 0;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = gui.add_subcommand("record", "record a real X desktop (Xvfb, apps, XTest) driven by an agent");
  cmd->add_option("--seconds", args->seconds, "length of the recording")->capture_default_str();
  cmd->add_option("--agent", args->agent, "slow (Bezier paths), fast (uniform jumps) or script:FILE")
      ->capture_default_str();
  cmd->add_option("--out,-o", args->out, "output folder: videos/, actions/, logs/, recording_<i>.json")->required();
  cmd->add_option("--index", args->index, "file names record_<index> (the paper's naming)")->capture_default_str();
  cmd->add_option("--x-server", args->x_server, "the X server program")->capture_default_str();
  add_config_options(cmd, args->config);
  commands.push_back({cmd, [args] {
                        Config config = load_config(args->config);
                        setup_run(config);
                        write_resolved_config(args->out, config);
                        gui::RecordRequest req;
                        req.seconds = args->seconds;
                        req.agent = args->agent;
                        req.out_dir = args->out;
                        req.index = args->index;
                        req.seed = static_cast<uint64_t>(config.run.seed);
                        req.x_server = args->x_server;
                        const gui::RecordReport r = gui::record_desktop(req, config.gui);
                        for (const auto& w : r.warnings) log::warn("{}", w);
                        std::cout << fmt::format(
                            "recorded {} frames at {} fps on :{} in {:.1f} s: {} dropped ({:.2f}%), capture {:.1f} ms "
                            "(max {:.1f}), encode {:.1f} ms per frame -> {}\n",
                            r.frames, config.gui.recorder.fps, r.display, r.wall_seconds, r.dropped,
                            100 * r.dropped_rate, r.capture_ms_mean, r.capture_ms_max, r.encode_ms_mean, args->out);
                      }});
}
#endif

void add_import(CLI::App& gui, Commands& commands) {
  struct Args {
    ConfigArgs config;
    std::vector<std::string> inputs;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = gui.add_subcommand("import", "desktop recordings (nc's or the paper's format) to clip shards");
  cmd->add_option("inputs", args->inputs, "videos or folders of recordings (videos/ + actions/)")->required();
  cmd->add_option("--out,-o", args->out, "output folder (shards, shards.json, summary.json, config.yaml)")->required();
  add_config_options(cmd, args->config);
  commands.push_back({cmd, [args] {
                        Config config = load_config(args->config);
                        setup_run(config);
                        write_resolved_config(args->out, config);
                        const gui::ImportReport r = gui::import_recordings(args->inputs, args->out, config.gui,
                                                                          config.clips, config::to_json(config));
                        std::cout << fmt::format(
                            "imported {} clips ({} frames) from {}/{} recordings in {:.1f} s ({:.0f} frames/s); "
                            "{} tail frames dropped -> {}\n",
                            r.clips, r.frames, r.recordings - r.failed, r.recordings, r.seconds,
                            r.seconds > 0 ? r.decoded_frames / r.seconds : 0.0, r.tail_frames, args->out);
                        if (r.failed > 0)
                          throw Error(std::to_string(r.failed) + " of " + std::to_string(r.recordings) +
                                          " recordings failed (see " + args->out + "/summary.json)",
                                      args->out);
                      }});
}

void add_convert(CLI::App& gui, Commands& commands) {
  struct Args {
    ConfigArgs config;
    std::string input, out;
    double fps = 0;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = gui.add_subcommand(
      "convert", "a per-frame CSV to the meta-action JSON, or an action JSON to the per-frame CSV (as action_transfer)");
  cmd->add_option("input", args->input, "a .csv or .json log")->required();
  cmd->add_option("--out,-o", args->out, "output .json (from a CSV) or .csv (from a JSON)")->required();
  cmd->add_option("--fps", args->fps, "frame rate (default: the log's, else 15)");
  add_config_options(cmd, args->config);
  commands.push_back({cmd, [args] {
                        Config config = load_config(args->config);
                        const auto& rec = config.gui.recorder;
                        gui::CsvLog csv;
                        gui::ActionLog json;
                        const bool from_csv = ends_with(args->input, ".csv");
                        double fps = args->fps;
                        int frames = 0;
                        std::vector<double> times;
                        if (from_csv) {
                          csv = gui::read_frame_csv(args->input);
                          if (fps <= 0) fps = gui::csv_fps(csv);
                          frames = static_cast<int>(csv.rows.size());
                          for (const auto& r : csv.rows) times.push_back(r.timestamp);
                        } else {
                          json = gui::read_action_json(args->input);
                          if (fps <= 0) fps = json.fps;
                          if (!json.frames.empty()) {
                            frames = static_cast<int>(json.frames.size());
                            for (const auto& r : json.frames) times.push_back(r.timestamp);
                          }
                        }
                        if (fps <= 0) fps = 15;
                        if (frames == 0) {
                          // An action log alone: ceil(duration * fps) frames at (k+1)/fps, as action_transfer.
                          double end = json.metadata.value("duration", 0.0);
                          for (const auto& a : json.actions)
                            if (std::isfinite(a.timestamp)) end = std::max(end, a.timestamp);
                          frames = std::max(1, static_cast<int>(std::ceil(end * fps)) + 1);
                          for (int k = 0; k < frames; ++k) times.push_back((k + 1) / fps);
                        }
                        gui::AlignReport report;
                        const gui::GuiTrace trace =
                            gui::align_trace(from_csv ? &csv : nullptr, from_csv ? nullptr : &json, frames, fps,
                                             rec.screen_width, rec.screen_height, config.gui.alignment, &report);
                        for (const auto& w : report.warnings) log::warn("{}", w);
                        if (ends_with(args->out, ".json")) {
                          write_file_atomic(args->out,
                                            gui::meta_action_json(trace, times, args->input,
                                                                  config.gui.alignment.double_click_window, false)
                                                    .dump(2) +
                                                "\n");
                        } else if (ends_with(args->out, ".csv")) {
                          write_file_atomic(args->out, gui::frame_csv_text(trace, times));
                        } else {
                          throw Error("output must end in .json or .csv", args->out);
                        }
                        std::cout << fmt::format("{} frames, {} events ({}) -> {}\n", trace.frames.size(),
                                                 report.events, report.events_from, args->out);
                      }});
}

}  // namespace

void add_data_gui_command(CLI::App& data, Commands& commands) {
  auto* gui = data.add_subcommand("gui", "desktop (GUI) traces: record, import, convert");
  gui->require_subcommand(1);
#ifdef NC_WITH_GUI
  add_record(*gui, commands);
#endif
  add_import(*gui, commands);
  add_convert(*gui, commands);
}

}  // namespace nc::cli
