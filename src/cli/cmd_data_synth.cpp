// nc data synth-actions: the moving-square and moving-cursor GUI datasets
// (gui/synthetic_actions.h).
#include <iostream>

#include <fmt/format.h>

#include "common.h"
#include "nc/gui/synthetic_actions.h"

namespace nc::cli {

void add_data_synth_command(CLI::App& data, Commands& commands) {
  struct Args {
    gui::SyntheticActionsOptions options;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  auto& o = args->options;
  auto* cmd = data.add_subcommand("synth-actions",
                                  "GUI clip shards where arrow keys move a square, or the mouse a "
                                  "cursor (action-conditioning tests)");
  cmd->add_option("--out,-o", args->out, "output folder (shards + shards.json)")->required();
  cmd->add_option("--task", o.task,
                  "square (arrow keys move a square) or cursor (the mouse moves the arrow cursor)")
      ->capture_default_str();
  cmd->add_option("--clips", o.clips, "number of clips")->capture_default_str();
  cmd->add_option("--frames", o.frames, "frames per clip (4n+1 for the Wan VAE)")->capture_default_str();
  cmd->add_option("--size", o.size, "frame width and height in pixels")->capture_default_str();
  cmd->add_option("--square", o.square, "side of the square in pixels")->capture_default_str();
  cmd->add_option("--cursor-size", o.cursor_size, "cursor: the arrow's height in pixels")
      ->capture_default_str();
  cmd->add_option("--step", o.step,
                  "pixels the square moves per key press (cursor: at most, per axis)")
      ->capture_default_str();
  cmd->add_option("--press-probability", o.press_probability,
                  "chance of a key press (cursor: a move) per frame")
      ->capture_default_str();
  cmd->add_option("--slots", o.slots, "meta action slots per frame (model.action.slots)")->capture_default_str();
  cmd->add_option("--seed", o.seed, "random seed")->capture_default_str();
  commands.push_back({cmd, [args] {
                        gui::write_synthetic_actions(args->options, args->out);
                        std::cout << fmt::format("wrote {} {} clips of {} frames ({}x{}) -> {}\n",
                                                 args->options.task, args->options.clips,
                                                 args->options.frames, args->options.size,
                                                 args->options.size, args->out);
                      }});
}

}  // namespace nc::cli
