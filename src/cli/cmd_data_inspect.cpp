// nc data inspect SHARDS [--clip ID|N] [--frames DIR]: counts, a clip's captions, text and
// statistics, frames dumped as PNG.
#include <iostream>

#include <fmt/format.h>

#include "common.h"
#include "nc/core/file_util.h"
#include "nc/data/shard.h"
#ifdef NC_WITH_VIDEO
#include "nc/video/png.h"
#endif

namespace nc::cli {
namespace {

void print_clip(const data::ShardReader& shard, size_t i, const std::string& frames_dir) {
  nlohmann::json r = shard.record(i);
  auto shape = shard.shape(i);
  std::cout << fmt::format("clip {} ({}: #{}): {} frames {}x{} at {} fps\n", shard.id(i), shard.path(), i,
                           shape.frames, shape.width, shape.height, r.value("fps", 0.0));
  std::cout << "caption_semantic: " << r.value("caption_semantic", "") << "\n";
  std::cout << "caption:          " << r.value("caption", "") << "\n";
  std::cout << "caption_detailed: " << r.value("caption_detailed", "") << "\n";
  if (r.contains("meta")) std::cout << "meta: " << r["meta"].dump() << "\n";
  if (r.contains("data_info")) std::cout << "data_info: " << r["data_info"].dump() << "\n";
  std::cout << "events: " << r.value("events", nlohmann::json::array()).size() << "\n";
  const auto& text = r.value("text", nlohmann::json::array());
  if (!text.empty()) {
    std::cout << "text of the last frame:\n";
    for (const auto& line : text.back()) std::cout << "  |" << line.get<std::string>() << "\n";
  }
  if (frames_dir.empty()) return;
#ifdef NC_WITH_VIDEO
  make_dirs(frames_dir);
  data::Clip clip = shard.clip(i);
  for (size_t k = 0; k < clip.frames.size(); ++k)
    video::write_png(fmt::format("{}/{}_{:04d}.png", frames_dir, clip.id, k), clip.frames[k]);
  std::cout << "wrote " << clip.frames.size() << " PNG frames to " << frames_dir << "\n";
#else
  throw Error("this build cannot write PNG files", "--frames", "build with NC_WITH_VIDEO");
#endif
}

}  // namespace

void add_data_inspect_command(CLI::App& data, Commands& commands) {
  struct Args {
    std::string path, clip, frames_dir;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = data.add_subcommand("inspect", "counts of a shard or shard folder; one clip's captions, text, frames");
  cmd->add_option("shards", args->path, "a .ncshard file or a folder with shards.json")->required();
  cmd->add_option("--clip", args->clip, "a clip id, or its index in the file/folder");
  cmd->add_option("--frames", args->frames_dir, "write the clip's frames as PNG into this folder");
  commands.push_back({cmd, [args] {
                        std::vector<std::string> files = data::shard_files(args->path);
                        size_t total = 0, index = 0;
                        bool shown = false;
                        for (const auto& f : files) {
                          data::ShardReader shard(f);
                          if (args->clip.empty()) {
                            int64_t frames = 0;
                            for (size_t i = 0; i < shard.size(); ++i) frames += shard.shape(i).frames;
                            std::cout << fmt::format("{}: {} clips, {} frames\n", f, shard.size(), frames);
                          } else {
                            auto hit = shard.find(args->clip);
                            const bool numeric = args->clip.find_first_not_of("0123456789") == std::string::npos;
                            if (!hit && numeric) {
                              size_t want = std::stoul(args->clip);
                              if (want >= index && want < index + shard.size()) hit = want - index;
                            }
                            if (hit && !shown) {
                              print_clip(shard, *hit, args->frames_dir);
                              shown = true;
                            }
                          }
                          total += shard.size();
                          index += shard.size();
                        }
                        if (args->clip.empty())
                          std::cout << fmt::format("total: {} clips in {} shard(s)\n", total, files.size());
                        else if (!shown)
                          throw Error("no clip '" + args->clip + "'", args->path,
                                      "use an id or an index below " + std::to_string(total));
                      }});
}

}  // namespace nc::cli
