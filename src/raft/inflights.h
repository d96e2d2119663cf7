// The AppendEntries messages in flight to one follower, bounded by count and bytes so that a
// slow follower cannot make the leader buffer without limit (pipelining, Raft dissertation
// §10.2.2).
#pragma once

#include <cstdint>
#include <deque>

#include "raft/types.h"

namespace chorus::raft {

class Inflights {
 public:
  Inflights(size_t max_count, uint64_t max_bytes) : max_count_(max_count), max_bytes_(max_bytes) {}

  // Records a message whose last entry is `last_index`, carrying `bytes` of entries.
  void add(Index last_index, uint64_t bytes);
  // Frees every message whose last index is <= index (the follower acknowledged it).
  void free_up_to(Index index);
  // Frees the oldest message, so that one more may be sent: used when a heartbeat response shows
  // the follower alive while the window is full (messages in it may have been lost).
  void free_first_one();
  void reset();

  bool full() const {
    return items_.size() >= max_count_ || (max_bytes_ != 0 && bytes_ >= max_bytes_);
  }
  size_t count() const { return items_.size(); }
  uint64_t bytes() const { return bytes_; }

 private:
  struct Item {
    Index last_index;
    uint64_t bytes;
  };
  std::deque<Item> items_;
  uint64_t bytes_ = 0;
  size_t max_count_;
  uint64_t max_bytes_;  // 0: unbounded by bytes
};

}  // namespace chorus::raft
