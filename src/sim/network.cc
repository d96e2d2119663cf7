#include "sim/network.h"

#include <limits>

namespace chorus::sim {

uint64_t Network::latency() {
  uint64_t ms = random_.between(faults_.latency_min_ms, faults_.latency_max_ms);
  if (faults_.spike_ms > 0 && random_.chance(1, 20)) ms += random_.between(1, faults_.spike_ms);
  return ms;
}

void Network::push(uint64_t deliver_at, Payload payload) {
  queue_.push(Envelope{deliver_at, next_sequence_++, std::move(payload)});
}

void Network::send(uint64_t now, raft::Message message) {
  if (random_.chance(faults_.drop_per_mille, 1000)) {
    ++dropped_;
    return;
  }
  if (random_.chance(faults_.duplicate_per_mille, 1000)) {
    ++duplicated_;
    push(now + latency(), message);
  }
  push(now + latency(), std::move(message));
}

void Network::send_client(uint64_t now, Payload payload) {
  push(now + random_.between(1, 3), std::move(payload));
}

bool Network::pop_due(uint64_t now, Envelope* out) {
  while (!queue_.empty() && queue_.top().deliver_at <= now) {
    Envelope envelope = queue_.top();
    queue_.pop();
    if (auto* message = std::get_if<raft::Message>(&envelope.payload)) {
      // A partition also cuts messages already in flight on the link.
      if (blocked(message->from, message->to)) {
        ++dropped_;
        continue;
      }
    }
    *out = std::move(envelope);
    return true;
  }
  return false;
}

uint64_t Network::next_delivery_time() const {
  return queue_.empty() ? std::numeric_limits<uint64_t>::max() : queue_.top().deliver_at;
}

}  // namespace chorus::sim
