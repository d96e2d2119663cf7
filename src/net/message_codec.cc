#include "net/message_codec.h"

#include "net/wire.h"

namespace chorus::net {
namespace {

using raft::ConfState;
using raft::Entry;
using raft::EntryType;
using raft::Message;
using raft::MessageType;
using raft::NodeId;

constexpr uint8_t kFlagReject = 1 << 0;
constexpr uint8_t kFlagTransfer = 1 << 1;
constexpr uint8_t kFlagSnapshotDone = 1 << 2;
constexpr uint8_t kKnownFlags = kFlagReject | kFlagTransfer | kFlagSnapshotDone;

// The smallest encodings, used to refuse counts the input cannot hold.
constexpr size_t kMinEntryBytes = 4;  // term, index, type, empty data
constexpr size_t kMinIdBytes = 1;

// A uint64 varint takes at most 10 bytes.
constexpr size_t kVarintBytesMax = 10;

// kReadIndexResp is the last MessageType (tests/net/message_codec_test.cc checks it), so every
// byte above it is an unknown type.
bool network_message_type(uint8_t raw, MessageType& type) {
  if (raw > static_cast<uint8_t>(MessageType::kReadIndexResp)) return false;
  type = static_cast<MessageType>(raw);
  return !raft::is_local(type);
}

bool entry_type(uint8_t raw, EntryType& type) {
  if (raw > static_cast<uint8_t>(EntryType::kConfChange)) return false;
  type = static_cast<EntryType>(raw);
  return true;
}

void write_ids(WireWriter& writer, const std::vector<NodeId>& ids) {
  writer.varint(ids.size());
  for (const NodeId id : ids) writer.varint(id.value);
}

bool read_ids(WireReader& reader, std::vector<NodeId>& ids) {
  uint64_t count = 0;
  if (!reader.count(count, kMinIdBytes)) return false;
  ids.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t id = 0;
    if (!reader.varint(id)) return false;
    ids.emplace_back(id);
  }
  return true;
}

void write_conf_state(WireWriter& writer, const ConfState& conf) {
  write_ids(writer, conf.voters);
  write_ids(writer, conf.learners);
  write_ids(writer, conf.voters_outgoing);
  write_ids(writer, conf.learners_next);
  writer.byte(conf.auto_leave ? 1 : 0);
}

bool read_conf_state(WireReader& reader, ConfState& conf) {
  return read_ids(reader, conf.voters) && read_ids(reader, conf.learners) &&
         read_ids(reader, conf.voters_outgoing) && read_ids(reader, conf.learners_next) &&
         reader.boolean(conf.auto_leave);
}

void write_entries(WireWriter& writer, const std::vector<Entry>& entries) {
  writer.varint(entries.size());
  for (const Entry& entry : entries) {
    writer.varint(entry.term.value);
    writer.varint(entry.index.value);
    writer.byte(static_cast<uint8_t>(entry.type));
    writer.bytes(entry.data);
  }
}

bool read_entries(WireReader& reader, std::vector<Entry>& entries) {
  uint64_t count = 0;
  if (!reader.count(count, kMinEntryBytes)) return false;
  entries.resize(count);
  for (Entry& entry : entries) {
    uint8_t type = 0;
    if (!reader.varint(entry.term.value) || !reader.varint(entry.index.value) ||
        !reader.byte(type) || !entry_type(type, entry.type) || !reader.bytes(entry.data)) {
      return false;
    }
  }
  return true;
}

uint8_t flags_of(const Message& message) {
  uint8_t flags = 0;
  if (message.reject) flags |= kFlagReject;
  if (message.transfer) flags |= kFlagTransfer;
  if (message.snapshot_done) flags |= kFlagSnapshotDone;
  return flags;
}

bool read_flags(WireReader& reader, Message& message) {
  uint8_t flags = 0;
  if (!reader.byte(flags) || (flags & ~kKnownFlags) != 0) return false;
  message.reject = (flags & kFlagReject) != 0;
  message.transfer = (flags & kFlagTransfer) != 0;
  message.snapshot_done = (flags & kFlagSnapshotDone) != 0;
  return true;
}

}  // namespace

void append_message(std::string& out, const Message& message) {
  WireWriter writer(out);
  writer.byte(static_cast<uint8_t>(message.type));
  writer.varint(message.group.value);
  writer.varint(message.from.value);
  writer.varint(message.to.value);
  writer.varint(message.term.value);
  writer.varint(message.log_term.value);
  writer.varint(message.index.value);
  writer.varint(message.commit.value);
  writer.varint(message.reject_hint.value);
  writer.varint(message.reject_hint_term.value);
  writer.byte(flags_of(message));
  write_entries(writer, message.entries);
  writer.varint(message.snapshot_metadata.index.value);
  writer.varint(message.snapshot_metadata.term.value);
  write_conf_state(writer, message.snapshot_metadata.conf_state);
  writer.varint(message.snapshot_offset);
  writer.bytes(message.snapshot_chunk);
  writer.bytes(message.context);
}

std::string encode_message(const Message& message) {
  std::string out;
  out.reserve(encoded_size_bound(message));
  append_message(out, message);
  return out;
}

std::optional<Message> decode_message(std::string_view bytes) {
  WireReader reader(bytes);
  Message message;
  uint8_t type = 0;
  if (!reader.byte(type) || !network_message_type(type, message.type)) return std::nullopt;
  const bool header_ok =
      reader.varint(message.group.value) && reader.varint(message.from.value) &&
      reader.varint(message.to.value) && reader.varint(message.term.value) &&
      reader.varint(message.log_term.value) && reader.varint(message.index.value) &&
      reader.varint(message.commit.value) && reader.varint(message.reject_hint.value) &&
      reader.varint(message.reject_hint_term.value) && read_flags(reader, message);
  if (!header_ok || !read_entries(reader, message.entries)) return std::nullopt;
  raft::SnapshotMetadata& metadata = message.snapshot_metadata;
  const bool snapshot_ok =
      reader.varint(metadata.index.value) && reader.varint(metadata.term.value) &&
      read_conf_state(reader, metadata.conf_state) && reader.varint(message.snapshot_offset) &&
      reader.bytes(message.snapshot_chunk) && reader.bytes(message.context);
  if (!snapshot_ok || !reader.at_end()) return std::nullopt;
  return message;
}

bool same_message(const Message& a, const Message& b) {
  return a.group == b.group && a.type == b.type && a.from == b.from && a.to == b.to &&
         a.term == b.term && a.log_term == b.log_term && a.index == b.index &&
         a.entries == b.entries && a.commit == b.commit && a.reject == b.reject &&
         a.reject_hint == b.reject_hint && a.reject_hint_term == b.reject_hint_term &&
         a.transfer == b.transfer && a.snapshot_metadata == b.snapshot_metadata &&
         a.snapshot_offset == b.snapshot_offset && a.snapshot_chunk == b.snapshot_chunk &&
         a.snapshot_done == b.snapshot_done && a.context == b.context;
}

size_t encoded_size_bound(const Message& message) {
  // Two bytes (type, flags) and 15 varints outside the lists and entries.
  constexpr size_t kFixedFieldsBytesMax = 2 + 15 * kVarintBytesMax;
  size_t bytes = kFixedFieldsBytesMax + message.snapshot_chunk.size() + message.context.size();
  for (const Entry& entry : message.entries) bytes += 1 + 3 * kVarintBytesMax + entry.data.size();
  const ConfState& conf = message.snapshot_metadata.conf_state;
  const size_t ids = conf.voters.size() + conf.learners.size() + conf.voters_outgoing.size() +
                     conf.learners_next.size();
  return bytes + (4 + ids) * kVarintBytesMax + 1;
}

}  // namespace chorus::net
