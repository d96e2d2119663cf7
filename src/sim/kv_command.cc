#include "sim/kv_command.h"

#include <fmt/format.h>

#include "sim/codec.h"

namespace chorus::sim {

const char* to_string(KvOp op) {
  switch (op) {
    case KvOp::kGet:
      return "get";
    case KvOp::kPut:
      return "put";
    case KvOp::kCas:
      return "cas";
    case KvOp::kDelete:
      return "del";
  }
  return "?";
}

std::string encode(const KvCommand& command) {
  std::string out = "KV";
  out.push_back(static_cast<char>(command.op));
  put_u64(out, command.client);
  put_u64(out, command.sequence);
  put_string(out, command.key);
  put_string(out, command.value);
  out.push_back(command.expected ? 1 : 0);
  if (command.expected) put_string(out, *command.expected);
  return out;
}

std::optional<KvCommand> decode_kv_command(const std::string& data) {
  if (data.size() < 3 || data[0] != 'K' || data[1] != 'V') return std::nullopt;
  KvCommand command;
  const auto op = static_cast<uint8_t>(data[2]);
  if (op > static_cast<uint8_t>(KvOp::kDelete)) return std::nullopt;
  command.op = static_cast<KvOp>(op);
  Reader reader{data, 3};
  if (!reader.u64(&command.client) || !reader.u64(&command.sequence) ||
      !reader.string(&command.key) || !reader.string(&command.value) || reader.pos >= data.size()) {
    return std::nullopt;
  }
  if (data[reader.pos++] != 0) {
    std::string expected;
    if (!reader.string(&expected)) return std::nullopt;
    command.expected = std::move(expected);
  }
  if (reader.pos != data.size()) return std::nullopt;
  return command;
}

std::string describe(const KvCommand& command) {
  std::string out = fmt::format("c{}#{} {} {}", command.client, command.sequence,
                                to_string(command.op), command.key);
  if (command.op == KvOp::kPut || command.op == KvOp::kCas) out += "=" + command.value;
  if (command.op == KvOp::kCas) out += " if " + command.expected.value_or("<absent>");
  return out;
}

}  // namespace chorus::sim
