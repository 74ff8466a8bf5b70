#include "nc/gui/csv_log.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <tuple>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/strings.h"
#include "nc/gui/keys.h"
#include "py_literal.h"

namespace nc::gui {
namespace {

// RFC 4180 records: fields split on commas, "..." quoting with "" for a quote, newlines
// allowed inside quotes. Each record remembers the line it starts on.
struct Record {
  std::vector<std::string> fields;
  long line = 0;
};

std::vector<Record> split_csv(const std::string& text, const std::string& name) {
  std::vector<Record> out;
  size_t i = 0;
  long line = 1;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  const size_t n = text.size();
  while (i < n) {
    Record rec;
    rec.line = line;
    std::string field;
    bool quoted_field = false;
    bool end_of_record = false;
    while (!end_of_record) {
      if (i < n && text[i] == '"' && field.empty() && !quoted_field) {
        quoted_field = true;
        ++i;
        const long open_line = line;
        for (;;) {
          if (i >= n) throw Error("unterminated quoted cell (opened on line " + std::to_string(open_line) + ")",
                                  at_line(name, open_line));
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field += text[i++];
        }
        // Only a separator or the end of the record may follow a closing quote.
        if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          throw Error("text after a closing quote", at_line(name, line), "quote the whole cell");
        continue;
      }
      if (i >= n || text[i] == '\n' || (text[i] == '\r' && (i + 1 >= n || text[i + 1] == '\n'))) {
        rec.fields.push_back(std::move(field));
        if (i < n) {
          i += text[i] == '\r' ? 2 : 1;
          ++line;
        }
        end_of_record = true;
      } else if (text[i] == ',') {
        rec.fields.push_back(std::move(field));
        field.clear();
        quoted_field = false;
        ++i;
      } else {
        field += text[i++];
      }
    }
    // pandas skips blank lines.
    if (rec.fields.size() == 1 && rec.fields[0].empty()) continue;
    out.push_back(std::move(rec));
  }
  return out;
}

bool parse_double(const std::string& s, double& out) {
  const std::string t = trim(s);
  if (t.empty()) return false;
  char* end = nullptr;
  out = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size();
}

bool is_missing(const std::string& s) {
  const std::string t = trim(s);
  return t.empty() || t == "nan" || t == "NaN" || t == "None" || t == "null" || t == "NA";
}

bool parse_bool(const std::string& s, const std::string& where) {
  const std::string t = trim(s);
  if (t == "True" || t == "true" || t == "TRUE" || t == "1" || t == "1.0") return true;
  if (t == "False" || t == "false" || t == "FALSE" || t == "0" || t == "0.0") return false;
  throw Error("expected True or False, got '" + t + "'", where);
}

std::string repr_double(double v) {
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  // Python writes floats with a '.' or an exponent: 1.0, not 1.
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string number_cell(double v) {
  if (!std::isfinite(v)) return "";
  if (v == std::floor(v) && std::fabs(v) < 1e9) return std::to_string(static_cast<long long>(v));
  return repr_double(v);
}

// Key events of one frame as (event, key) pairs, the way the recorders log them.
std::vector<std::pair<std::string, std::string>> key_pairs(const GuiFrame& f) {
  std::vector<std::pair<std::string, std::string>> out;
  auto name_of = [](const std::string& key) {
    const std::string c = canonical_key(key);
    return c.empty() ? key : c;
  };
  for (const auto& e : f.events) {
    switch (e.kind) {
      case EventKind::kKeyDown: out.emplace_back("keydown", name_of(e.key)); break;
      case EventKind::kKeyUp: out.emplace_back("keyup", name_of(e.key)); break;
      case EventKind::kText:
        for (char c : e.text) {
          const std::string k = name_of(std::string(1, c));
          out.emplace_back("keydown", k);
          out.emplace_back("keyup", k);
        }
        break;
      case EventKind::kChord: {
        for (const std::string& part : split(e.text, ' ')) {
          if (trim(part).empty()) continue;
          const Chord ch = parse_chord(part, "chord");
          std::vector<std::string> mods;
          if (ch.modifiers & kCtrl) mods.push_back("Control_L");
          if (ch.modifiers & kShift) mods.push_back("Shift_L");
          if (ch.modifiers & kAlt) mods.push_back("Alt_L");
          if (ch.modifiers & kMeta) mods.push_back("Super_L");
          for (const auto& m : mods) out.emplace_back("keydown", m);
          if (!ch.key_name.empty()) {
            out.emplace_back("keydown", ch.key_name);
            out.emplace_back("keyup", ch.key_name);
          }
          for (auto it = mods.rbegin(); it != mods.rend(); ++it) out.emplace_back("keyup", *it);
        }
        break;
      }
      case EventKind::kScroll:
        out.emplace_back("scroll", std::string(scroll_name(e.direction)) + ":" + std::to_string(e.amount));
        break;
      default: break;
    }
  }
  return out;
}

}  // namespace

const char* scroll_name(Scroll s) {
  switch (s) {
    case Scroll::kUp: return "up";
    case Scroll::kDown: return "down";
    case Scroll::kLeft: return "left";
    case Scroll::kRight: return "right";
    default: return "none";
  }
}

Scroll scroll_from_name(const std::string& name) {
  std::string n = trim(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "up") return Scroll::kUp;
  if (n == "down") return Scroll::kDown;
  if (n == "left") return Scroll::kLeft;
  if (n == "right") return Scroll::kRight;
  return Scroll::kNone;
}

std::string python_repr(const std::string& s) { return py::repr_string(s); }

std::string format_time(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const long long whole = static_cast<long long>(seconds);
  const long long ms = static_cast<long long>((seconds - static_cast<double>(whole)) * 1000);
  return std::to_string(whole) + ":" + std::to_string(ms);
}

std::vector<GuiEvent> parse_key_cell(const std::string& cell, const std::string& where) {
  const std::string t = trim(cell);
  std::vector<GuiEvent> out;
  if (is_missing(t) || t == "[]" || t == "set()" || t == "()" || t == "{}") return out;
  py::Value value;
  try {
    value = py::parse(t);
  } catch (const Error& e) {
    throw Error("unparseable key events " + (t.size() > 60 ? t.substr(0, 60) + "..." : t) + ": " + e.what_failed(),
                where, "expected a Python list/set of ('keydown'|'keyup'|'scroll', key) tuples");
  }
  if (value.kind != py::Value::kSeq)
    throw Error("key events must be a list or set of (event, key) pairs, got '" + t + "'", where);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& item : value.items) {
    if (item.kind != py::Value::kSeq || item.items.size() != 2 || item.items[0].kind != py::Value::kStr ||
        item.items[1].kind == py::Value::kSeq || item.items[1].kind == py::Value::kNone)
      throw Error("key event is not an (event, key) pair: " + item.text_repr(), where,
                  "expected ('keydown', 'a') or ('scroll', 'down:3')");
    pairs.emplace_back(item.items[0].text, item.items[1].text);
  }
  return key_events_from_pairs(pairs, where);
}

std::vector<GuiEvent> key_events_from_pairs(const std::vector<std::pair<std::string, std::string>>& pairs,
                                            const std::string& where) {
  std::vector<GuiEvent> out;
  for (const auto& [type, key] : pairs) {
    if (type == "keydown" || type == "keyup") {
      check(!key.empty(), "empty key name in a " + type + " event", where);
      const std::string canon = canonical_key(key);
      if (canon.empty() && key.size() > 1 && key.find('+') != std::string::npos) {
        // The computer-use recorder's own CSV logs a key action's chord as one "key".
        const Chord ch = parse_chord(key, where);
        std::vector<std::string> keys;
        for (const auto& [bit, name] : {std::pair{kCtrl, "Control_L"}, std::pair{kShift, "Shift_L"},
                                        std::pair{kAlt, "Alt_L"}, std::pair{kMeta, "Super_L"}})
          if (ch.modifiers & bit) keys.push_back(name);
        if (!ch.key_name.empty()) keys.push_back(ch.key_name);
        if (type == "keydown")
          for (const auto& k : keys) out.push_back(GuiEvent::key_down(k));
        else
          for (auto it = keys.rbegin(); it != keys.rend(); ++it) out.push_back(GuiEvent::key_up(*it));
        continue;
      }
      const std::string name = canon.empty() ? key : canon;
      out.push_back(type == "keydown" ? GuiEvent::key_down(name) : GuiEvent::key_up(name));
    } else if (type == "scroll") {
      const auto colon = key.find(':');
      const std::string dir = key.substr(0, colon);
      const Scroll s = scroll_from_name(dir);
      check(s != Scroll::kNone, "scroll direction '" + dir + "' is not up, down, left or right", where);
      int amount = 1;
      if (colon != std::string::npos && !is_missing(key.substr(colon + 1))) {
        double a = 0;
        check(parse_double(key.substr(colon + 1), a) && a >= 0 && a == std::floor(a) && a < 1e6,
              "scroll amount in '" + key + "' is not a non-negative integer", where);
        amount = static_cast<int>(a);
      }
      out.push_back(GuiEvent::scroll(s, amount));
    } else if (type == "wait") {
      // hold_key's pause in the computer-use CSV: no input.
    } else {
      throw Error("unknown key event type '" + type + "'", where, "expected keydown, keyup, scroll or wait");
    }
  }
  return out;
}

CsvLog parse_frame_csv(const std::string& text, const std::string& name) {
  CsvLog log;
  log.path = name;
  const std::vector<Record> records = split_csv(text, name);
  check(!records.empty(), "empty CSV (no header)", name);
  log.columns = records[0].fields;
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < log.columns.size(); ++i) {
    const std::string c = trim(log.columns[i]);
    if (c.empty() || starts_with(c, "Unnamed:")) continue;  // a pandas index column
    if (!col.emplace(c, i).second) throw Error("duplicate column '" + c + "'", at_line(name, records[0].line));
  }
  std::vector<std::string> missing;
  for (const char* req : {"Timestamp", "X", "Y", "Left Click", "Right Click"})
    if (!col.count(req)) missing.push_back(req);
  if (!missing.empty())
    throw Error("CSV missing required columns: " + join(missing, ", ") + " (found: " + join(log.columns, ", ") + ")",
                at_line(name, records[0].line),
                "a per-frame log needs Timestamp, X, Y, Left Click, Right Click (PAPER.md §1.3)");
  long time_col = -1, key_col = -1;
  for (const char* c : {"Time", "Timestamp_formatted", "Timestamp_formated"})
    if (col.count(c)) {
      time_col = static_cast<long>(col[c]);
      break;
    }
  if (col.count("Keys")) {
    key_col = static_cast<long>(col["Keys"]);
    log.key_column = "Keys";
    if (col.count("Key Events")) log.warnings.push_back(name + ": both Keys and Key Events columns; Keys is used");
  } else if (col.count("Key Events")) {
    key_col = static_cast<long>(col["Key Events"]);
    log.key_column = "Key Events";
  }
  const size_t ts_col = col["Timestamp"], x_col = col["X"], y_col = col["Y"], l_col = col["Left Click"],
               r_col = col["Right Click"];
  int decreasing = 0;
  for (size_t r = 1; r < records.size(); ++r) {
    const Record& rec = records[r];
    const std::string where = at_line(name, rec.line);
    if (rec.fields.size() != log.columns.size())
      throw Error("row has " + std::to_string(rec.fields.size()) + " cells, the header " +
                      std::to_string(log.columns.size()),
                  where);
    CsvRow row;
    row.line = rec.line;
    if (!parse_double(rec.fields[ts_col], row.timestamp) || !std::isfinite(row.timestamp))
      throw Error("Timestamp '" + rec.fields[ts_col] + "' is not a number", where + ": Timestamp");
    for (auto [c, dst, label] : {std::tuple{x_col, &row.x, "X"}, std::tuple{y_col, &row.y, "Y"}}) {
      if (is_missing(rec.fields[c])) continue;  // no cursor this frame
      if (!parse_double(rec.fields[c], *dst) || !std::isfinite(*dst))
        throw Error(std::string(label) + " '" + rec.fields[c] + "' is not a number", where + ": " + label);
    }
    if (std::isnan(row.x) != std::isnan(row.y))
      throw Error("only one of X and Y is given", where, "leave both empty when the cursor is unknown");
    row.left_click = parse_bool(rec.fields[l_col], where + ": Left Click");
    row.right_click = parse_bool(rec.fields[r_col], where + ": Right Click");
    if (time_col >= 0) row.time_text = rec.fields[static_cast<size_t>(time_col)];
    if (key_col >= 0) {
      row.events = parse_key_cell(rec.fields[static_cast<size_t>(key_col)], where + ": " + log.key_column);
      for (const auto& e : row.events)
        if ((e.kind == EventKind::kKeyDown || e.kind == EventKind::kKeyUp) && key_index(e.key) == kUnknownKey)
          ++log.unknown_keys;
    }
    if (!log.rows.empty() && row.timestamp < log.rows.back().timestamp) ++decreasing;
    log.rows.push_back(std::move(row));
  }
  check(!log.rows.empty(), "CSV has a header but no rows", name);
  if (decreasing > 0)
    log.warnings.push_back(name + ": " + std::to_string(decreasing) +
                           " row(s) with a Timestamp earlier than the row before (rows are frames in order)");
  if (log.unknown_keys > 0)
    log.warnings.push_back(name + ": " + std::to_string(log.unknown_keys) +
                           " key event(s) name keys outside the vocabulary (encoded as <unk>)");
  return log;
}

CsvLog read_frame_csv(const std::string& path) { return parse_frame_csv(read_file(path), path); }

double csv_fps(const CsvLog& log) {
  std::vector<double> steps;
  for (size_t i = 1; i < log.rows.size(); ++i) {
    const double d = log.rows[i].timestamp - log.rows[i - 1].timestamp;
    if (d > 0) steps.push_back(d);
  }
  if (steps.empty()) return 0;
  std::nth_element(steps.begin(), steps.begin() + static_cast<long>(steps.size() / 2), steps.end());
  return 1.0 / steps[steps.size() / 2];
}

std::string frame_csv_text(const GuiTrace& trace, const std::vector<double>& timestamps) {
  check(timestamps.size() == trace.frames.size(), "one timestamp per frame is needed", "frame_csv_text");
  std::string out = "Timestamp,Timestamp_formated,X,Y,Left Click,Right Click,Key Events\n";
  for (size_t k = 0; k < trace.frames.size(); ++k) {
    const GuiFrame& f = trace.frames[k];
    bool left = false, right = false;
    for (const auto& e : f.events) {
      if (e.kind != EventKind::kClick) continue;
      left |= e.button == kLeftButton;
      right |= e.button == kRightButton;
    }
    std::string keys = "[";
    const auto pairs = key_pairs(f);
    for (size_t i = 0; i < pairs.size(); ++i) {
      if (i) keys += ", ";
      keys += "(" + python_repr(pairs[i].first) + ", " + python_repr(pairs[i].second) + ")";
    }
    keys += "]";
    out += repr_double(timestamps[k]) + "," + format_time(timestamps[k]) + "," + number_cell(f.x) + "," +
           number_cell(f.y) + "," + (left ? "True" : "False") + "," + (right ? "True" : "False") + "," +
           csv_cell(keys) + "\n";
  }
  return out;
}

}  // namespace nc::gui
