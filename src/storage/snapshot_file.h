// Snapshot files: "snap-<term>-<index>.snap" (16 hex digits each) in a directory of their own.
//
//   offset      size  field
//   0           8     magic "CHORUSSN"
//   8           4     version (1)
//   12          4     metadata length M
//   16          8     data length D
//   24          M     metadata: u64 index, u64 term, then voters, learners, voters_outgoing,
//                     learners_next, each as u32 count and count u64 node ids, then u8 auto_leave
//   24+M        D     data (the state machine's image, opaque here)
//   24+M+D      4     CRC32C of bytes [0, 24+M+D)
// (all integers little-endian; the file is exactly 28 + M + D bytes)
//
// Written to "<name>.tmp", fdatasync'ed, renamed, and the directory fsynced, so a file with a
// final name is whole or was damaged later; either way the CRC tells. A file that fails any
// check is an error, never a shorter snapshot.
//
// Order the caller keeps (node/): write the snapshot file, then save and sync the WAL's
// snapshot marker, then release WAL segments, then retain_newest_snapshots(). A snapshot file
// newer than the WAL marker is then possible after a crash (and fine: it is of committed
// state); a WAL marker without its file is not.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "raft/types.h"
#include "storage/bytes.h"
#include "storage/disk.h"
#include "storage/status.h"

namespace chorus::storage {

inline constexpr uint64_t kSnapshotMagic = 0x4E5353'55524F4843ULL;  // "CHORUSSN" little-endian
inline constexpr uint32_t kSnapshotVersion = 1;
// Bounds that a corrupt header cannot make us allocate past.
inline constexpr uint32_t kMaxSnapshotMetadataBytes = 1u << 20;
inline constexpr size_t kSnapshotHeaderBytes = 24;
inline constexpr size_t kSnapshotTrailerBytes = 4;

struct SnapshotFileName {
  raft::Term term;
  raft::Index index;
};

std::string snapshot_file_name(raft::Term term, raft::Index index);
// Where the snapshot `metadata` describes lives in `dir`: the one place that names the file.
std::string snapshot_file_path(const std::string& dir, const raft::SnapshotMetadata& metadata);
std::optional<SnapshotFileName> parse_snapshot_file_name(std::string_view name);

// The whole file image of `snapshot` (used by tests and the fuzz target; writing streams it).
Bytes encode_snapshot(const raft::Snapshot& snapshot);
// Decodes and verifies a whole file image. `path` names the file in errors.
Result<raft::Snapshot> decode_snapshot(std::span<const uint8_t> bytes, const std::string& path);

// Writes one snapshot file durably, its data a piece at a time: the server streams the state
// machine's image into it while serializing it, never holding the whole image in memory. The
// header's data length and the checksum are filled in by finish(), and the data itself may be
// patched where its producer learned a field only at the end (crc32c_patch keeps the checksum
// without reading the file back).
//
// The file is written under "<name>.tmp" and gets its final name only in finish(), after an
// fdatasync, followed by an fsync of the directory. An I/O error leaves no file under the final
// name; an fsync error must stop the node, as in the WAL. With `max_bytes_per_second`, data is
// written no faster than that: the server caps its background snapshots so that the WAL's
// fdatasyncs are not queued behind them. Destroying an unfinished writer removes its temporary.
class SnapshotFileWriter {
 public:
  // Requires a non-empty snapshot (index above 0).
  static Result<SnapshotFileWriter> create(Disk& disk, const std::string& dir,
                                           const raft::SnapshotMetadata& metadata,
                                           uint64_t max_bytes_per_second = 0);
  SnapshotFileWriter(SnapshotFileWriter&& other) noexcept;
  SnapshotFileWriter& operator=(SnapshotFileWriter&&) = delete;
  ~SnapshotFileWriter();

  // Appends to the data.
  Status append(std::span<const uint8_t> data);
  // Overwrites data bytes [offset, offset + bytes.size()) that were already appended.
  Status patch(uint64_t offset, std::span<const uint8_t> bytes);
  // Completes the file and returns its path.
  Result<std::string> finish();

 private:
  SnapshotFileWriter(Disk& disk, std::string dir, std::string path, std::unique_ptr<File> file,
                     uint64_t prefix_bytes, uint64_t max_bytes_per_second);
  void abandon();

  Disk* disk_;
  std::string dir_;
  std::string path_;  // the final name
  std::unique_ptr<File> file_;
  uint64_t prefix_bytes_;
  uint64_t max_bytes_per_second_;
  uint64_t data_bytes_ = 0;
  uint32_t crc_ = 0;  // of the file so far, with zeros for the data length
  std::chrono::steady_clock::time_point started_;
};

// Writes `snapshot` durably into `dir` (a SnapshotFileWriter fed the whole image) and returns its
// path. Requires a non-empty snapshot.
Result<std::string> write_snapshot_file(Disk& disk, const std::string& dir,
                                        const raft::Snapshot& snapshot,
                                        uint64_t max_bytes_per_second = 0);

// Reads and verifies one file; its name must agree with its metadata.
Result<raft::Snapshot> read_snapshot_file(Disk& disk, const std::string& path);

// Appended to the name of a corrupt snapshot file that loading skipped (etcd does the same).
inline constexpr const char* kBrokenSuffix = ".broken";

struct LoadedSnapshot {
  raft::Snapshot snapshot;         // empty (index 0) when there is none
  std::string path;                // empty when there is none
  std::vector<std::string> notes;  // corrupt newer files that were skipped and renamed, for the log
};

// The newest valid snapshot in `dir`. A corrupt newer file is skipped (and noted) only if an
// older valid file at or above `required_index` exists: `required_index` is the WAL's snapshot
// marker, below which the log no longer has the entries. Skipped files are then renamed with
// kBrokenSuffix, so that nothing takes them for snapshots again. Fails with kCorrupt or kNotFound
// when no acceptable file exists and required_index > 0 or a corrupt file was found.
Result<LoadedSnapshot> load_newest_snapshot(Disk& disk, const std::string& dir,
                                            raft::Index required_index);

// Removes all but the `keep` newest snapshot files (by index, then term) and any leftover
// temporary files; fsyncs the directory if anything was removed. Call it after a successful
// write_snapshot_file(), so that the newest is known good. Requires keep >= 1.
// Without `remove_temporaries`, *.tmp files are left alone: a snapshot may be being written
// into one right now (the server prunes from a thread of its own while its next snapshot is
// being written by another).
//
// With a `pace`, each old file is renamed to a temporary name (so a crash midway leaves
// something the next open removes, never a damaged snapshot under a final name), shrunk a slice
// at a time with a pause between slices, then unlinked. Unlinking a 300 MiB file at once made
// ext4 free all its blocks in one go, and the WAL's fdatasync waited behind that for 40-70 ms.
struct RemovalPace {
  uint64_t slice_bytes = 0;            // 0: unlink at once
  std::chrono::milliseconds pause{0};  // between slices
};
Status retain_newest_snapshots(Disk& disk, const std::string& dir, size_t keep,
                               bool remove_temporaries = true, RemovalPace pace = {});

}  // namespace chorus::storage
