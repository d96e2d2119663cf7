// Payloads of the WAL record types (record.h gives the framing). All integers little-endian.
//
//   kEntry           u64 term, u64 index, u8 entry type, then the entry data (the rest)
//   kHardState       u64 term, u64 vote, u64 commit
//   kSnapshotMarker  u64 index, u64 term
//   kSegmentHeader   u64 magic "CHORUSWL", u32 version, u64 sequence, u64 first index
//
// Decoders require the exact length and known enum values, so that a payload that passed its
// CRC but was written by another version is rejected rather than half understood.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "raft/types.h"
#include "storage/bytes.h"

namespace chorus::storage {

// The newest snapshot that is durable: entries at or below `index` are in it and may be
// released from the log.
struct SnapshotMarker {
  raft::Index index;
  raft::Term term;

  bool operator==(const SnapshotMarker&) const = default;
};

inline constexpr uint64_t kSegmentMagic = 0x4C5753'55524F4843ULL;  // "CHORUSWL" little-endian
inline constexpr uint32_t kSegmentVersion = 1;

struct SegmentHeader {
  // Position of the segment in the log; consecutive segments differ by one.
  uint64_t sequence = 0;
  // One past the last index of the log when the segment was started: every entry that is still
  // live in an earlier segment has a smaller index (what release_before relies on).
  raft::Index first_index;

  bool operator==(const SegmentHeader&) const = default;
};

inline constexpr size_t kEntryFixedBytes = 17;

// Each appends one whole record (header and payload) to `out`.
void append_entry_record(Bytes& out, const raft::Entry& entry);
void append_hard_state_record(Bytes& out, const raft::HardState& state);
void append_snapshot_marker_record(Bytes& out, const SnapshotMarker& marker);
void append_segment_header_record(Bytes& out, const SegmentHeader& header);

std::optional<raft::Entry> decode_entry(std::span<const uint8_t> payload);
std::optional<raft::HardState> decode_hard_state(std::span<const uint8_t> payload);
std::optional<SnapshotMarker> decode_snapshot_marker(std::span<const uint8_t> payload);
std::optional<SegmentHeader> decode_segment_header(std::span<const uint8_t> payload);

}  // namespace chorus::storage
