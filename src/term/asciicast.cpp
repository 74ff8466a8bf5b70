#include "nc/term/asciicast.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include <nlohmann/json.hpp>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/strings.h"
#include "nc/core/utf8.h"

namespace nc::term {
namespace {

using json = nlohmann::json;

constexpr int kMaxCols = 1000, kMaxRows = 500;
constexpr int kMaxDepth = 32;          // events are flat arrays, headers 3 levels deep
constexpr size_t kMaxWarnings = 100;   // more are counted, not kept
constexpr const char* kEventTypes = "oirmx";

// A JSON value for a message: compact, valid UTF-8, and short.
std::string short_dump(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 40) {
    s.resize(40);
    s = sanitize_utf8(s) + "...";
  }
  return s;
}

std::string single_quoted(std::string_view s) {
  std::string head = sanitize_utf8(s.substr(0, 40));
  return "'" + head + (s.size() > 40 ? "...'" : "'");
}

// True when `s` nests arrays/objects deeper than `max` (checked before parsing, so that a
// line of a million '[' costs nothing).
bool too_deep(std::string_view s, int max) {
  int depth = 0;
  bool in_string = false, escape = false;
  for (char c : s) {
    if (in_string) {
      if (escape) escape = false;
      else if (c == '\\') escape = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// Rewrites \u escapes of unpaired UTF-16 surrogates (written by some recorders for broken
// output) as \ufffd, which the JSON parser accepts. Returns whether anything changed.
bool fix_surrogate_escapes(std::string& s) {
  auto hex4 = [&](size_t at, unsigned* v) {
    if (at + 4 > s.size()) return false;
    unsigned x = 0;
    for (size_t k = at; k < at + 4; ++k) {
      char c = s[k];
      int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return false;
      x = x * 16 + static_cast<unsigned>(d);
    }
    *v = x;
    return true;
  };
  bool changed = false;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '\\') continue;
    if (s[i + 1] != 'u') {
      ++i;  // skip the escaped character (which may be a backslash)
      continue;
    }
    unsigned v;
    if (!hex4(i + 2, &v)) continue;
    bool high = v >= 0xD800 && v <= 0xDBFF, low = v >= 0xDC00 && v <= 0xDFFF;
    if (high) {
      unsigned next;
      if (i + 7 < s.size() && s[i + 6] == '\\' && s[i + 7] == 'u' && hex4(i + 8, &next) &&
          next >= 0xDC00 && next <= 0xDFFF) {
        i += 11;  // a proper pair
        continue;
      }
    }
    if (high || low) {
      s.replace(i + 2, 4, "fffd");
      changed = true;
    }
    i += 5;
  }
  return changed;
}

// Reads integers of a JSON value that may be signed or unsigned; false for anything else.
bool get_int(const json& j, int64_t* out) {
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    *out = u > uint64_t(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
    return true;
  }
  if (j.is_number_integer()) {
    *out = j.get<int64_t>();
    return true;
  }
  return false;
}

// One line of the text: its bytes, 1-based number, and whether a newline ended it.
struct Line {
  std::string_view text;
  long number = 0;
  bool terminated = false;
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& name, const CastLimits& limits)
      : text_(text), name_(name), limits_(limits) {}

  Cast read() {
    if (text_.empty()) fail(0, "empty file");
    if (starts_with(text_, "\xEF\xBB\xBF")) {
      text_.remove_prefix(3);
      warn(1, "UTF-8 byte order mark removed");
    }
    Line header;
    while (next_line(&header) && is_blank(header.text)) warn(header.number, "blank line skipped");
    if (is_blank(header.text)) fail(0, "empty file", "no header line");
    header_offset_ = static_cast<size_t>(header.text.data() - text_.data());
    header_end_ = header_offset_ + header.text.size();

    std::string error;
    json h = parse_line(header, &error);
    if (h.is_discarded()) {
      // Not one JSON line: a v1 file is a single (often pretty-printed) JSON document.
      std::string ignored;
      json doc = parse_whole(header.number, &ignored);
      if (doc.is_object() && (doc.contains("stdout") || version_is(doc, 1)))
        return read_v1(doc, header.number);
      fail(header.number, "invalid JSON in header: " + error,
           "the first line must be a JSON object such as {\"version\": 2, \"width\": 80, "
           "\"height\": 24}");
    }
    if (!h.is_object())
      fail(header.number, "header is not a JSON object",
           "an asciicast file starts with a line such as {\"version\": 2, \"width\": 80, "
           "\"height\": 24}");
    if (version_is(h, 1) || (!h.contains("version") && h.contains("stdout"))) {
      json doc = parse_whole(header.number, &error);
      if (doc.is_discarded()) fail(header.number, "invalid JSON in v1 file: " + error);
      return read_v1(doc, header.number);
    }
    read_header(h, header.number);
    read_events();
    return finish();
  }

 private:
  [[noreturn]] void fail(long line, const std::string& what, const std::string& hint = {}) const {
    throw Error(what, at_line(name_, line), hint);
  }
  [[noreturn]] void fail_at(const std::string& where, const std::string& what,
                            const std::string& hint = {}) const {
    throw Error(what, where, hint);
  }

  void warn(long line, const std::string& what) {
    if (cast_.warnings.size() < kMaxWarnings)
      cast_.warnings.push_back(at_line(name_, line) + ": " + what);
    else
      ++dropped_warnings_;
  }

  Cast finish() {
    if (dropped_warnings_ > 0)
      cast_.warnings.push_back(name_ + ": " + std::to_string(dropped_warnings_) +
                               " more warnings not shown");
    return std::move(cast_);
  }

  static bool is_blank(std::string_view s) {
    return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
  }

  static bool version_is(const json& h, int64_t v) {
    int64_t got;
    return h.contains("version") && get_int(h["version"], &got) && got == v;
  }

  bool next_line(Line* line) {
    if (pos_ >= text_.size()) {
      line->text = {};
      return false;
    }
    size_t end = text_.find('\n', pos_);
    line->terminated = end != std::string_view::npos;
    if (!line->terminated) end = text_.size();
    line->text = text_.substr(pos_, end - pos_);
    line->number = ++line_number_;
    pos_ = end + 1;
    return true;
  }

  // Bytes → JSON with the byte-level repairs (invalid UTF-8, unpaired surrogate escapes).
  // Returns a discarded value and sets *error when the line is not JSON.
  json parse_line(const Line& line, std::string* error) {
    if (line.text.size() > limits_.max_event_bytes)
      fail(line.number, "line of " + std::to_string(line.text.size()) + " bytes is larger than the limit of " +
                            std::to_string(limits_.max_event_bytes) + " bytes",
           "CastLimits::max_event_bytes guards memory");
    return parse_text(line.text, line.number, error);
  }

  json parse_text(std::string_view bytes, long line, std::string* error, bool quiet = false) {
    std::string s;
    size_t replaced = 0;
    if (is_valid_utf8(bytes)) {
      s.assign(bytes.data(), bytes.size());
    } else {
      s = sanitize_utf8(bytes, &replaced);
      if (!quiet) warn(line, "invalid UTF-8 replaced with U+FFFD (" + std::to_string(replaced) + "x)");
    }
    if (too_deep(s, kMaxDepth)) {
      *error = "nested deeper than " + std::to_string(kMaxDepth) + " levels";
      return json(json::value_t::discarded);
    }
    try {
      return json::parse(s);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for 1e999
      if (s.find("\\u") != std::string::npos && fix_surrogate_escapes(s)) {
        json j = json::parse(s, nullptr, /*allow_exceptions=*/false);
        if (!j.is_discarded()) {
          if (!quiet) warn(line, "unpaired UTF-16 surrogate escapes replaced with U+FFFD");
          return j;
        }
      }
      *error = parse_message(e.what(), /*keep_line=*/quiet);
      return json(json::value_t::discarded);
    }
  }

  // "[json.exception.parse_error.101] parse error at line 1, column 7: syntax error ..." →
  // "column 7: syntax error ..." (the line is ours to name, except inside a whole v1 document).
  static std::string parse_message(const std::string& what, bool keep_line) {
    size_t at = what.find(keep_line ? "line " : "column ");
    if (at == std::string::npos) at = what.find("] ") == std::string::npos ? 0 : what.find("] ") + 2;
    std::string msg = what.substr(at);
    if (msg.size() > 160) msg = sanitize_utf8(msg.substr(0, 160)) + "...";
    return msg;
  }

  // The whole text from the header on, as one JSON document (v1). Quiet: warnings were
  // already given for the header line, and a failure here is reported by the caller.
  json parse_whole(long line, std::string* error) {
    std::string_view rest = text_.substr(header_offset_);
    if (rest.size() > (size_t(1) << 30)) {
      *error = "larger than 1 GiB";
      return json(json::value_t::discarded);
    }
    return parse_text(rest, line, error, /*quiet=*/true);
  }

  int dimension(const json& obj, const char* key, const char* label, int max, long line) {
    if (!obj.contains(key)) fail(line, std::string("header has no '") + label + "'");
    int64_t v;
    if (!get_int(obj[key], &v))
      fail(line, std::string("'") + label + "' is not an integer: " + short_dump(obj[key]));
    if (v < 1 || v > max)
      fail(line, "absurd size: " + std::string(label) + " " + std::to_string(v),
           std::string(label) + " must be 1.." + std::to_string(max));
    return static_cast<int>(v);
  }

  // Optional metadata: a wrong type is dropped with a warning, null silently.
  void optional_string(const json& h, const char* key, std::string* out, long line) {
    if (!h.contains(key) || h[key].is_null()) return;
    if (h[key].is_string()) *out = h[key].get<std::string>();
    else warn(line, std::string("header '") + key + "' is not a string; ignored");
  }
  void optional_number(const json& h, const char* key, double* out, long line) {
    if (!h.contains(key) || h[key].is_null()) return;
    const json& v = h[key];
    if (v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 0)
      *out = v.get<double>();
    else
      warn(line, std::string("header '") + key + "' is not a non-negative number; ignored");
  }
  void read_env(const json& h, long line) {
    if (!h.contains("env") || h["env"].is_null()) return;
    if (!h["env"].is_object()) {
      warn(line, "header 'env' is not an object; ignored");
      return;
    }
    for (const auto& [k, v] : h["env"].items()) {
      if (v.is_string()) cast_.header.env[k] = v.get<std::string>();
      else if (!v.is_null()) warn(line, "env '" + k + "' is not a string; ignored");
    }
  }

  void read_header(const json& h, long line) {
    CastHeader& hd = cast_.header;
    if (!h.contains("version")) {
      if (!(h.contains("width") && h.contains("height")))
        fail(line, "header has no 'version'",
             "expected {\"version\": 2, \"width\": 80, \"height\": 24}");
      warn(line, "header has no 'version'; read as version 2");
      hd.version = 2;
    } else {
      int64_t v = 0;
      if (!get_int(h["version"], &v) || v < 2 || v > 3)
        fail(line, "unknown asciicast version " + short_dump(h["version"]),
             "supported: 1, 2, 3");
      hd.version = static_cast<int>(v);
    }
    if (hd.version == 2) {
      hd.width = dimension(h, "width", "width", kMaxCols, line);
      hd.height = dimension(h, "height", "height", kMaxRows, line);
    } else {
      if (!h.contains("term") || !h["term"].is_object())
        fail(line, "v3 header has no 'term' object", "expected \"term\": {\"cols\": 80, \"rows\": 24}");
      const json& term = h["term"];
      hd.width = dimension(term, "cols", "term.cols", kMaxCols, line);
      hd.height = dimension(term, "rows", "term.rows", kMaxRows, line);
      optional_string(term, "type", &hd.term_type, line);
    }
    optional_number(h, "timestamp", &hd.timestamp, line);
    optional_number(h, "idle_time_limit", &hd.idle_time_limit, line);
    optional_string(h, "title", &hd.title, line);
    optional_string(h, "command", &hd.command, line);
    read_env(h, line);
    if (hd.version == 2) {
      auto it = hd.env.find("TERM");
      if (it != hd.env.end()) hd.term_type = it->second;
    }
  }

  void check_event_count(long line) {
    if (cast_.events.size() >= limits_.max_events)
      fail(line, "more than " + std::to_string(limits_.max_events) + " events",
           "CastLimits::max_events guards memory");
  }

  static bool parse_size(std::string_view s, int64_t* cols, int64_t* rows) {
    size_t x = s.find('x');
    if (x == std::string_view::npos || x == 0 || x + 1 >= s.size() || x > 9 || s.size() - x - 1 > 9)
      return false;
    auto digits = [](std::string_view d, int64_t* v) {
      *v = 0;
      for (char c : d) {
        if (c < '0' || c > '9') return false;
        *v = *v * 10 + (c - '0');
      }
      return true;
    };
    return digits(s.substr(0, x), cols) && digits(s.substr(x + 1), rows);
  }

  void read_events() {
    const bool v3 = cast_.header.version == 3;
    double prev = 0;
    Line line;
    while (next_line(&line)) {
      if (is_blank(line.text)) {
        warn(line.number, "blank line skipped");
        continue;
      }
      if (v3 && trim(line.text.substr(0, 64)).rfind('#', 0) == 0) continue;  // v3 comment
      check_event_count(line.number);
      std::string error;
      json e = parse_line(line, &error);
      if (e.is_discarded()) {
        if (!line.terminated) {
          warn(line.number, "truncated last line dropped (" + error + ")");
          break;
        }
        fail(line.number, "invalid JSON: " + error);
      }
      if (!e.is_array())
        fail(line.number, "event is not an array: " + short_dump(e), "expected [time, \"o\", data]");
      CastEvent ev;
      const json* time = nullptr;
      const json* data = nullptr;
      if (e.size() == 2) {
        warn(line.number, "2-element event read as [time, \"o\", data]");
        time = &e[0];
        data = &e[1];
      } else if (e.size() == 3) {
        time = &e[0];
        data = &e[2];
        const json& type = e[1];
        if (!type.is_string()) {
          warn(line.number, "event type " + short_dump(type) + " is not a string; read as \"o\"");
        } else {
          const std::string& t = type.get_ref<const std::string&>();
          if (t.size() != 1 || !std::strchr(kEventTypes, t[0]) || t[0] == '\0') {
            warn(line.number, "unknown event type " + single_quoted(t) + "; event skipped");
            continue;
          }
          ev.type = t[0];
        }
      } else {
        fail(line.number, "event has " + std::to_string(e.size()) + " elements",
             "expected [time, type, data]");
      }
      if (!time->is_number()) fail(line.number, "event time is not a number: " + short_dump(*time));
      double t = time->get<double>();
      if (!std::isfinite(t)) fail(line.number, "event time is not finite");
      if (t < 0) fail(line.number, std::string(v3 ? "negative interval " : "negative time ") + short_dump(*time));
      if (!data->is_string()) fail(line.number, "event data is not a string: " + short_dump(*data));
      ev.data = data->get<std::string>();
      if (ev.type == 'r') {
        int64_t cols = 0, rows = 0;
        if (!parse_size(ev.data, &cols, &rows))
          fail(line.number, "bad resize data " + single_quoted(ev.data), "expected \"COLSxROWS\"");
        if (cols < 1 || cols > kMaxCols || rows < 1 || rows > kMaxRows)
          fail(line.number, "absurd size in resize event: " + ev.data,
               "columns must be 1.." + std::to_string(kMaxCols) + ", rows 1.." + std::to_string(kMaxRows));
      }
      if (v3) {
        t = prev + t;
        if (!std::isfinite(t)) fail(line.number, "event time is not finite");
      } else if (t < prev) {
        if (prev - t > limits_.max_backward_step)
          fail(line.number, "time goes backwards from " + std::to_string(prev) + " to " +
                                std::to_string(t) + " s");
        warn(line.number, "time goes back by " + std::to_string(prev - t) + " s; clamped to the previous event's");
        t = prev;
      }
      ev.time = t;
      prev = t;
      cast_.events.push_back(std::move(ev));
    }
  }

  // Line numbers of the elements of a v1 document's "stdout" array, found by scanning the
  // text (the JSON parser does not keep positions). Empty when the scan finds no such array.
  std::vector<long> v1_event_lines(long first_line) const {
    std::vector<long> lines;
    std::string_view s = text_.substr(header_offset_);
    long line = first_line;
    int depth = 0;
    bool in_string = false, escape = false, in_stdout = false;
    size_t string_start = 0;
    std::string_view last_string, key;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == '\n') ++line;
      if (in_string) {
        if (escape) escape = false;
        else if (c == '\\') escape = true;
        else if (c == '"') {
          in_string = false;
          last_string = s.substr(string_start, i - string_start);
        }
        continue;
      }
      switch (c) {
        case '"':
          in_string = true;
          string_start = i + 1;
          break;
        case ':':
          if (depth == 1) key = last_string;
          break;
        case '[':
        case '{':
          ++depth;
          if (c == '[' && depth == 2 && key == "stdout") in_stdout = true;
          else if (in_stdout && depth == 3) lines.push_back(line);
          break;
        case ']':
        case '}':
          if (in_stdout && depth == 2) in_stdout = false;
          --depth;
          break;
        default:
          break;
      }
    }
    return lines;
  }

  Cast read_v1(const json& doc, long line) {
    if (!doc.is_object()) fail(line, "v1 file is not a JSON object");
    CastHeader& hd = cast_.header;
    hd.version = 1;
    if (!doc.contains("version")) warn(line, "header has no 'version' but has 'stdout'; read as version 1");
    warn(line, "asciicast v1 read with v2 semantics (delays accumulated into absolute times)");
    // The header line's own bad bytes were reported when it was parsed; report the rest's.
    std::string_view after = text_.substr(header_end_);
    if (!is_valid_utf8(after)) {
      size_t replaced = 0;
      sanitize_utf8(after, &replaced);
      warn(line, "invalid UTF-8 replaced with U+FFFD (" + std::to_string(replaced) + "x)");
    }
    hd.width = dimension(doc, "width", "width", kMaxCols, line);
    hd.height = dimension(doc, "height", "height", kMaxRows, line);
    optional_number(doc, "created", &hd.timestamp, line);
    optional_number(doc, "timestamp", &hd.timestamp, line);
    optional_string(doc, "title", &hd.title, line);
    optional_string(doc, "command", &hd.command, line);
    read_env(doc, line);
    auto term = hd.env.find("TERM");
    if (term != hd.env.end()) hd.term_type = term->second;
    if (!doc.contains("stdout") || !doc["stdout"].is_array())
      fail(line, "v1 file has no 'stdout' array", "expected \"stdout\": [[delay, data], ...]");
    const json& out = doc["stdout"];
    std::vector<long> lines = v1_event_lines(line);
    if (lines.size() != out.size()) lines.assign(out.size(), line);
    double t = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      std::string where = at_line(name_, lines[i]) + ": stdout[" + std::to_string(i) + "]";
      if (cast_.events.size() >= limits_.max_events)
        fail_at(where, "more than " + std::to_string(limits_.max_events) + " events",
                "CastLimits::max_events guards memory");
      const json& e = out[i];
      if (!e.is_array()) fail_at(where, "event is not an array: " + short_dump(e), "expected [delay, data]");
      if (e.size() != 2)
        fail_at(where, "event has " + std::to_string(e.size()) + " elements", "expected [delay, data]");
      if (!e[0].is_number()) fail_at(where, "event delay is not a number: " + short_dump(e[0]));
      double d = e[0].get<double>();
      if (!std::isfinite(d)) fail_at(where, "event delay is not finite");
      if (d < 0) fail_at(where, "negative delay " + short_dump(e[0]));
      if (!e[1].is_string()) fail_at(where, "event data is not a string: " + short_dump(e[1]));
      const std::string& data = e[1].get_ref<const std::string&>();
      if (data.size() > limits_.max_event_bytes)
        fail_at(where, "event of " + std::to_string(data.size()) + " bytes is larger than the limit",
                "CastLimits::max_event_bytes guards memory");
      t += d;
      if (!std::isfinite(t)) fail_at(where, "event time is not finite");
      cast_.events.push_back({t, 'o', data});
    }
    return finish();
  }

  std::string_view text_;
  const std::string& name_;
  const CastLimits& limits_;
  Cast cast_;
  size_t pos_ = 0, header_offset_ = 0, header_end_ = 0;
  long line_number_ = 0;
  size_t dropped_warnings_ = 0;
};

// The shortest decimal that reads back as exactly `t` (nlohmann's dtoa).
std::string format_time(double t) { return json(t).dump(); }

void check_event(double time, char type, const std::string& where) {
  check(std::isfinite(time) && time >= 0, "event time must be finite and non-negative", where);
  check(type != '\0' && std::strchr(kEventTypes, type) != nullptr,
        std::string("unknown event type '") + type + "'", where, "one of o, i, r, m, x");
}

std::string event_line(double time, char type, std::string_view data) {
  std::string line = "[" + format_time(time) + ", \"";
  line += type;
  line += "\", ";
  // Invalid UTF-8 in data becomes U+FFFD rather than an exception: a cast is always valid.
  line += json(std::string(data)).dump(-1, ' ', false, json::error_handler_t::replace);
  line += "]\n";
  return line;
}

std::string header_line(const CastHeader& h, const std::string& where) {
  check(h.width >= 1 && h.width <= kMaxCols && h.height >= 1 && h.height <= kMaxRows,
        "absurd size " + std::to_string(h.width) + "x" + std::to_string(h.height), where);
  nlohmann::ordered_json j;
  j["version"] = 2;
  j["width"] = h.width;
  j["height"] = h.height;
  if (h.timestamp != 0) {
    // Integer seconds as an integer, as asciinema writes them.
    if (std::isfinite(h.timestamp) && h.timestamp == std::floor(h.timestamp) && std::fabs(h.timestamp) < 9e15)
      j["timestamp"] = static_cast<int64_t>(h.timestamp);
    else
      j["timestamp"] = h.timestamp;
  }
  if (h.idle_time_limit > 0) j["idle_time_limit"] = h.idle_time_limit;
  if (!h.command.empty()) j["command"] = h.command;
  if (!h.title.empty()) j["title"] = h.title;
  std::map<std::string, std::string> env = h.env;
  if (!h.term_type.empty()) env.emplace("TERM", h.term_type);
  if (!env.empty()) j["env"] = env;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

double Cast::duration() const { return events.empty() ? 0.0 : events.back().time; }

Cast parse_cast(std::string_view text, const std::string& name, const CastLimits& limits) {
  return Reader(text, name, limits).read();
}

Cast read_cast(const std::string& path, const CastLimits& limits) {
  return parse_cast(read_file(path), path, limits);
}

std::string format_cast_v2(const Cast& cast) {
  std::string out = header_line(cast.header, "cast header");
  for (size_t i = 0; i < cast.events.size(); ++i) {
    const CastEvent& e = cast.events[i];
    check_event(e.time, e.type, "event " + std::to_string(i));
    out += event_line(e.time, e.type, e.data);
  }
  return out;
}

void write_cast_v2(const std::string& path, const Cast& cast) {
  write_file_atomic(path, format_cast_v2(cast));
}

CastWriter::CastWriter(const std::string& path, const CastHeader& header) : path_(path) {
  std::string line = header_line(header, path);
  out_ = std::make_unique<AtomicFileWriter>(path);
  out_->write(line.data(), line.size());
}

CastWriter::~CastWriter() = default;

void CastWriter::add(double time, char type, std::string_view data) {
  check(out_ != nullptr, "cast already closed", path_);
  if (time < last_time_) time = last_time_;
  check_event(time, type, path_);
  std::string line = event_line(time, type, data);
  out_->write(line.data(), line.size());  // unbuffered: each event reaches the file at once
  last_time_ = time;
  ++events_;
}

void CastWriter::close() {
  check(out_ != nullptr, "cast already closed", path_);
  out_->commit();
  out_.reset();
}

}  // namespace nc::term
