// A snapshot of the store taken in slices, so that a server can write a million keys to disk
// without stopping its writes and without fork().
//
// The stream fixes the state at the moment it is created (revision R, the compaction point,
// the leases) and then walks the keys in order, a slice per call, while writes go on between
// calls. That gives exactly the image Store::snapshot() gave at R, because the store is
// multi-version: a later write only appends records above R, which the stream skips, and only
// physical compaction ever removes records at or below R, so the store pauses compact_step()
// while a stream is open. Keys created after R hold no record at or below R and are skipped.
//
// The image starts with the number of keys, which is known only at the end: the stream writes
// zeros there and, when done, gives the bytes to write over them (count_patch()); the trailing
// CRC it emits is already that of the patched image (crc32c_patch).
//
// Not thread-safe, like the store: create, advance and destroy it where the store is written.
// The store must outlive it and must not be replaced (restored, moved into) while it is open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kv/store.h"

namespace chorus::kv {

class SnapshotStream {
 public:
  explicit SnapshotStream(const Store& store);
  ~SnapshotStream();
  SnapshotStream(const SnapshotStream&) = delete;
  SnapshotStream& operator=(const SnapshotStream&) = delete;

  // Appends the next bytes of the image to `out`: whole keys, until `out` has grown by at least
  // `budget_bytes` or the keys run out; then, in a final call, the trailer. Returns true once the
  // trailer is out.
  bool next(std::string& out, size_t budget_bytes);
  bool done() const { return done_; }

  // Once done: the bytes to write at `offset` (from the start of the image) over the zeros the
  // stream wrote there.
  struct Patch {
    size_t offset = 0;
    std::string bytes;
    // For an image held in memory (a file writer patches the file instead).
    void apply_to(std::string& image) const { image.replace(offset, bytes.size(), bytes); }
  };
  Patch count_patch() const;

  // The bytes emitted so far.
  uint64_t size() const { return emitted_; }
  // The store revision the image describes.
  Revision revision() const { return revision_; }

 private:
  void emit(std::string& out, size_t from);

  const Store& store_;
  const Revision revision_;          // R: records above it came after the snapshot
  const Revision compact_revision_;  // the compaction point at R
  std::string head_;                 // emitted by the first next()
  size_t count_offset_ = 0;          // where the key count sits in the image
  bool started_ = false;
  bool done_ = false;
  std::string last_key_;  // the newest key emitted; the next slice starts after it
  uint64_t key_count_ = 0;
  uint64_t emitted_ = 0;
  uint32_t crc_ = 0;  // of everything emitted, with zeros for the count
  std::vector<const Record*> kept_;
};

}  // namespace chorus::kv
