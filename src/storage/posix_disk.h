// Disk on real files: pwrite/pread, fdatasync, fsync of the directory, fallocate.
#pragma once

#include "storage/disk.h"

namespace chorus::storage {

class PosixDisk final : public Disk {
 public:
  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override;
  Status sync_dir(const std::string& dir) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Result<std::vector<std::string>> list_dir(const std::string& dir) override;
  Status create_dir(const std::string& dir) override;
};

}  // namespace chorus::storage
