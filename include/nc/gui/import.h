// `nc data gui import`: desktop recordings (video + logs, nc's or the paper's layout) to clip
// shards with per-frame actions, cursor positions and the cursor reference stream.
//
// Finding the logs of a video `<dir>/<stem>.mp4` (also .mkv/.webm/.avi), in <dir>,
// <dir>/actions and <dir>/../actions (the paper's videos/ + actions/ layout), first found:
//   per-frame CSV   <stem>.csv, screen_<stem>.csv (computer-use sessions)
//   action JSON     meta_actions_<i>.json (stem record_<i>), <stem>.json, actions_<i>.json
// A video with neither is an error (reported; the other recordings go on).
//
// Each recording: the video gives the frame count, fps and screen size; the logs are aligned
// to it (alignment.h); frames are letterboxed to gui.width x gui.height; consecutive windows
// of clips.frames frames become clips (a shorter tail is dropped and counted). Per clip the
// shard holds these tensors (first dimension = frames; docs/FORMATS.md):
//
//   raw_actions         [T, 182] uint8    v1: 13 mouse events + 169 keys (actions.h)
//   mouse_trajectories  [T, 2] float32    letterboxed cursor in [0, 1] (0 where unknown)
//   cursor_valid        [T] uint8         1 where the log gives a cursor position
//   cursor_screen       [T, 2] float32    the logged cursor in screen pixels (0 where unknown)
//   scroll_delta        [T, 2] float32    wheel clicks (x right+, y down+)
//   action_types, action_button, action_click_count, action_drag, action_scroll_direction,
//   action_scroll_amount, action_shortcut   [T, S] int64   meta v2 slots (actions.h)
//   action_text_bytes   [T, S, N] int16   typed text of type-3 slots, UTF-8 byte + 1 (0 = padding),
//                                         N = gui.text_bytes (longer text is cut)
//   ref_patch_xy        [T, 2] int32      cursor sprite's top-left corner (cursor.h)
//   ref_mask_patch      [T, h, w] uint8   its soft mask (0 where no cursor)
//   ref_image_patch     [T, h, w, 3] uint8  the sprite over the neutral background
//
// and in the record: typed text of the v2 slots (`gui.typed_text`), the alignment report,
// screen and letterbox geometry, and the sources.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nc/data/clip.h"
#include "nc/data/clip_options.h"
#include "nc/gui/alignment.h"
#include "nc/gui/gui_options.h"

namespace nc::gui {

struct RecordingFiles {
  std::string id, video, csv, json;  // csv / json empty when absent
};

// The recordings under `inputs` (folders searched recursively, or video files), sorted.
// Throws nc::Error for an input that does not exist or holds no video.
std::vector<RecordingFiles> find_recordings(const std::vector<std::string>& inputs);

struct RecordingImport {
  AlignReport alignment;
  int clips = 0, frames = 0;  // clips written and their frames
  int tail_frames = 0;        // frames after the last whole clip (dropped)
  int overflow = 0;           // meta actions beyond gui.slots in a frame (dropped)
};

// One recording to clips, each passed to `sink` in order.
RecordingImport import_recording(const RecordingFiles& files, const GuiOptions& gui, const data::ClipOptions& clips,
                                 const std::function<void(data::Clip&&)>& sink);

struct ImportReport {
  int recordings = 0, failed = 0, clips = 0, frames = 0, tail_frames = 0, overflow = 0, warnings = 0;
  double seconds = 0;
  double decoded_frames = 0;  // video frames read (imported and tails)
  std::vector<std::string> errors;
  nlohmann::ordered_json per_recording = nlohmann::ordered_json::array();
  nlohmann::ordered_json to_json() const;
};

// Every recording under `inputs` into a folder of shards (shards.json, summary.json);
// a recording that fails is reported and the others go on. `config` is stored in shards.json.
ImportReport import_recordings(const std::vector<std::string>& inputs, const std::string& out_dir,
                               const GuiOptions& gui, const data::ClipOptions& clips, const nlohmann::json& config);

}  // namespace nc::gui
