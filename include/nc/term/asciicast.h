// asciicast files (asciinema recordings): reading v1, v2 and v3 with the repairs of the
// reference pipeline's repair tool, and writing v2 (what agg and `asciinema play` read).
// docs/FORMATS.md lists every repair and every error.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nc {
class AtomicFileWriter;
}

namespace nc::term {

// One event. After reading, `time` is absolute seconds from the start whatever the version
// (v1 delays and v3 intervals are accumulated).
//   'o' output, 'i' input, 'r' resize (data "COLSxROWS"), 'm' marker, 'x' exit status (v3)
struct CastEvent {
  double time = 0;
  char type = 'o';
  std::string data;

  bool operator==(const CastEvent& o) const {
    return time == o.time && type == o.type && data == o.data;
  }
};

struct CastHeader {
  int version = 2;  // the version of the file read (1, 2 or 3); writing always writes 2
  int width = 80, height = 24;
  double timestamp = 0;        // unix seconds of the recording start, 0 when unknown
  double idle_time_limit = 0;  // 0: none
  std::string title, command;
  std::string term_type;  // v3 term.type, or v2 env.TERM
  std::map<std::string, std::string> env;
};

struct Cast {
  CastHeader header;
  std::vector<CastEvent> events;
  std::vector<std::string> warnings;  // one per repair, "file:line: what was repaired"
  double duration() const;            // time of the last event, 0 without events
};

// Memory guards; exceeding either is an nc::Error.
struct CastLimits {
  size_t max_events = 10'000'000;
  size_t max_event_bytes = size_t(64) << 20;  // one event line (v1: one event's data)
  double max_backward_step = 1.0;  // v2 times going back by up to this are clamped, else an error
};

// Reads and checks a cast; throws nc::Error naming "file:line" for anything it cannot repair.
Cast read_cast(const std::string& path, const CastLimits& limits = {});
// The same on text in memory; `name` is the file name used in errors and warnings.
Cast parse_cast(std::string_view text, const std::string& name, const CastLimits& limits = {});

// asciicast v2: a header line and one `[time, type, data]` line per event. Times are written
// in the shortest form that reads back as the same double, so format → parse is exact.
std::string format_cast_v2(const Cast& cast);
void write_cast_v2(const std::string& path, const Cast& cast);  // atomic

// Writes a v2 cast as it is recorded: each event is one line written straight through to a
// temporary file; close() renames it into place. Destroyed without close(), nothing appears
// under `path`.
class CastWriter {
 public:
  CastWriter(const std::string& path, const CastHeader& header);
  ~CastWriter();
  CastWriter(const CastWriter&) = delete;
  CastWriter& operator=(const CastWriter&) = delete;

  // `time` is absolute seconds; a time earlier than the previous event's is raised to it.
  void add(double time, char type, std::string_view data);
  void close();

  size_t events() const { return events_; }
  double last_time() const { return last_time_; }

 private:
  std::unique_ptr<AtomicFileWriter> out_;
  std::string path_;
  size_t events_ = 0;
  double last_time_ = 0;
};

}  // namespace nc::term
