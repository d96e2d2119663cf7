// The simulated network between nodes (and between clients and nodes): every message gets a
// delivery time; faults drop, duplicate, delay (and so reorder) messages, and partitions cut
// links in one or both directions. All choices come from the simulation's seeded generator.
#pragma once

#include <cstdint>
#include <map>
#include <queue>
#include <set>
#include <variant>
#include <vector>

#include "raft/random.h"
#include "raft/types.h"
#include "sim/kv_command.h"

namespace chorus::sim {

using raft::NodeId;

struct ClientRequest {
  uint64_t client = 0;
  uint64_t attempt = 0;
  NodeId node;
  KvCommand command;
};

struct ClientReply {
  uint64_t client = 0;
  uint64_t sequence = 0;
  uint64_t attempt = 0;
  NodeId node;
  bool ok = false;  // false: refused (e.g. no leader known); the client retries elsewhere
  KvResult result;
};

using Payload = std::variant<raft::Message, ClientRequest, ClientReply>;

struct NetworkFaults {
  uint64_t drop_per_mille = 0;
  uint64_t duplicate_per_mille = 0;
  uint64_t latency_min_ms = 1;
  uint64_t latency_max_ms = 5;
  // A message is delayed by up to this much more with probability 1/20 (reordering).
  uint64_t spike_ms = 0;
};

struct Envelope {
  uint64_t deliver_at = 0;
  uint64_t sequence = 0;  // ties broken in send order, for determinism
  Payload payload;
  bool operator>(const Envelope& other) const {
    return deliver_at != other.deliver_at ? deliver_at > other.deliver_at
                                          : sequence > other.sequence;
  }
};

class Network {
 public:
  explicit Network(raft::Random& random) : random_(random) {}

  void set_faults(const NetworkFaults& faults) { faults_ = faults; }
  const NetworkFaults& faults() const { return faults_; }

  // Raft traffic between nodes: subject to faults and partitions.
  void send(uint64_t now, raft::Message message);
  // Client traffic: latency only (clients are outside the partitioned network). Never duplicated:
  // the client takes a refusal as proof that its attempt was not proposed (sim/client.cc).
  void send_client(uint64_t now, Payload payload);

  // Cuts the link from -> to (one direction).
  void block(NodeId from, NodeId to) { blocked_.insert({from, to}); }
  void heal() { blocked_.clear(); }
  bool blocked(NodeId from, NodeId to) const { return blocked_.count({from, to}) > 0; }
  bool partitioned() const { return !blocked_.empty(); }

  // The next message due at or before `now`, if any.
  bool pop_due(uint64_t now, Envelope* out);
  uint64_t next_delivery_time() const;
  size_t in_flight() const { return queue_.size(); }

  uint64_t dropped() const { return dropped_; }
  uint64_t duplicated() const { return duplicated_; }

 private:
  uint64_t latency();
  void push(uint64_t deliver_at, Payload payload);

  raft::Random& random_;
  NetworkFaults faults_;
  std::set<std::pair<NodeId, NodeId>> blocked_;
  std::priority_queue<Envelope, std::vector<Envelope>, std::greater<>> queue_;
  uint64_t next_sequence_ = 0;
  uint64_t dropped_ = 0;
  uint64_t duplicated_ = 0;
};

}  // namespace chorus::sim
