// The one error type of the project: what failed, where (file:line, a config key, a tensor
// name) and what to do about it. The CLI prints it on one line and exits non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace nc {

class Error : public std::runtime_error {
 public:
  // `where` and `hint` may be empty; `what_failed` may not.
  explicit Error(std::string what_failed, std::string where = {}, std::string hint = {});

  const std::string& what_failed() const { return what_failed_; }
  const std::string& where() const { return where_; }
  const std::string& hint() const { return hint_; }

  // A copy whose `where` is prefixed with an outer context ("ckpt/model.safetensors: ").
  Error within(const std::string& outer) const;

 private:
  std::string what_failed_, where_, hint_;
};

// Throws nc::Error when `cond` is false. For conditions on user input; never use assert there.
inline void check(bool cond, const std::string& what_failed, const std::string& where = {},
                  const std::string& hint = {}) {
  if (!cond) throw Error(what_failed, where, hint);
}

// "file:line" (line omitted when <= 0).
std::string at_line(const std::string& file, long line);

}  // namespace nc
