#include "nc/gui/import.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <regex>

#include <ATen/ops/zeros.h>
#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/progress.h"
#include "nc/data/shard.h"
#include "nc/gui/actions.h"
#include "nc/gui/cursor.h"
#include "nc/video/mp4_writer.h"
#include "nc/video/resize.h"
#include "nc/video/video_reader.h"

namespace nc::gui {
namespace fs = std::filesystem;

namespace {

bool is_video(const fs::path& p) {
  const std::string e = p.extension().string();
  return e == ".mp4" || e == ".mkv" || e == ".webm" || e == ".avi" || e == ".mov";
}

std::string first_existing(const std::vector<fs::path>& dirs, const std::vector<std::string>& names) {
  for (const auto& name : names)
    for (const auto& d : dirs) {
      std::error_code ec;
      const fs::path p = d / name;
      if (fs::is_regular_file(p, ec)) return p.lexically_normal().string();
    }
  return {};
}

RecordingFiles files_of(const fs::path& video) {
  RecordingFiles r;
  r.video = video.string();
  const std::string stem = video.stem().string();
  r.id = stem;
  const fs::path dir = video.parent_path().empty() ? fs::path(".") : video.parent_path();
  const std::vector<fs::path> dirs = {dir, dir / "actions", dir / ".." / "actions"};
  std::smatch m;
  const bool indexed = std::regex_match(stem, m, std::regex(R"(record_(\d+))"));
  const std::string i = indexed ? m[1].str() : "";
  r.csv = first_existing(dirs, {stem + ".csv", "screen_" + stem + ".csv"});
  std::vector<std::string> json_names;
  if (indexed) json_names.push_back("meta_actions_" + i + ".json");
  json_names.push_back(stem + ".json");
  if (indexed) json_names.push_back("actions_" + i + ".json");
  r.json = first_existing(dirs, json_names);
  return r;
}

// Tensor rows [a, b) of a per-frame tensor.
at::Tensor rows(const at::Tensor& t, int64_t a, int64_t b) { return t.slice(0, a, b).clone(); }

}  // namespace

std::vector<RecordingFiles> find_recordings(const std::vector<std::string>& inputs) {
  std::vector<fs::path> videos;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::recursive_directory_iterator(in, ec))
        if (e.is_regular_file() && is_video(e.path())) found.push_back(e.path());
      if (found.empty()) throw Error("folder holds no videos (.mp4, .mkv, .webm, .avi, .mov)", in);
      std::sort(found.begin(), found.end());
      videos.insert(videos.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(in, ec)) {
      if (!is_video(in)) throw Error("not a video (.mp4, .mkv, .webm, .avi, .mov)", in);
      videos.emplace_back(in);
    } else {
      throw Error("no such file or folder", in);
    }
  }
  std::vector<RecordingFiles> out;
  std::map<std::string, int> seen;
  for (const auto& v : videos) {
    RecordingFiles r = files_of(v);
    const int n = ++seen[r.id];
    if (n > 1) r.id += "_" + std::to_string(n);
    out.push_back(std::move(r));
  }
  return out;
}

RecordingImport import_recording(const RecordingFiles& files, const GuiOptions& gui, const data::ClipOptions& clips,
                                 const std::function<void(data::Clip&&)>& sink) {
  if (files.csv.empty() && files.json.empty())
    throw Error("no log beside the video", files.video,
                "expected <stem>.csv, screen_<stem>.csv, <stem>.json, meta_actions_<i>.json or actions_<i>.json "
                "here or in actions/");
  video::VideoReader reader(files.video);
  const double fps = reader.fps();
  check(fps > 0, "the video has no frame rate", files.video);
  if (std::fabs(fps - clips.fps) > 0.01 * fps)
    throw Error("the video has " + std::to_string(fps) + " fps, clips.fps is " + std::to_string(clips.fps), files.video,
                "GUI recordings are not resampled: set clips.fps to the video's rate");
  int64_t total = reader.fps() > 0 ? reader.frame_count_estimate() : -1;
  if (fs::path(files.video).extension() != ".mp4" || total < 0) {
    // Only MP4 states its frame count exactly; anything else is counted.
    video::VideoReader counter(files.video);
    Image scratch;
    total = 0;
    while (counter.read(scratch)) ++total;
  }
  check(total > 0, "the video has no frames", files.video);
  const int screen_w = reader.width(), screen_h = reader.height();

  CsvLog csv;
  ActionLog json;
  if (!files.csv.empty()) csv = read_frame_csv(files.csv);
  if (!files.json.empty()) json = read_action_json(files.json);
  RecordingImport result;
  const GuiTrace trace = align_trace(files.csv.empty() ? nullptr : &csv, files.json.empty() ? nullptr : &json,
                                     static_cast<int>(total), fps, screen_w, screen_h, gui.alignment,
                                     &result.alignment);
  for (const auto& w : result.alignment.warnings) log::warn("{}", w);

  // Whole-recording tensors, sliced per clip.
  const int64_t T = static_cast<int64_t>(trace.frames.size());
  const at::Tensor raw = encode_raw_actions(trace, gui.alignment.move_threshold);
  const Trajectory traj = mouse_trajectories(trace, gui.width, gui.height);
  const at::Tensor scroll = scroll_deltas(trace);
  MetaActions meta = encode_meta_actions(trace, gui.slots, gui.alignment.move_threshold);
  result.overflow = meta.overflow;
  if (meta.overflow > 0)
    log::warn("{}: {} meta action(s) beyond {} slots per frame dropped", files.video, meta.overflow, gui.slots);
  const at::Tensor text_bytes = typed_text_bytes(meta, gui.text_bytes);
  at::Tensor screen = at::zeros({T, 2}, at::kFloat);
  for (int64_t t = 0; t < T; ++t) {
    const GuiFrame& f = trace.frames[static_cast<size_t>(t)];
    if (!f.has_cursor()) continue;
    screen.data_ptr<float>()[2 * t] = static_cast<float>(f.x);
    screen.data_ptr<float>()[2 * t + 1] = static_cast<float>(f.y);
  }
  const auto background = parse_hex_colour(gui.cursor.background, "gui.cursor.background");
  const auto fill = parse_hex_colour(gui.fill, "gui.fill");
  const CursorSprite sprite = arrow_cursor(gui.cursor.size, gui.cursor.outline);
  const CursorPatches patches = cursor_patches(traj.xy, traj.valid, gui.width, gui.height, sprite, background);
  const video::LetterboxGeometry geo = video::letterbox_geometry(screen_w, screen_h, gui.width, gui.height);

  const int64_t F = clips.frames;
  const int64_t nclips = T / F;
  result.tail_frames = static_cast<int>(T - nclips * F);
  const nlohmann::json align_json = nlohmann::json::parse(result.alignment.to_json().dump());
  Image frame;
  for (int64_t c = 0; c < nclips; ++c) {
    data::Clip clip;
    clip.id = files.id + "_" + fmt::format("{:04d}", c);
    clip.fps = fps;
    const int64_t a = c * F, b = a + F;
    for (int64_t k = a; k < b; ++k) {
      if (!reader.read(frame))
        throw Error("the video ended at frame " + std::to_string(k) + " but its container says " +
                        std::to_string(total),
                    files.video);
      clip.frames.push_back(video::letterbox(frame, gui.width, gui.height, fill[0], fill[1], fill[2]));
    }
    nlohmann::json typed = nlohmann::json::array();
    for (int64_t t = a; t < b; ++t)
      for (size_t s = 0; s < meta.text[static_cast<size_t>(t)].size(); ++s) {
        const std::string& text = meta.text[static_cast<size_t>(t)][s];
        if (!text.empty()) typed.push_back({{"frame", t - a}, {"slot", s}, {"text", text}});
      }
    std::vector<int64_t> source_frames;
    for (int64_t k = a; k < b; ++k) source_frames.push_back(k);
    clip.info["source"] = "gui";
    clip.info["source_frames"] = source_frames;
    clip.info["data_info"] = {
        {"screen", {{"width", screen_w}, {"height", screen_h}}},
        {"frame_size", {{"width", gui.width}, {"height", gui.height}}},
        {"letterbox", {{"scale", geo.scale}, {"pad_x", geo.pad_x}, {"pad_y", geo.pad_y}, {"fill", gui.fill}}},
        {"cursor",
         {{"size", gui.cursor.size},
          {"sprite", {{"width", sprite.width}, {"height", sprite.height}}},
          {"hotspot", {sprite.hot_x, sprite.hot_y}},
          {"background", gui.cursor.background}}},
        {"actions", {{"raw", "v1: 13 mouse + 169 keys"}, {"meta", "v2"}, {"slots", gui.slots}}}};
    clip.info["metadata"] = {{"video", files.video},  {"csv", files.csv},        {"json", files.json},
                             {"clip_index", c},       {"start_frame", a},        {"end_frame", b},
                             {"start_time", a / fps}, {"end_time", b / fps}};
    clip.info["gui"] = {{"typed_text", typed}, {"alignment", align_json}};
    clip.tensors["raw_actions"] = rows(raw, a, b);
    clip.tensors["mouse_trajectories"] = rows(traj.xy, a, b);
    clip.tensors["cursor_valid"] = rows(traj.valid, a, b);
    clip.tensors["cursor_screen"] = rows(screen, a, b);
    clip.tensors["scroll_delta"] = rows(scroll, a, b);
    clip.tensors["action_types"] = rows(meta.types, a, b);
    clip.tensors["action_text_bytes"] = rows(text_bytes, a, b);
    clip.tensors["action_button"] = rows(meta.button, a, b);
    clip.tensors["action_click_count"] = rows(meta.click_count, a, b);
    clip.tensors["action_drag"] = rows(meta.drag, a, b);
    clip.tensors["action_scroll_direction"] = rows(meta.scroll_direction, a, b);
    clip.tensors["action_scroll_amount"] = rows(meta.scroll_amount, a, b);
    clip.tensors["action_shortcut"] = rows(meta.shortcut, a, b);
    clip.tensors["ref_patch_xy"] = rows(patches.xy, a, b);
    clip.tensors["ref_mask_patch"] = rows(patches.mask, a, b);
    clip.tensors["ref_image_patch"] = rows(patches.image, a, b);
    result.frames += static_cast<int>(F);
    ++result.clips;
    sink(std::move(clip));
  }
  return result;
}

nlohmann::ordered_json ImportReport::to_json() const {
  return {{"recordings", recordings},
          {"failed", failed},
          {"clips", clips},
          {"frames", frames},
          {"dropped_tail_frames", tail_frames},
          {"meta_action_overflow", overflow},
          {"warnings", warnings},
          {"errors", errors},
          {"seconds", seconds},
          {"frames_per_second", seconds > 0 ? decoded_frames / seconds : 0.0},
          {"per_recording", per_recording}};
}

ImportReport import_recordings(const std::vector<std::string>& inputs, const std::string& out_dir,
                               const GuiOptions& gui, const data::ClipOptions& clips, const nlohmann::json& config) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<RecordingFiles> recordings = find_recordings(inputs);
  ImportReport report;
  report.recordings = static_cast<int>(recordings.size());
  std::vector<std::string> videos;
  for (const auto& r : recordings) videos.push_back(r.video);
  data::ShardSetWriter writer(out_dir, static_cast<size_t>(clips.clips_per_shard),
                              {{"config", config}, {"inputs", videos}});
  if (clips.preview_mp4) make_dirs(out_dir + "/previews");
  Progress progress("import", report.recordings, "recording");
  for (const auto& files : recordings) {
    nlohmann::ordered_json entry = {{"id", files.id}, {"video", files.video}, {"csv", files.csv}, {"json", files.json}};
    try {
      RecordingImport r = import_recording(files, gui, clips, [&](data::Clip&& clip) {
        if (clips.preview_mp4) {
          video::VideoWriterOptions vo;
          vo.fps = clip.fps;
          video::Mp4Writer mp4(out_dir + "/previews/" + clip.id + ".mp4", clip.frames[0].width,
                               clip.frames[0].height, vo);
          for (const auto& f : clip.frames) mp4.write(f);
          mp4.close();
        }
        writer.add(clip);
      });
      report.clips += r.clips;
      report.frames += r.frames;
      report.tail_frames += r.tail_frames;
      report.overflow += r.overflow;
      report.decoded_frames += r.frames;
      report.warnings += static_cast<int>(r.alignment.warnings.size());
      entry["clips"] = r.clips;
      entry["frames"] = r.frames;
      entry["tail_frames"] = r.tail_frames;
      entry["meta_action_overflow"] = r.overflow;
      entry["alignment"] = r.alignment.to_json();
    } catch (const Error& e) {
      ++report.failed;
      report.errors.push_back(e.what());
      entry["error"] = e.what();
      log::error("{}", e.what());
    }
    report.per_recording.push_back(std::move(entry));
    progress.set_status(std::to_string(report.clips) + " clips");
    progress.advance();
  }
  progress.finish();
  writer.finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_file_atomic(out_dir + "/summary.json", report.to_json().dump(2) + "\n");
  return report;
}

}  // namespace nc::gui
