// Where nc finds the data it ships (themes, tapes, casts, fonts): $NC_DATA_DIR when set, else
// the source tree's data/ folder recorded at build time.
#pragma once

#include <string>

namespace nc {

std::string data_dir();
// data_dir() + "/" + relative; throws nc::Error naming both when the file does not exist.
std::string data_path(const std::string& relative);

}  // namespace nc
