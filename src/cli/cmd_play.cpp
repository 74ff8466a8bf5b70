// nc play: type commands (or, for a checkpoint that follows actions, click and type) and watch
// the neural computer answer, chunk by chunk or frame by frame, in the terminal (truecolour
// half-block characters) or on a local web page (--serve).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include <ATen/ops/full.h>
#include <fmt/format.h>

#include "common.h"
#include "nc/core/error.h"
#include "nc/core/log.h"
#include "nc/data/dataset.h"
#include "nc/data/frames.h"
#include "nc/infer/play.h"
#include "nc/infer/play_server.h"
#include "nc/infer/rollout.h"
#include "nc/train/checkpoint.h"
#include "nc/video/png.h"

namespace nc::cli {
namespace {

std::atomic<bool> g_interrupted{false};
void on_interrupt(int) { g_interrupted = true; }

struct PlayArgs {
  std::string ckpt, first_frame, from_clip, sampler, host = "127.0.0.1";
  std::vector<std::string> overrides;
  int steps = 0, port = 8765;
  double cfg = -1, shift = -1;
  uint64_t seed = 0;
  bool serve = false, untrained = false;
};

// [3, H, W] in [-1, 1]: a PNG, a clip's first frame, or a dark screen of data.height x data.width.
at::Tensor first_frame(const PlayArgs& a, const Config& config) {
  const int h = config.data.height, w = config.data.width;
  if (!a.from_clip.empty()) {
    const auto colon = a.from_clip.rfind(':');
    check(colon != std::string::npos, "expected SHARDS:CLIP_ID", "--from-clip");
    data::ShardDataset set(a.from_clip.substr(0, colon));
    const std::string id = a.from_clip.substr(colon + 1);
    for (size_t i = 0; i < set.size(); ++i)
      if (set.id(i) == id) return data::prepare_video(set.get(i).frames, 1, h, w).select(1, 0);
    throw Error("no clip '" + id + "'", a.from_clip);
  }
  if (!a.first_frame.empty()) {
    const Image image = video::read_png(a.first_frame);
    at::Tensor u8 = data::from_images({image}).add(1).mul(127.5).round().clamp(0, 255).to(at::kByte).permute({1, 2, 3, 0});
    return data::prepare_video(u8, 1, h, w).select(1, 0);
  }
  check(h > 0 && w > 0, "without --first-frame or --from-clip the first screen is blank, and its size is unknown",
        "data.height/data.width", "give --first-frame IMG, --from-clip SHARDS:ID, or --set data.height=H data.width=W");
  return at::full({3, h, w}, -1.0);
}

void play_in_terminal(infer::PlaySession& session, double fps) {
  double achieved = 0;
  auto show = [&](const Image& frame) {
    auto [cols, rows] = infer::terminal_size(STDOUT_FILENO);
    std::cout << "\x1b[H" << infer::half_block_text(frame, cols, std::max(1, rows - 3))
              << fmt::format("\x1b[2Kframe {}  {:.1f} frames/s  {}\n", session.frames_shown(), achieved,
                                 session.caption())
              << std::flush;
  };
  std::cout << "\x1b[2J";
  show(session.last_frame());
  std::cout << infer::play_help();
  std::string line;
  while (true) {
    std::cout << "\x1b[2K> " << std::flush;
    if (!std::getline(std::cin, line)) break;
    infer::PlayInput in;
    try {
      in = infer::parse_play_input(line, session.caption());
    } catch (const Error& e) {
      std::cout << "\x1b[2K" << e.what() << "\n";
      continue;
    }
    if (in.kind == infer::PlayInput::Kind::kQuit) break;
    if (in.kind == infer::PlayInput::Kind::kHelp) {
      std::cout << infer::play_help();
      continue;
    }
    // Frames are drawn as the chunk is decoded, no faster than the clips' fps.
    auto next = std::chrono::steady_clock::now();
    const auto paced = [&](const Image& frame) {
      std::this_thread::sleep_until(next);
      next = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                    std::chrono::duration<double>(1.0 / fps));
      show(frame);
    };
    try {
      achieved = session.run(in, paced);
    } catch (const Error& e) {  // an action the checkpoint cannot take: the session goes on
      std::cout << "\x1b[2K" << e.what() << "\n";
    }
  }
  std::cout << "\n";
}

void play_served(infer::PlaySession& session, const PlayArgs& a) {
  infer::PlayState state;
  infer::PlayServer server(state, a.host, a.port);
  double achieved = 0;
  auto status = [&](bool busy) {
    return nlohmann::json{{"caption", session.caption()},
                          {"fps", achieved},
                          {"busy", busy},
                          {"shown", session.frames_shown()},
                          {"actions", session.follows_actions()}};
  };
  state.publish_frame(video::encode_png(session.last_frame()), status(false));
  server.start();
  std::cout << fmt::format("nc play: serving on http://{}:{}/ (Ctrl-C to stop)\n", a.host, server.port()) << std::flush;
  while (!g_interrupted) {
    const std::optional<std::string> line = state.wait_input(200);
    if (!line) continue;
    infer::PlayInput in;
    try {
      in = infer::parse_play_input(*line, session.caption());
    } catch (const Error& e) {
      nlohmann::json s = status(false);
      s["error"] = e.what();
      state.set_status(s);
      continue;
    }
    if (in.kind == infer::PlayInput::Kind::kQuit) break;
    if (in.kind == infer::PlayInput::Kind::kHelp) continue;  // the page shows the commands
    state.set_status(status(true));
    const auto publish = [&](const Image& frame) { state.publish_frame(video::encode_png(frame), status(true)); };
    try {
      achieved = session.run(in, publish);
    } catch (const Error& e) {
      nlohmann::json s = status(false);
      s["error"] = e.what();
      state.set_status(s);
      continue;
    }
    state.set_status(status(false));
    log::info("\"{}\": {:.1f} frames/s", *line, achieved);
  }
  state.close();
  server.stop();
}

}  // namespace

void add_play_command(CLI::App& app, Commands& commands) {
  auto a = std::make_shared<PlayArgs>();
  auto* cmd = app.add_subcommand("play", "type commands and watch a checkpoint answer, in the terminal or on a local page");
  cmd->add_option("--ckpt", a->ckpt, "checkpoint folder, or a run folder (its newest checkpoint)")->required();
  cmd->add_option("--first-frame", a->first_frame, "PNG of the first screen");
  cmd->add_option("--from-clip", a->from_clip, "SHARDS:CLIP_ID: start from that clip's first frame")->excludes("--first-frame");
  cmd->add_option("--steps", a->steps, "sampling steps (default: rollout.steps)");
  cmd->add_option("--cfg", a->cfg, "guidance scale (default: rollout.cfg)");
  cmd->add_option("--shift", a->shift, "sigma shift (default: rollout.shift)");
  cmd->add_option("--sampler", a->sampler, "euler or unipc (default: rollout.sampler)");
  cmd->add_option("--seed", a->seed, "noise seed");
  cmd->add_flag("--untrained", a->untrained, "keep the DiT's initial weights");
  cmd->add_flag("--serve", a->serve, "serve a local web page instead of drawing in the terminal");
  cmd->add_option("--host", a->host, "with --serve: the IPv4 address to bind")->capture_default_str();
  cmd->add_option("--port", a->port, "with --serve: the port; 0 picks a free one")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_option("--set", a->overrides, "override a key of the checkpoint's config")->take_all();
  commands.push_back({cmd, [a] {
                        const auto ckpt = train::latest_checkpoint(a->ckpt);
                        if (!ckpt) throw Error("no complete checkpoint", a->ckpt, "train one with nc train");
                        Config config = config::load<Config>(*ckpt + "/config.yaml", a->overrides);
                        const c10::Device device = setup_run(config);
                        const infer::SamplerOptions sampler =
                            sampler_from_flags(config.rollout, a->steps, a->cfg, a->shift, a->sampler);
                        const at::Tensor first = first_frame(*a, config);
                        infer::RolloutEngine engine(config, *ckpt, device, a->untrained);
                        infer::PlaySession session(engine, first, sampler, a->seed);
                        if (a->serve) {
                          // Ctrl-C ends the loop between inputs; the server is stopped cleanly.
                          g_interrupted = false;
                          auto previous = std::signal(SIGINT, on_interrupt);
                          play_served(session, *a);
                          std::signal(SIGINT, previous);
                        } else {
                          play_in_terminal(session, config.clips.fps);
                        }
                      }});
}

}  // namespace nc::cli
