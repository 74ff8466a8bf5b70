#include "av_common.h"

#include <cstdio>
#include <mutex>
#include <new>

#include "nc/core/log.h"

namespace nc::video::detail {
namespace {

// Called from inside libav (C): nothing may escape it.
void log_callback(void* avcl, int level, const char* fmt, va_list args) {
  if (level > AV_LOG_WARNING) return;
  char line[1024];
  int print_prefix = 1;
  av_log_format_line2(avcl, level, fmt, args, line, sizeof line, &print_prefix);
  try {
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (!text.empty()) nc::log::debug("libav: {}", text);
  } catch (...) {
  }
}

}  // namespace

std::string av_error(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(code, buf, sizeof buf) < 0)
    std::snprintf(buf, sizeof buf, "libav error %d", code);
  return buf;
}

void init_av_logging() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(log_callback); });
}

FramePtr alloc_frame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw std::bad_alloc();
  return f;
}

PacketPtr alloc_packet() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace nc::video::detail
