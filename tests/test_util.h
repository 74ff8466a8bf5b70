// Helpers shared by the tests: temporary directories and running the nc binary.
#pragma once

#include <string>
#include <vector>

namespace nc::test {

// A fresh directory under $TMPDIR, removed when the object goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_text(const std::string& path, const std::string& text);

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};
// Runs the built `nc` binary with `args` (each passed as one argument, no shell).
RunResult run_nc(const std::vector<std::string>& args);

// The nc binary of this build.
std::string nc_binary();

// Path inside the source tree ("configs/tiny.yaml").
std::string source_path(const std::string& relative);

}  // namespace nc::test
