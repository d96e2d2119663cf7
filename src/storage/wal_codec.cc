#include "storage/wal_codec.h"

#include "storage/record.h"

namespace chorus::storage {

void append_entry_record(Bytes& out, const raft::Entry& entry) {
  STORAGE_ASSERT(entry.data.size() + kEntryFixedBytes <= kMaxRecordPayloadBytes);
  const size_t start = begin_record(out, RecordType::kEntry);
  ByteWriter writer(out);
  writer.u64(entry.term.value);
  writer.u64(entry.index.value);
  writer.u8(static_cast<uint8_t>(entry.type));
  writer.bytes(as_bytes(entry.data));
  finish_record(out, start);
}

void append_hard_state_record(Bytes& out, const raft::HardState& state) {
  const size_t start = begin_record(out, RecordType::kHardState);
  ByteWriter writer(out);
  writer.u64(state.term.value);
  writer.u64(state.vote.value);
  writer.u64(state.commit.value);
  finish_record(out, start);
}

void append_snapshot_marker_record(Bytes& out, const SnapshotMarker& marker) {
  const size_t start = begin_record(out, RecordType::kSnapshotMarker);
  ByteWriter writer(out);
  writer.u64(marker.index.value);
  writer.u64(marker.term.value);
  finish_record(out, start);
}

void append_segment_header_record(Bytes& out, const SegmentHeader& header) {
  const size_t start = begin_record(out, RecordType::kSegmentHeader);
  ByteWriter writer(out);
  writer.u64(kSegmentMagic);
  writer.u32(kSegmentVersion);
  writer.u64(header.sequence);
  writer.u64(header.first_index.value);
  finish_record(out, start);
}

std::optional<raft::Entry> decode_entry(std::span<const uint8_t> payload) {
  ByteReader reader(payload);
  uint64_t term = 0;
  uint64_t index = 0;
  uint8_t type = 0;
  reader.u64(term);
  reader.u64(index);
  reader.u8(type);
  if (!reader.ok()) return std::nullopt;
  if (type != static_cast<uint8_t>(raft::EntryType::kNormal) &&
      type != static_cast<uint8_t>(raft::EntryType::kConfChange)) {
    return std::nullopt;
  }
  raft::Entry entry;
  entry.term = raft::Term(term);
  entry.index = raft::Index(index);
  entry.type = static_cast<raft::EntryType>(type);
  reader.string(reader.remaining(), entry.data);
  STORAGE_ASSERT(reader.ok() && reader.remaining() == 0);
  return entry;
}

std::optional<raft::HardState> decode_hard_state(std::span<const uint8_t> payload) {
  if (payload.size() != 24) return std::nullopt;
  ByteReader reader(payload);
  raft::HardState state;
  reader.u64(state.term.value);
  reader.u64(state.vote.value);
  reader.u64(state.commit.value);
  STORAGE_ASSERT(reader.ok() && reader.remaining() == 0);
  return state;
}

std::optional<SnapshotMarker> decode_snapshot_marker(std::span<const uint8_t> payload) {
  if (payload.size() != 16) return std::nullopt;
  ByteReader reader(payload);
  SnapshotMarker marker;
  reader.u64(marker.index.value);
  reader.u64(marker.term.value);
  STORAGE_ASSERT(reader.ok() && reader.remaining() == 0);
  return marker;
}

std::optional<SegmentHeader> decode_segment_header(std::span<const uint8_t> payload) {
  if (payload.size() != 28) return std::nullopt;
  ByteReader reader(payload);
  uint64_t magic = 0;
  uint32_t version = 0;
  SegmentHeader header;
  reader.u64(magic);
  reader.u32(version);
  reader.u64(header.sequence);
  reader.u64(header.first_index.value);
  STORAGE_ASSERT(reader.ok() && reader.remaining() == 0);
  if (magic != kSegmentMagic || version != kSegmentVersion) return std::nullopt;
  return header;
}

}  // namespace chorus::storage
