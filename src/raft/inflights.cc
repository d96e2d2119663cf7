#include "raft/inflights.h"

#include "raft/invariant.h"

namespace chorus::raft {

void Inflights::add(Index last_index, uint64_t bytes) {
  CHORUS_INVARIANT(!full(), "an append was sent past the inflight window");
  CHORUS_INVARIANT(items_.empty() || items_.back().last_index < last_index,
                   "inflight appends must carry increasing indexes");
  items_.push_back(Item{last_index, bytes});
  bytes_ += bytes;
}

void Inflights::free_up_to(Index index) {
  while (!items_.empty() && items_.front().last_index <= index) {
    bytes_ -= items_.front().bytes;
    items_.pop_front();
  }
}

void Inflights::free_first_one() {
  if (items_.empty()) return;
  bytes_ -= items_.front().bytes;
  items_.pop_front();
}

void Inflights::reset() {
  items_.clear();
  bytes_ = 0;
}

}  // namespace chorus::raft
