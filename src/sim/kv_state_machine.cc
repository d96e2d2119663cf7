#include "sim/kv_state_machine.h"

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
    case KvOp::kGet: result = read(command.key); break;
    case KvOp::kPut: data_[command.key] = command.value; break;
    case KvOp::kDelete: data_.erase(command.key); break;
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

namespace {
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_string(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out += s;
}
bool get_u64(const std::string& in, size_t& pos, uint64_t* v) {
  if (in.size() - pos < 8) return false;
  *v = 0;
  for (int i = 0; i < 8; ++i) {
    *v |= static_cast<uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
  }
  pos += 8;
  return true;
}
bool get_string(const std::string& in, size_t& pos, std::string* s) {
  uint64_t size = 0;
  if (!get_u64(in, pos, &size) || size > in.size() - pos) return false;
  *s = in.substr(pos, size);
  pos += size;
  return true;
}
}  // namespace

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
  size_t pos = 0;
  uint64_t count = 0;
  if (!data.empty()) {
    if (!get_u64(data, pos, &count)) return false;
    for (uint64_t i = 0; i < count; ++i) {
      std::string key, value;
      if (!get_string(data, pos, &key) || !get_string(data, pos, &value)) return false;
      restored.emplace(std::move(key), std::move(value));
    }
    if (!get_u64(data, pos, &count)) return false;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t client = 0, found = 0, cas = 0;
      Session session;
      if (!get_u64(data, pos, &client) || !get_u64(data, pos, &session.last_sequence) ||
          !get_u64(data, pos, &found) || !get_string(data, pos, &session.last_result.value) ||
          !get_u64(data, pos, &cas)) {
        return false;
      }
      session.last_result.found = found != 0;
      session.last_result.cas_succeeded = cas != 0;
      sessions.emplace(client, std::move(session));
    }
  }
  data_ = std::move(restored);
  sessions_ = std::move(sessions);
  return true;
}

uint64_t KvStateMachine::digest() const { return fnv1a(serialize()); }

}  // namespace chorus::sim
