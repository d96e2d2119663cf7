#include "net/message_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "net/wire.h"

namespace chorus::net {
namespace {

using raft::Entry;
using raft::EntryType;
using raft::Index;
using raft::Message;
using raft::MessageType;
using raft::NodeId;
using raft::Term;

constexpr uint8_t kLastType = static_cast<uint8_t>(MessageType::kReadIndexResp);

// A message with every field away from its default (what no real type sends, and so what
// catches a field the codec forgets).
Message message_with_every_field(MessageType type) {
  Message message;
  message.group = raft::GroupId(7);
  message.type = type;
  message.from = NodeId(1);
  message.to = NodeId(2);
  message.term = Term(300);  // more than one varint byte
  message.log_term = Term(299);
  message.index = Index(uint64_t{1} << 40);
  message.entries = {Entry{Term(5), Index(10), EntryType::kNormal, "put x"},
                     Entry{Term(6), Index(11), EntryType::kConfChange, std::string("\0\1\2", 3)},
                     Entry{Term(6), Index(12), EntryType::kNormal, ""}};
  message.commit = Index(9);
  message.reject = true;
  message.reject_hint = Index(8);
  message.reject_hint_term = Term(4);
  message.transfer = true;
  message.snapshot_metadata.index = Index(100);
  message.snapshot_metadata.term = Term(3);
  message.snapshot_metadata.conf_state.voters = {NodeId(1), NodeId(2), NodeId(3)};
  message.snapshot_metadata.conf_state.learners = {NodeId(4)};
  message.snapshot_metadata.conf_state.voters_outgoing = {NodeId(1), NodeId(5)};
  message.snapshot_metadata.conf_state.learners_next = {NodeId(5)};
  message.snapshot_metadata.conf_state.auto_leave = true;
  message.snapshot_offset = 1 << 20;
  message.snapshot_chunk = std::string(1000, '\xAB');
  message.snapshot_done = true;
  message.context = "read-ctx";
  return message;
}

TEST(MessageCodec, LastMessageTypeIsReadIndexResp) {
  // decode_message treats every type byte above kReadIndexResp as unknown.
  EXPECT_STREQ(raft::to_string(static_cast<MessageType>(kLastType + 1)), "?");
}

TEST(MessageCodec, EveryNetworkTypeRoundTripsWithEveryField) {
  int network_types = 0;
  for (uint8_t raw = 0; raw <= kLastType; ++raw) {
    const auto type = static_cast<MessageType>(raw);
    if (raft::is_local(type)) continue;
    ++network_types;
    const Message original = message_with_every_field(type);
    const std::string bytes = encode_message(original);
    EXPECT_LE(bytes.size(), encoded_size_bound(original));
    const std::optional<Message> decoded = decode_message(bytes);
    ASSERT_TRUE(decoded.has_value()) << raft::to_string(type);
    EXPECT_TRUE(same_message(*decoded, original)) << raft::to_string(type);
    EXPECT_EQ(encode_message(*decoded), bytes);
  }
  EXPECT_EQ(network_types, 15);
}

TEST(MessageCodec, DefaultMessageRoundTrips) {
  Message heartbeat;
  heartbeat.type = MessageType::kHeartbeat;
  const std::optional<Message> decoded = decode_message(encode_message(heartbeat));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(same_message(*decoded, heartbeat));
}

TEST(MessageCodec, SameMessageNoticesEachField) {
  const Message base = message_with_every_field(MessageType::kApp);
  std::vector<Message> variants(12, base);
  variants[0].group = raft::GroupId(8);
  variants[1].entries.back().data = "x";
  variants[2].reject = false;
  variants[3].transfer = false;
  variants[4].snapshot_done = false;
  variants[5].snapshot_metadata.conf_state.learners_next.clear();
  variants[6].snapshot_metadata.conf_state.auto_leave = false;
  variants[7].snapshot_offset = 0;
  variants[8].snapshot_chunk.pop_back();
  variants[9].context = "";
  variants[10].reject_hint_term = Term(0);
  variants[11].commit = Index(0);
  for (const Message& variant : variants) {
    EXPECT_FALSE(same_message(variant, base));
    EXPECT_NE(encode_message(variant), encode_message(base));
  }
}

// The format, pinned byte by byte for a small message (message_codec.h documents it).
TEST(MessageCodec, EncodesTheDocumentedLayout) {
  Message message;
  message.type = MessageType::kAppResp;
  message.group = raft::GroupId(1);
  message.from = NodeId(2);
  message.to = NodeId(3);
  message.term = Term(4);
  message.index = Index(200);
  message.reject = true;
  message.context = "c";
  message.snapshot_metadata.conf_state.voters = {NodeId(9)};
  constexpr char kExpected[] =
      "\x08"                  // type kAppResp
      "\x01\x02\x03\x04"      // group, from, to, term
      "\x00\xC8\x01\x00"      // log_term, index (200), commit
      "\x00\x00"              // reject_hint, reject_hint_term
      "\x01"                  // flags: reject
      "\x00"                  // no entries
      "\x00\x00"              // snapshot index, term
      "\x01\x09\x00\x00\x00"  // voters {9}, learners, voters_outgoing, learners_next
      "\x00"                  // auto_leave
      "\x00\x00"              // snapshot_offset, empty chunk
      "\x01"
      "c";  // context
  EXPECT_EQ(encode_message(message), std::string(kExpected, sizeof(kExpected) - 1));
}

TEST(MessageCodec, RefusesLocalMessageTypes) {
  for (uint8_t raw = 0; raw <= kLastType; ++raw) {
    const auto type = static_cast<MessageType>(raw);
    if (!raft::is_local(type)) continue;
    EXPECT_FALSE(decode_message(encode_message(message_with_every_field(type))).has_value())
        << raft::to_string(type);
  }
}

TEST(MessageCodec, RefusesEveryTruncation) {
  const std::string bytes = encode_message(message_with_every_field(MessageType::kSnap));
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_FALSE(decode_message(std::string_view(bytes).substr(0, length)).has_value())
        << "accepted the first " << length << " of " << bytes.size() << " bytes";
  }
}

TEST(MessageCodec, RefusesTrailingBytes) {
  const std::string bytes = encode_message(message_with_every_field(MessageType::kApp));
  EXPECT_FALSE(decode_message(bytes + '\0').has_value());
  EXPECT_FALSE(decode_message(bytes + bytes).has_value());
}

TEST(MessageCodec, RefusesUnknownTypeBytes) {
  std::string bytes = encode_message(message_with_every_field(MessageType::kApp));
  for (const int raw : {kLastType + 1, 0x7F, 0xFF}) {
    bytes[0] = static_cast<char>(raw);
    EXPECT_FALSE(decode_message(bytes).has_value()) << raw;
  }
}

// Builds a message by hand, so that tests can put values encode_message never writes.
struct RawMessage {
  uint8_t type = static_cast<uint8_t>(MessageType::kApp);
  uint8_t flags = 0;
  uint64_t entry_count = 0;
  std::string entries;  // already encoded
  uint64_t voter_count = 0;
  uint8_t auto_leave = 0;
  uint64_t chunk_length = 0;
  std::string tail;  // after the chunk length: the chunk and the context

  std::string encode() const {
    std::string out;
    WireWriter writer(out);
    writer.byte(type);
    for (int i = 0; i < 9; ++i) writer.varint(1);
    writer.byte(flags);
    writer.varint(entry_count);
    out += entries;
    writer.varint(0);  // snapshot index
    writer.varint(0);  // snapshot term
    writer.varint(voter_count);
    for (int i = 0; i < 3; ++i) writer.varint(0);
    writer.byte(auto_leave);
    writer.varint(0);  // snapshot offset
    writer.varint(chunk_length);
    out += tail;
    return out;
  }
};

std::string raw_entry(uint8_t type) {
  std::string out;
  WireWriter writer(out);
  writer.varint(1);
  writer.varint(1);
  writer.byte(type);
  writer.bytes("d");
  return out;
}

TEST(MessageCodec, HandBuiltMessageDecodes) {
  RawMessage raw;
  raw.entry_count = 1;
  raw.entries = raw_entry(1);
  raw.tail = std::string(1, '\0');  // empty context
  const std::optional<Message> decoded = decode_message(raw.encode());
  ASSERT_TRUE(decoded.has_value());
  ASSERT_EQ(decoded->entries.size(), 1u);
  EXPECT_EQ(decoded->entries[0].type, EntryType::kConfChange);
}

TEST(MessageCodec, RefusesUnknownEntryTypeFlagsAndBools) {
  RawMessage bad_entry;
  bad_entry.entry_count = 1;
  bad_entry.entries = raw_entry(2);
  bad_entry.tail = std::string(1, '\0');
  EXPECT_FALSE(decode_message(bad_entry.encode()).has_value());

  RawMessage bad_flags;
  bad_flags.flags = 0x08;
  bad_flags.tail = std::string(1, '\0');
  EXPECT_FALSE(decode_message(bad_flags.encode()).has_value());

  RawMessage bad_bool;
  bad_bool.auto_leave = 2;
  bad_bool.tail = std::string(1, '\0');
  EXPECT_FALSE(decode_message(bad_bool.encode()).has_value());
}

TEST(MessageCodec, RefusesForgedCountsAndLengthsWithoutAllocating) {
  // Each would ask for petabytes if believed; the decoder must say no from the input size.
  RawMessage entries;
  entries.entry_count = uint64_t{1} << 60;
  entries.entries = raw_entry(0);
  entries.tail = std::string(1, '\0');
  EXPECT_FALSE(decode_message(entries.encode()).has_value());

  RawMessage voters;
  voters.voter_count = uint64_t{1} << 61;
  voters.tail = std::string(1, '\0');
  EXPECT_FALSE(decode_message(voters.encode()).has_value());

  RawMessage chunk;
  chunk.chunk_length = uint64_t{1} << 62;
  chunk.tail = std::string(64, 'x');
  EXPECT_FALSE(decode_message(chunk.encode()).has_value());

  RawMessage maximal;
  maximal.chunk_length = ~uint64_t{0};
  maximal.tail = "x";
  EXPECT_FALSE(decode_message(maximal.encode()).has_value());
}

}  // namespace
}  // namespace chorus::net
