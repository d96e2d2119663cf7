// An in-memory Disk for the simulator and the tests: deterministic for a given seed, and as
// unforgiving as the durability contract in disk.h allows.
//
// Each file keeps the bytes that are durable and the bytes that reads see, plus the ordered
// list of operations (writes and size changes) issued since its last successful sync_data().
// Each directory keeps its durable and its current entries. crash() throws away everything
// that is not durable; with CrashMode::kTornWrite it first lets each file keep a seeded prefix
// of its unsynced operations, the last of them cut at a seeded byte (a torn write).
//
// Faults: the next N syncs (file or directory) fail; writes fail. A failed sync_data() forgets
// the unsynced operations without making them durable, while reads still see them, which is
// what Linux does after a writeback error: a later successful fsync does not bring them back.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/bytes.h"
#include "storage/disk.h"

namespace chorus::storage {

enum class CrashMode : uint8_t {
  kDropUnsynced,  // every unsynced byte and directory change is lost
  kTornWrite,     // also keeps a seeded prefix of each file's unsynced writes, the last torn
};

struct SimDiskCounters {
  uint64_t writes = 0;
  uint64_t data_syncs = 0;
  uint64_t dir_syncs = 0;
  uint64_t crashes = 0;
};

class SimDisk final : public Disk {
 public:
  struct Inode;
  struct Directory;

  explicit SimDisk(uint64_t seed);
  ~SimDisk() override;
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;

  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override;
  Status sync_dir(const std::string& dir) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Result<std::vector<std::string>> list_dir(const std::string& dir) override;
  // Directory creation is durable at once (the storage layer fsyncs the parent anyway).
  Status create_dir(const std::string& dir) override;

  // The process dies: files opened before return errors from now on, and only durable state
  // remains. The fault switches are cleared (the restarted node gets a working disk unless the
  // caller arms them again).
  void crash(CrashMode mode);

  // Power fails while the next sync (of a file or a directory) is in flight: crash(mode) happens
  // before the sync takes effect, and the sync returns an error to a process that is now dead.
  // This is where torn writes come from: data written but not yet synced.
  void crash_on_next_sync(CrashMode mode) { crash_on_next_sync_ = mode; }

  // Fault switches.
  // The next `count` syncs, of files or directories, fail.
  void fail_next_syncs(uint32_t count) { syncs_to_fail_ = count; }
  // The next `count` directory syncs fail (file syncs still succeed).
  void fail_next_dir_syncs(uint32_t count) { dir_syncs_to_fail_ = count; }
  void fail_writes(bool fail) { writes_fail_ = fail; }

  // Test helpers, all acting on the current (not only the durable) view.
  bool exists(const std::string& path) const;
  Result<Bytes> contents(const std::string& path) const;
  // Creates or replaces `path` with `bytes`, durably (contents and directory entry).
  void set_durable_contents(const std::string& path, const Bytes& bytes);
  // XORs one byte of a file, durably; the bit rot a checksum must catch.
  void corrupt_byte(const std::string& path, uint64_t offset, uint8_t mask);

  const SimDiskCounters& counters() const { return counters_; }

  // Used by the file handles.
  uint64_t epoch() const { return epoch_; }
  bool writes_fail() const { return writes_fail_; }
  bool take_sync_failure();
  bool take_dir_sync_failure();
  // Performs a crash armed by crash_on_next_sync(); true if it did.
  bool take_crash_on_sync();
  SimDiskCounters& mutable_counters() { return counters_; }

 private:
  Directory* find_dir(const std::string& dir);
  const Directory* find_dir(const std::string& dir) const;
  std::shared_ptr<Inode> lookup(const std::string& path) const;
  void crash_inode(Inode& inode, CrashMode mode);
  uint64_t next_random();

  std::map<std::string, std::unique_ptr<Directory>> dirs_;
  uint64_t random_state_;
  // Incremented by crash(); a handle from an earlier epoch belongs to a dead process.
  uint64_t epoch_ = 0;
  uint32_t syncs_to_fail_ = 0;
  uint32_t dir_syncs_to_fail_ = 0;
  std::optional<CrashMode> crash_on_next_sync_;
  bool writes_fail_ = false;
  SimDiskCounters counters_;
};

}  // namespace chorus::storage
