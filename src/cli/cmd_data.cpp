// nc data ...: the data pipeline's commands. Each lives in its own cmd_data_<name>.cpp.
#include "common.h"

namespace nc::cli {

void add_data_command(CLI::App& app, Commands& commands) {
  auto* data = app.add_subcommand("data", "record, render and inspect traces");
  data->require_subcommand(1);
#ifdef NC_WITH_TERM
  add_data_record_command(*data, commands);
  add_data_render_command(*data, commands);
  add_data_inspect_command(*data, commands);
  add_data_tapes_command(*data, commands);
#endif
#ifdef NC_WITH_VIDEO
  add_data_gui_command(*data, commands);
#endif
  add_data_synth_command(*data, commands);
}

}  // namespace nc::cli
