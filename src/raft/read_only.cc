#include "raft/read_only.h"

#include <cassert>

namespace chorus::raft {

bool ReadOnly::add(std::string context, NodeId requester, Index commit) {
  const bool round_in_flight = round_sent_ > round_confirmed_;
  pending_.push_back(PendingRead{std::move(context), requester, commit, round_sent_ + 1});
  return !round_in_flight;
}

void ReadOnly::ack(NodeId from, uint64_t round) {
  if (round > round_sent_) return;  // not a round of this leadership: ignore
  uint64_t& acked = acked_[from];
  if (round > acked) acked = round;
}

std::vector<PendingRead> ReadOnly::release(NodeId self, const JointConfig& voters,
                                           bool* start_next) {
  *start_next = false;
  const Index confirmed = voters.committed_index([&](NodeId id) -> std::optional<Index> {
    if (id == self) return Index{round_sent_};
    auto it = acked_.find(id);
    if (it == acked_.end()) return std::nullopt;
    return Index{it->second};
  });
  if (confirmed.value > round_confirmed_) round_confirmed_ = std::min(confirmed.value, round_sent_);
  std::vector<PendingRead> out;
  while (!pending_.empty() && pending_.front().round <= round_confirmed_) {
    out.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  // Reads that arrived during the round just confirmed are waiting for the next one.
  *start_next = !pending_.empty() && round_sent_ == round_confirmed_;
  return out;
}

void ReadOnly::reset() {
  pending_.clear();
  acked_.clear();
  round_confirmed_ = round_sent_;
}

std::string ReadOnly::encode_round(uint64_t round) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((round >> (8 * i)) & 0xff);
  return out;
}

uint64_t ReadOnly::decode_round(const std::string& context) {
  if (context.size() != 8) return 0;
  uint64_t round = 0;
  for (int i = 0; i < 8; ++i) {
    round |= static_cast<uint64_t>(static_cast<unsigned char>(context[i])) << (8 * i);
  }
  return round;
}

}  // namespace chorus::raft
