// Internal to the store: one write in progress (etcd's storeTxnWrite). Every change it makes is
// at revision begin + 1, numbered by sub; reads through it see its own changes. commit() makes
// them one revision (or nothing, when there were none); rollback() undoes them exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kv/store.h"

namespace chorus::kv {

class Store::WriteTxn {
 public:
  explicit WriteTxn(Store& store) : store_(store), begin_(store.current_revision_) {}
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;

  // The revision the txn started from; its changes are at begin() + 1.
  Revision begin() const { return begin_; }
  Revision write_revision() const { return begin_ + 1; }
  // What a read inside the txn sees: its own changes once it has made any (etcd's
  // storeTxnWrite.Range).
  Revision read_revision() const { return changes_.empty() ? begin_ : begin_ + 1; }
  bool changed() const { return !changes_.empty(); }

  // Writes a new version of `key`, attached to `lease` (which must exist, or be kNoLease).
  void put(const std::string& key, std::string value, LeaseId lease);
  // Writes a tombstone for `key`, which must be live at read_revision().
  void tombstone(const std::string& key);

  struct Change {
    Index::iterator key;  // stable: map iterators survive other inserts
    uint32_t sub = 0;
    LeaseId old_lease = kNoLease;
    LeaseId new_lease = kNoLease;
  };
  const std::vector<Change>& changes() const { return changes_; }
  // Undoes every change, newest first: records, created keys, lease attachments.
  void rollback();

 private:
  uint32_t next_sub() const { return static_cast<uint32_t>(changes_.size()); }

  Store& store_;
  const Revision begin_;
  std::vector<Change> changes_;
};

}  // namespace chorus::kv
