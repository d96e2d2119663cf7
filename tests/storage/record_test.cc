#include "storage/record.h"

#include <gtest/gtest.h>

#include "storage/crc32c.h"
#include "storage/wal_codec.h"
#include "storage_test_util.h"

namespace chorus::storage {
namespace {

using testing::make_entry;

Bytes one_entry_record() {
  Bytes bytes;
  append_entry_record(bytes, make_entry(7, 3, "payload"));
  return bytes;
}

TEST(Record, RoundTripsAnEntry) {
  const Bytes bytes = one_entry_record();
  ASSERT_EQ(bytes.size(), kRecordHeaderBytes + kEntryFixedBytes + 7);
  const DecodedRecord record = decode_record(bytes);
  ASSERT_EQ(record.outcome, DecodeOutcome::kRecord);
  EXPECT_EQ(record.type, RecordType::kEntry);
  EXPECT_EQ(record.extent_bytes, bytes.size());
  const std::optional<raft::Entry> entry = decode_entry(record.payload);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(*entry, make_entry(7, 3, "payload"));
}

TEST(Record, RoundTripsEveryPayloadType) {
  Bytes bytes;
  append_hard_state_record(bytes, testing::make_hard_state(5, 2, 9));
  append_snapshot_marker_record(bytes, {raft::Index(100), raft::Term(4)});
  append_segment_header_record(bytes, {12, raft::Index(1000)});
  const std::vector<uint64_t> offsets = testing::record_offsets(bytes);
  ASSERT_EQ(offsets.size(), 3u);
  const auto at = [&](size_t i) { return decode_record(std::span(bytes).subspan(offsets[i])); };
  EXPECT_EQ(decode_hard_state(at(0).payload), testing::make_hard_state(5, 2, 9));
  EXPECT_EQ(decode_snapshot_marker(at(1).payload),
            (SnapshotMarker{raft::Index(100), raft::Term(4)}));
  EXPECT_EQ(decode_segment_header(at(2).payload), (SegmentHeader{12, raft::Index(1000)}));
}

TEST(Record, ZeroesAreEndOfData) {
  EXPECT_EQ(decode_record(Bytes(100, 0)).outcome, DecodeOutcome::kEndOfData);
  EXPECT_EQ(decode_record(Bytes(3, 0)).outcome, DecodeOutcome::kEndOfData);
  EXPECT_EQ(decode_record({}).outcome, DecodeOutcome::kEndOfData);
}

TEST(Record, EveryCutIsIncompleteOrBad) {
  const Bytes whole = one_entry_record();
  for (size_t cut = 1; cut < whole.size(); ++cut) {
    const Bytes prefix(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(cut));
    EXPECT_EQ(decode_record(prefix).outcome, DecodeOutcome::kIncomplete) << "cut at " << cut;
    // The same cut inside preallocated (zeroed) space.
    Bytes padded = prefix;
    padded.resize(whole.size() + 64, 0);
    const DecodedRecord record = decode_record(padded);
    EXPECT_TRUE(record.outcome == DecodeOutcome::kBadHeader ||
                record.outcome == DecodeOutcome::kBadChecksum)
        << "cut at " << cut << ": " << to_string(record.outcome);
  }
}

TEST(Record, FlippedLengthIsABadHeaderNotAnIncompleteRecord) {
  Bytes bytes = one_entry_record();
  bytes[6] ^= 0x10;  // length grows by 1 MiB: past the end of the input
  const DecodedRecord record = decode_record(bytes);
  EXPECT_EQ(record.outcome, DecodeOutcome::kBadHeader);
  EXPECT_EQ(record.extent_bytes, kRecordHeaderBytes);
}

TEST(Record, FlippedPayloadIsABadChecksum) {
  Bytes bytes = one_entry_record();
  bytes.back() ^= 0x01;
  const DecodedRecord record = decode_record(bytes);
  EXPECT_EQ(record.outcome, DecodeOutcome::kBadChecksum);
  EXPECT_EQ(record.extent_bytes, bytes.size());
}

TEST(Record, UnknownTypeWithAGoodHeaderIsUnsupported) {
  Bytes bytes;
  append_record(bytes, RecordType::kEntry, Bytes(20, 1));
  bytes[8] = 99;  // type
  // Re-seal the header so only the type is wrong.
  store_u32(bytes.data(), crc32c(std::span(bytes).subspan(4, 12)));
  EXPECT_EQ(decode_record(bytes).outcome, DecodeOutcome::kUnsupported);
}

TEST(Record, EntryDecoderRejectsUnknownEntryTypesAndShortPayloads) {
  EXPECT_FALSE(decode_entry(Bytes(16, 0)).has_value());
  Bytes payload(kEntryFixedBytes, 0);
  payload[16] = 7;  // entry type
  EXPECT_FALSE(decode_entry(payload).has_value());
  EXPECT_FALSE(decode_hard_state(Bytes(23, 0)).has_value());
  EXPECT_FALSE(decode_snapshot_marker(Bytes(17, 0)).has_value());
  EXPECT_FALSE(decode_segment_header(Bytes(28, 0)).has_value());  // bad magic
}

}  // namespace
}  // namespace chorus::storage
