#include "nc/model/checkpoint_dir.h"

#include <algorithm>
#include <filesystem>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"
#include "nc/core/safetensors.h"

namespace nc::model {
namespace fs = std::filesystem;

std::vector<std::pair<int64_t, std::string>> list_checkpoints(const std::string& run_dir) {
  std::vector<std::pair<int64_t, std::string>> out;
  std::error_code ec;
  const fs::path root = fs::path(run_dir) / "checkpoints";
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_directory() || name.rfind("step-", 0) != 0 || name.find('.') != std::string::npos) continue;
    try {
      out.emplace_back(std::stoll(name.substr(5)), e.path().string());
    } catch (const std::exception&) {
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json read_checkpoint_state(const std::string& dir) {
  const std::string path = dir + "/state.json";
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("state.json is not valid JSON: ") + e.what(), path);
  }
}

bool checkpoint_complete(const std::string& dir, std::string* why) {
  auto fail = [&](const std::string& reason) {
    if (why) *why = reason;
    return false;
  };
  try {
    if (!file_exists(dir + "/state.json")) return fail("no state.json");
    nlohmann::json s = read_checkpoint_state(dir);
    if (s.value("format", "") != "nc-checkpoint") return fail("state.json is not an nc checkpoint's");
    if (s.value("version", 0) != kCheckpointVersion) return fail("unsupported checkpoint version");
    if (!s.value("complete", false)) return fail("not marked complete");
    for (const auto& f : s.at("files")) safetensors::File::open(dir + "/" + f.get<std::string>());
    if (!file_exists(dir + "/config.yaml")) return fail("no config.yaml");
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return true;
}

std::optional<std::string> latest_checkpoint(const std::string& path) {
  if (file_exists(path + "/state.json")) {
    std::string why;
    if (!checkpoint_complete(path, &why)) throw Error("not a complete checkpoint: " + why, path);
    return path;
  }
  auto all = list_checkpoints(path);
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    std::string why;
    if (checkpoint_complete(it->second, &why)) return it->second;
    log::warn("skipping checkpoint {}: {}", it->second, why);
  }
  return std::nullopt;
}

}  // namespace nc::model
