// The paper's per-frame CSV logs (PAPER.md §1.3 items 1, 2 and 5), read and written.
//
//   synthetic recorder   Timestamp,Timestamp_formated,X,Y,Left Click,Right Click,Key Events
//   normalised form      Timestamp,Time,X,Y,Left Click,Right Click,Keys
//
// One row per captured frame. Required: Timestamp, X, Y, Left Click, Right Click (as the
// paper's loaders require); the formatted time (Timestamp_formated, Timestamp_formatted or
// Time) and the key column (Key Events or Keys) are optional. Cells are RFC 4180 (pandas and
// Python's csv module quote cells holding commas). The key cell is a Python literal of
// (event, key) pairs: `set()`, `{('keydown', 'a')}`, `[('keyup', 'Return')]`,
// `[["keydown", "a"]]`; events are keydown, keyup, scroll (key "dir:amount") and wait
// (ignored). Anything else is an nc::Error naming file:line and column (docs/FORMATS.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "nc/gui/trace.h"

namespace nc::gui {

struct CsvRow {
  double timestamp = 0;
  std::string time_text;    // the formatted time cell, as written ("1:66")
  double x = NAN, y = NAN;  // NaN when the cell is empty or NaN
  bool left_click = false, right_click = false;
  std::vector<GuiEvent> events;  // from the key cell: kKeyDown, kKeyUp, kScroll, in order
  long line = 0;                 // 1-based line of the row in the file
};

struct CsvLog {
  std::string path;
  std::vector<std::string> columns;  // as in the header
  std::string key_column;            // "Key Events", "Keys" or "" (absent)
  std::vector<CsvRow> rows;
  std::vector<std::string> warnings;
  int unknown_keys = 0;  // key names outside the vocabulary (kept as logged; v1 <unk>)
};

// Reads a per-frame CSV; nc::Error naming `path:line` on any malformed cell.
CsvLog read_frame_csv(const std::string& path);
// The same from text; `name` is used in messages.
CsvLog parse_frame_csv(const std::string& text, const std::string& name);

// Parses one key cell into events (exposed for tests); `where` names the cell in errors.
std::vector<GuiEvent> parse_key_cell(const std::string& cell, const std::string& where);
// The same from (event, key) pairs (meta JSON frames hold them as JSON arrays).
std::vector<GuiEvent> key_events_from_pairs(const std::vector<std::pair<std::string, std::string>>& pairs,
                                            const std::string& where);

// The frames per second the timestamps imply: 1 / median positive step; 0 with < 2 rows.
double csv_fps(const CsvLog& log);

// Writes the synthetic recorder's form (Timestamp_formated, Key Events) from a trace's
// frames, with per-row timestamps; the key cell is a Python list repr of (event, key) tuples,
// text and chords expanded to keydown/keyup pairs, scrolls as ('scroll', 'dir:amount').
std::string frame_csv_text(const GuiTrace& trace, const std::vector<double>& timestamps);

// "{sec}:{ms}" as the paper's recorders format a time (milliseconds truncated, not padded).
std::string format_time(double seconds);

// A Python string literal for `s` (single quotes unless `s` holds one; escapes as repr()).
std::string python_repr(const std::string& s);

}  // namespace nc::gui
