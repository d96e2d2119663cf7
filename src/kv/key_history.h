// The history of one key: every change still held, oldest first (etcd's keyIndex plus the
// values etcd keeps in its backend, in one place).
//
// A change is identified, as in etcd, by (revision, sub): revision is the store revision of the
// write that made it, sub its position among that write's changes. One write changes a key at
// most once except in the combinations etcd's duplicate check lets through (docs/kv.md), so sub
// is what keeps those ordered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kv/types.h"

namespace chorus::kv {

struct Record {
  Revision revision = 0;  // etcd's main revision
  uint32_t sub = 0;       // etcd's sub revision
  bool tombstone = false;
  // For a put: the KeyValue fields. For a tombstone all are zero/empty (etcd stores the
  // tombstone as a KeyValue holding only the key).
  Revision create_revision = 0;
  int64_t version = 0;
  LeaseId lease = kNoLease;
  std::string value;

  bool operator==(const Record&) const = default;
  // The record as the API shows it. A tombstone shows as etcd's DELETE event kv: the key and the
  // revision of the deletion, nothing else.
  KeyValue to_key_value(const std::string& key) const;
  // Memory the record accounts for, in bytes (value plus fixed fields).
  size_t size_bytes() const { return sizeof(Record) + value.size(); }
};

class KeyHistory {
 public:
  // Invariants (check() asserts them): records are strictly increasing in (revision, sub); a
  // tombstone follows a put; a put after a tombstone (or first ever) has version 1 and
  // create_revision == revision; a put after a put has the same create_revision and the next
  // version. Compaction may remove a prefix, so the first record may be any of these.
  const std::vector<Record>& records() const { return records_; }
  bool empty() const { return records_.empty(); }
  const Record& latest() const;

  // The newest record with revision <= at, or nullptr when the key has none.
  const Record* at(Revision at) const;
  // at(), but nullptr when the key was deleted (or not yet created) at that revision.
  const Record* live_at(Revision at) const;
  // The record with exactly this (revision, sub), or nullptr.
  const Record* find(Revision revision, uint32_t sub) const;

  void append(Record record);
  // Undo of the last append (a txn that fails after it started writing).
  void pop_back();

  // Physical compaction at `compact_revision`, etcd's keyIndex.compact (3.5.16 and later): keep
  // every record above the compaction point, plus the newest record at or below it unless that
  // record is a tombstone strictly below it. A tombstone exactly at the compaction point stays so
  // that a watch starting there still sees the deletion. Returns the records dropped.
  size_t compact(Revision compact_revision);
  // Whether `record` (held here) survives a compaction at `compact_revision` (the same rule).
  bool survives_compaction(const Record& record, Revision compact_revision) const;

  // Asserts the invariants above.
  void check() const;
  // The first invariant `records` breaks, as text, or nullptr when it keeps them all (for input
  // that must be refused rather than asserted on, such as a snapshot).
  static const char* violation(const std::vector<Record>& records);
  // Takes records already known to be well formed (see violation()).
  static KeyHistory from_records(std::vector<Record> records);

 private:
  std::vector<Record> records_;
};

}  // namespace chorus::kv
