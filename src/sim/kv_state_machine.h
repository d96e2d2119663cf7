// The replicated state machine the simulator runs: a map of keys to values plus one session per
// client for exactly-once application of retried commands.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sim/kv_command.h"

namespace chorus::sim {

class KvStateMachine {
 public:
  // Applies a write command. Returns nullopt for a stale retry (the client has already moved
  // on to a later command, so nobody waits for this answer).
  std::optional<KvResult> apply(const KvCommand& command);
  KvResult read(const std::string& key) const;

  std::string serialize() const;
  bool restore(const std::string& data);
  // A digest of the whole state, to compare replicas.
  uint64_t digest() const;
  size_t size() const { return data_.size(); }

 private:
  struct Session {
    uint64_t last_sequence = 0;
    KvResult last_result;
  };
  std::map<std::string, std::string> data_;
  std::map<uint64_t, Session> sessions_;
};

uint64_t fnv1a(const std::string& bytes, uint64_t seed = 0xcbf29ce484222325ULL);

}  // namespace chorus::sim
