#include "nc/core/error.h"

namespace nc {
namespace {

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string compose(const std::string& what, const std::string& where, const std::string& hint) {
  std::string msg = where.empty() ? what : where + ": " + what;
  if (!hint.empty()) msg += " (" + hint + ")";
  return one_line(msg);
}

}  // namespace

Error::Error(std::string what_failed, std::string where, std::string hint)
    : std::runtime_error(compose(what_failed, where, hint)),
      what_failed_(std::move(what_failed)),
      where_(std::move(where)),
      hint_(std::move(hint)) {}

Error Error::within(const std::string& outer) const {
  return Error(what_failed_, where_.empty() ? outer : outer + ": " + where_, hint_);
}

std::string at_line(const std::string& file, long line) {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

}  // namespace nc
