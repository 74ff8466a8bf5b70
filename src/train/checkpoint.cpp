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

  auto all = model::list_checkpoints(run_dir);
  for (size_t i = 0; i + static_cast<size_t>(std::max(1, keep_last)) < all.size(); ++i) fs::remove_all(all[i].second, ec);
  return final_dir.string();
}

}  // namespace nc::train
