#include "nc/train/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "nc/core/error.h"
#include "nc/core/file_util.h"
#include "nc/core/log.h"

namespace nc::train {
namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "step-";

std::vector<std::pair<int64_t, std::string>> list_checkpoints(const std::string& run_dir) {
  std::vector<std::pair<int64_t, std::string>> out;
  std::error_code ec;
  const fs::path root = fs::path(run_dir) / "checkpoints";
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_directory() || name.rfind(kPrefix, 0) != 0 || name.find('.') != std::string::npos) continue;
    try {
      out.emplace_back(std::stoll(name.substr(5)), e.path().string());
    } catch (const std::exception&) {
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string save_checkpoint(const std::string& run_dir, const CheckpointContent& c, int keep_last) {
  const fs::path root = fs::path(run_dir) / "checkpoints";
  make_dirs(root.string());
  const std::string name = fmt::format("{}{:08d}", kPrefix, c.step);
  const fs::path final_dir = root / name;
  const fs::path tmp = root / (name + ".tmp-" + std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  make_dirs(tmp.string());
  try {
    safetensors::save((tmp / "model.safetensors").string(), c.model, {{"format", "nc"}, {"step", std::to_string(c.step)}});
    if (!c.ema.empty()) safetensors::save((tmp / "ema.safetensors").string(), c.ema, {{"format", "nc"}});
    safetensors::save((tmp / "optimizer.safetensors").string(), c.optimizer, {{"format", "nc"}});
    write_file_atomic((tmp / "config.yaml").string(), c.config_yaml);
    nlohmann::json state = c.state;
    state["format"] = "nc-checkpoint";
    state["version"] = kCheckpointVersion;
    state["step"] = c.step;
    state["files"] = c.ema.empty() ? nlohmann::json{"model.safetensors", "optimizer.safetensors"}
                                   : nlohmann::json{"model.safetensors", "ema.safetensors", "optimizer.safetensors"};
    state["complete"] = true;  // written last: a folder without it is never resumed from
    write_file_atomic((tmp / "state.json").string(), state.dump(2) + "\n");
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  fs::remove_all(final_dir, ec);
  fs::rename(tmp, final_dir, ec);
  if (ec) throw Error("cannot move the checkpoint into place: " + ec.message(), final_dir.string());

  auto all = list_checkpoints(run_dir);
  for (size_t i = 0; i + static_cast<size_t>(std::max(1, keep_last)) < all.size(); ++i) fs::remove_all(all[i].second, ec);
  return final_dir.string();
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

}  // namespace nc::train
