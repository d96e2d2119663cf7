// A WAL segment: one file named "<sequence>-<first index>.wal" (16 hex digits each), beginning
// with a segment header record, then records up to the end of the data, then zeroes up to the
// preallocated size.
//
// scan_segment() applies the recovery rules to one segment's bytes:
//  - The first record must be a good segment header matching the file name. A segment gets
//    its final name only after its header is durable (wal.cc), so no crash explains a bad one.
//  - Records are read until an all-zero header; every byte after that must be zero too.
//  - In the LAST segment, a bad final record is a torn write from a crash, and is reported for
//    truncation, when it is incomplete (cut off by the end of the file), or when its header or
//    payload fails its CRC and every byte after the record's extent is zero (preallocated space
//    the crash never reached). Anywhere else, any bad record is corruption: an error naming the
//    file and the byte offset.
//
// This matches what a crash can do to an append-only file: the unsynced suffix of the data
// reaches the disk as a prefix, possibly cut mid-record. A device that persists a later part of
// a write and loses an earlier part (not a prefix) is reported as corruption; the node then
// refuses to start, the safe direction (docs/storage.md, "Recovering a refused node").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/record.h"
#include "storage/status.h"
#include "storage/wal_codec.h"

namespace chorus::storage {

std::string segment_file_name(uint64_t sequence, raft::Index first_index);
// Parses a final segment name; nullopt for anything else (temporary files included).
std::optional<SegmentHeader> parse_segment_file_name(std::string_view name);

inline constexpr std::string_view kTemporarySuffix = ".tmp";

enum class SegmentPosition : uint8_t { kLast, kNotLast };

struct ScannedRecord {
  RecordType type;
  std::span<const uint8_t> payload;  // points into the scanned bytes
  uint64_t offset;                   // of the record's header in the file
};

struct ScannedSegment {
  SegmentHeader header;
  // Every record after the segment header, in file order.
  std::vector<ScannedRecord> records;
  // Offset just past the last good record: where appends continue.
  uint64_t valid_end = 0;
  // Set when a torn final record was found (last segment only): what to log.
  std::optional<std::string> torn_tail_note;
};

// `path` and `expected` come from the file name; errors name `path` and the byte offset.
Result<ScannedSegment> scan_segment(std::span<const uint8_t> bytes, const std::string& path,
                                    const SegmentHeader& expected, SegmentPosition position);

}  // namespace chorus::storage
