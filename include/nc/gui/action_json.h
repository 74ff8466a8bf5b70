// The paper's action JSON files (PAPER.md §1.3 items 3, 4, 6), read into one record type:
//
//   synthetic   actions_{i}.json    {"metadata": {"source": "synthetic_trajectory", "fps", ...},
//                                    "actions": [{"action", "coordinate" | "text", "timestamp"}]}
//   tool calls  actions/{session}.json (computer-use agent)
//                                   {"metadata": {"recording_type": "tool_execution", ...},
//                                    "actions": [{timestamp, time_formatted, tool_name, action,
//                                                 x, y, text, key, scroll_direction, scroll_amount,
//                                                 duration, success, error}]}
//   meta        meta_actions_{i}.json {"metadata": {...}, "frames": [{index, timestamp, x, y,
//                                    left_click, right_click, ..., keys}], "actions": [...]}
//
// The kind is told by content (docs/FORMATS.md). Action names are canonicalised with the
// paper's aliases (lclick -> left_click, dblclick -> double_click, ...); a name that is
// neither known nor an alias, a missing timestamp, or a field of the wrong type is an
// nc::Error naming `file: actions[i]`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nc/gui/csv_log.h"

namespace nc::gui {

enum class ActionLogKind { kSynthetic, kToolCalls, kMeta };
const char* action_log_kind_name(ActionLogKind kind);

struct ActionRecord {
  std::string action;  // canonical: left_click, right_click, middle_click, double_click,
                       // triple_click, left_click_drag, left_mouse_down, left_mouse_up,
                       // mouse_move, scroll, type, key, key_chord, hold_key, wait,
                       // screenshot, cursor_position
  double timestamp = NAN;  // seconds; NaN when the record has only a frame index
  long frame_index = -1;   // meta actions carry it; -1 otherwise
  double x = NAN, y = NAN;
  std::string text;  // type: the text; key: the key or chord; key_chord: the combo
  std::string key;   // tool calls: a modifier held during a click or scroll
  Scroll scroll_direction = Scroll::kNone;
  int scroll_amount = 0;
  double duration = NAN;  // hold_key, wait
  bool success = true;    // tool calls: false when an `<action>_failed` record follows
  bool confirmed = false; // tool calls: an `<action>_success` / `_failed` record follows
  std::string error;
  std::string where;  // "file: actions[3]"
  bool has_xy() const { return std::isfinite(x) && std::isfinite(y); }
};

struct ActionLog {
  ActionLogKind kind = ActionLogKind::kSynthetic;
  std::string path;
  nlohmann::json metadata = nlohmann::json::object();
  double fps = 0;  // metadata.fps; 0 when absent
  std::vector<ActionRecord> actions;  // tool calls: without the _success/_failed records
  // Meta JSON only: the per-frame records, read as CSV rows (line = the frame's position).
  std::vector<CsvRow> frames;
  std::vector<bool> middle_click;  // per frame (meta JSON frames carry it; the CSV cannot)
  std::vector<std::vector<int>> buttons_down, buttons_up;  // per frame (nc's own meta JSON)
  std::vector<std::string> warnings;
  int failed = 0;       // tool calls reported failed (dropped from the trace)
  int unconfirmed = 0;  // tool calls with no _success/_failed record (kept)
};

ActionLog read_action_json(const std::string& path);
ActionLog parse_action_json(const std::string& text, const std::string& name);

// The paper's meta-action JSON (PAPER.md §1.3 item 6) of a trace: per-frame records and the
// derived actions (clicks with double/triple detection, type, key, key_chord, scroll), plus
// nc's additions `buttons_down`/`buttons_up` per frame (button presses the CSV cannot hold).
// `applies_to_next_frame` is written as given (false for nc's recorder: it captures after
// acting).
nlohmann::ordered_json meta_action_json(const GuiTrace& trace, const std::vector<double>& timestamps,
                                        const std::string& source_path, double double_click_window,
                                        bool applies_to_next_frame);

}  // namespace nc::gui
