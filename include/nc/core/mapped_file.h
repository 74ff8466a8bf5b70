// A read-only view of a whole file through mmap. Pages are mapped copy-on-write, so a tensor
// that views the mapping can be modified in place without touching the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace nc {

class MappedFile {
 public:
  // Throws nc::Error naming the path when the file cannot be opened or mapped.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  uint8_t* mutable_data() { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace nc
