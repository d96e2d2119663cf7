// A simulated client: issues one operation at a time (get, put, compare-and-swap, delete on a
// few hot keys, with unique written values), times out and retries on another node like a real
// client, and records the history that the linearizability checker reads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "check/linearizability.h"
#include "raft/random.h"
#include "sim/network.h"

namespace chorus::sim {

struct ClientTuning {
  size_t keys = 3;
  uint64_t timeout_ms = 300;
  uint64_t max_attempts = 4;  // in the safety phase; unbounded while healing
  uint64_t think_ms_max = 20;
};

class SimClient {
 public:
  SimClient(uint64_t id, ClientTuning tuning) : id_(id), tuning_(tuning) {}

  uint64_t id() const { return id_; }
  bool busy() const { return current_.has_value(); }
  uint64_t completed() const { return completed_; }
  // Once `count` more operations complete, start no new ones (the liveness phase waits for
  // every client to finish, which a client that never stops would prevent).
  void stop_after(uint64_t count) { stop_at_ = completed_ + count; }

  // Starts a new operation when idle and its think time has passed. Returns the request to send.
  std::optional<ClientRequest> maybe_start(uint64_t now, raft::Random& random,
                                           const std::vector<NodeId>& nodes);
  // Retries or gives up when the current attempt timed out.
  std::optional<ClientRequest> maybe_retry(uint64_t now, raft::Random& random,
                                           const std::vector<NodeId>& nodes, bool healing,
                                           std::vector<check::KvOperation>& history);
  // Handles a reply. Returns a request to send when the reply was a refusal.
  std::optional<ClientRequest> on_reply(uint64_t now, const ClientReply& reply,
                                        raft::Random& random, const std::vector<NodeId>& nodes,
                                        std::vector<check::KvOperation>& history,
                                        std::string* description);
  // At the end of a run, an operation still in flight has an unknown outcome.
  void abandon(std::vector<check::KvOperation>& history);

 private:
  struct InFlight {
    KvCommand command;
    uint64_t call_time = 0;
    uint64_t attempt = 0;
    uint64_t deadline = 0;
    NodeId node;
    // Attempts a node refused before proposing (no leader known). When every attempt was
    // refused, the operation cannot have taken effect: its outcome is failed, not unknown.
    std::set<uint64_t> refused_attempts;
  };
  ClientRequest next_attempt(uint64_t now, raft::Random& random, const std::vector<NodeId>& nodes);
  void give_up(std::vector<check::KvOperation>& history);
  check::KvOperation record(const InFlight& op) const;

  uint64_t id_;
  ClientTuning tuning_;
  uint64_t next_sequence_ = 1;
  uint64_t next_start_ = 0;
  uint64_t completed_ = 0;
  uint64_t stop_at_ = UINT64_MAX;
  std::optional<InFlight> current_;
  // The last value this client saw for each key, to make compare-and-swap likely to succeed.
  std::map<std::string, std::optional<std::string>> last_seen_;
};

}  // namespace chorus::sim
