// Every file operation of the WAL and the snapshot files goes through Disk, so that the same code
// runs on real files (PosixDisk) and in the deterministic simulator (SimDisk), which loses
// unsynced data on crash, tears writes and fails fsyncs (ARCHITECTURE.md, "Deterministic core,
// simulated world").
//
// Durability contract, the same for both implementations and the one the WAL is written to:
//  - File bytes and the file's size are durable only after File::sync_data() returns ok.
//  - A directory entry (a created file, a rename, a removal) is durable only after
//    Disk::sync_dir() on its directory returns ok.
//  - A failed sync_data() leaves the unsynced bytes in an unknown state (Linux may have dropped
//    the dirty pages and marked them clean, so a retried fsync can succeed without writing
//    them). Callers must treat it as fatal and never retry.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "storage/status.h"

namespace chorus::storage {

enum class OpenMode : uint8_t {
  kOpenExisting,  // fails with kNotFound when missing
  kCreateNew,     // fails with kAlreadyExists when present
};

class File {
 public:
  virtual ~File() = default;

  // Writes all of `data` at `offset`, growing the file if needed.
  virtual Status write_at(uint64_t offset, std::span<const uint8_t> data) = 0;
  // Writes all of `data` at the current end of the file.
  virtual Status append(std::span<const uint8_t> data) = 0;
  // Reads up to out.size() bytes at `offset`; fewer only at the end of the file.
  virtual Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) = 0;
  // fdatasync(2): the bytes written and the file size become durable.
  virtual Status sync_data() = 0;
  // A hint, not a durability point: starts writing [offset, offset + length) to the device and
  // waits until what was started before it is written. A large file written in chunks with a
  // write_back after each never holds more than two chunks of dirty pages, so the one
  // sync_data() at its end, and every other file's fsync meanwhile (the WAL's: on ext4 a
  // journal commit waits for the dirty data it orders), no longer waits behind hundreds of
  // megabytes of writeback. Durability still needs sync_data(). Default: nothing to do.
  virtual Status write_back(uint64_t offset, uint64_t length) {
    (void)offset;
    (void)length;
    return Status::Ok();
  }
  virtual Result<uint64_t> size() = 0;
  // Grows the file to at least `size_bytes` with zeroes, reserving the blocks so that later
  // writes inside that range neither fail for lack of space nor change the file size.
  virtual Status preallocate(uint64_t size_bytes) = 0;
  // Sets the size to `size_bytes`, dropping what lies after it.
  virtual Status truncate(uint64_t size_bytes) = 0;
  // The path this file was opened with, for error messages.
  virtual const std::string& path() const = 0;
};

class Disk {
 public:
  virtual ~Disk() = default;

  virtual Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) = 0;
  // fsync(2) of the directory itself: makes its entries (creations, renames, removals) durable.
  virtual Status sync_dir(const std::string& dir) = 0;
  // Atomically replaces `to` by `from` (rename(2)).
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status remove(const std::string& path) = 0;
  // The names (not paths) of the regular files in `dir`, sorted.
  virtual Result<std::vector<std::string>> list_dir(const std::string& dir) = 0;
  // Creates `dir` if missing (not its parents). Ok if it exists.
  virtual Status create_dir(const std::string& dir) = 0;
};

// "dir/name", the only path arithmetic the storage layer needs.
inline std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

// The directory part of `path` ("." when there is none): the directory to fsync after creating
// `path` itself.
inline std::string parent_dir(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const size_t slash = trimmed.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return trimmed.substr(0, slash);
}

}  // namespace chorus::storage
