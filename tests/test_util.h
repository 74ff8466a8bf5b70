// Helpers shared by the tests: temporary directories, running the nc binary, and untrained
// DiTs that respond to their inputs.
#pragma once

#include <string>
#include <vector>

namespace torch::nn {
class Module;
}

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

// An untrained DiT outputs zeros (its head is zero) and ignores actions (every action path ends
// in a zero projection): gives the head N(0, 0.1) weights and moves every action parameter by
// N(0, 0.3), from the global generator, so that outputs depend on the inputs.
void randomize_untrained_dit(torch::nn::Module& dit);

}  // namespace nc::test
