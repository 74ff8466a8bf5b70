#include "test_util.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "nc/core/file_util.h"

namespace nc::test {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "nc-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

RunResult run_nc(const std::vector<std::string>& args) {
  TempDir dir;
  const std::string out_path = dir.file("out"), err_path = dir.file("err");
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv;
    std::string bin = nc_binary();
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

std::string nc_binary() { return NC_BINARY; }

std::string source_path(const std::string& relative) {
  return std::string(NC_SOURCE_DIR) + "/" + relative;
}

void randomize_untrained_dit(torch::nn::Module& dit) {
  at::NoGradGuard no_grad;
  auto params = dit.named_parameters();
  params["head.head.weight"].normal_(0, 0.1);
  for (auto& p : params)
    if (p.key().find("action") != std::string::npos) p.value().add_(at::randn_like(p.value()) * 0.3);
}

}  // namespace nc::test
