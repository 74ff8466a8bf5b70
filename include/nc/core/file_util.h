// File helpers: whole-file reads, atomic writes (temporary name + rename, so that a reader
// never sees half a file), directories.
#pragma once

#include <string>
#include <string_view>

namespace nc {

// Reads a whole file; throws nc::Error naming the path when it cannot.
std::string read_file(const std::string& path);

// Writes `content` to `path` through `path.tmp-<pid>` + fsync + rename.
void write_file_atomic(const std::string& path, std::string_view content);

// The streaming form: write pieces, then commit(). Destroyed without commit(), it removes the
// temporary file and leaves `path` as it was.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t size);
  void commit();

 private:
  std::string path_, tmp_;
  int fd_ = -1;
};

// Creates `dir` and its parents; throws nc::Error when that fails.
void make_dirs(const std::string& dir);

bool file_exists(const std::string& path);

// The directory part of `path` ("." when there is none).
std::string dir_of(const std::string& path);

// `path` when absolute, else `base_dir/path`.
std::string resolve_path(const std::string& base_dir, const std::string& path);

}  // namespace nc
