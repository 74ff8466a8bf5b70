#include "nc/core/paths.h"

#include <cstdlib>

#include "nc/core/error.h"
#include "nc/core/file_util.h"

namespace nc {

std::string data_dir() {
  if (const char* env = std::getenv("NC_DATA_DIR"); env && *env) return env;
  return NC_DEFAULT_DATA_DIR;
}

std::string data_path(const std::string& relative) {
  std::string path = data_dir() + "/" + relative;
  if (!file_exists(path))
    throw Error("shipped data file not found", path, "set NC_DATA_DIR to the project's data/ folder");
  return path;
}

}  // namespace nc
