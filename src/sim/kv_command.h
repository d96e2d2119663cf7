// The commands of the simulator's key-value state machine, and their encoding in log entries.
//
// Every command carries its client's id and a per-client sequence number so that the state
// machine applies a retried command once (Raft dissertation §6.3: clients retry, the state
// machine deduplicates with a session per client).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace chorus::sim {

enum class KvOp : uint8_t { kGet, kPut, kCas, kDelete };
const char* to_string(KvOp op);

struct KvCommand {
  uint64_t client = 0;
  uint64_t sequence = 0;
  KvOp op = KvOp::kGet;
  std::string key;
  std::string value;                    // kPut, kCas: the new value
  std::optional<std::string> expected;  // kCas: required current value; nullopt = absent
};

struct KvResult {
  bool found = false;          // kGet
  std::string value;           // kGet
  bool cas_succeeded = false;  // kCas
};

std::string encode(const KvCommand& command);
std::optional<KvCommand> decode_kv_command(const std::string& data);
std::string describe(const KvCommand& command);

}  // namespace chorus::sim
