#include "sim/kv_state_machine.h"

#include "sim/codec.h"

namespace chorus::sim {

uint64_t fnv1a(const std::string& bytes, uint64_t seed) {
  uint64_t hash = seed;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::optional<KvResult> KvStateMachine::apply(const KvCommand& command) {
  Session& session = sessions_[command.client];
  if (command.sequence < session.last_sequence) return std::nullopt;
  if (command.sequence == session.last_sequence) return session.last_result;  // a retry
  KvResult result;
  switch (command.op) {
    case KvOp::kGet:
      result = read(command.key);
      break;
    case KvOp::kPut:
      data_[command.key] = command.value;
      break;
    case KvOp::kDelete:
      data_.erase(command.key);
      break;
    case KvOp::kCas: {
      auto it = data_.find(command.key);
      const bool matches = command.expected ? (it != data_.end() && it->second == *command.expected)
                                            : it == data_.end();
      if (matches) data_[command.key] = command.value;
      result.cas_succeeded = matches;
      break;
    }
  }
  session.last_sequence = command.sequence;
  session.last_result = result;
  return result;
}

KvResult KvStateMachine::read(const std::string& key) const {
  KvResult result;
  auto it = data_.find(key);
  if (it != data_.end()) {
    result.found = true;
    result.value = it->second;
  }
  return result;
}

std::string KvStateMachine::serialize() const {
  std::string out;
  put_u64(out, data_.size());
  for (const auto& [key, value] : data_) {
    put_string(out, key);
    put_string(out, value);
  }
  put_u64(out, sessions_.size());
  for (const auto& [client, session] : sessions_) {
    put_u64(out, client);
    put_u64(out, session.last_sequence);
    put_u64(out, session.last_result.found ? 1 : 0);
    put_string(out, session.last_result.value);
    put_u64(out, session.last_result.cas_succeeded ? 1 : 0);
  }
  return out;
}

bool KvStateMachine::restore(const std::string& data) {
  std::map<std::string, std::string> restored;
  std::map<uint64_t, Session> sessions;
  if (!data.empty()) {
    Reader reader{data};
    uint64_t count = 0;
    if (!reader.u64(&count)) return false;
    for (uint64_t i = 0; i < count; ++i) {
      std::string key, value;
      if (!reader.string(&key) || !reader.string(&value)) return false;
      restored.emplace(std::move(key), std::move(value));
    }
    if (!reader.u64(&count)) return false;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t client = 0, found = 0, cas = 0;
      Session session;
      if (!reader.u64(&client) || !reader.u64(&session.last_sequence) || !reader.u64(&found) ||
          !reader.string(&session.last_result.value) || !reader.u64(&cas)) {
        return false;
      }
      session.last_result.found = found != 0;
      session.last_result.cas_succeeded = cas != 0;
      sessions.emplace(client, std::move(session));
    }
    if (!reader.done()) return false;
  }
  data_ = std::move(restored);
  sessions_ = std::move(sessions);
  return true;
}

uint64_t KvStateMachine::digest() const {
  return fnv1a(serialize());
}

}  // namespace chorus::sim
