#include "storage/segment.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace chorus::storage {
namespace {

// Offset of the first non-zero byte at or after `from`, or nullopt.
std::optional<uint64_t> first_non_zero(std::span<const uint8_t> bytes, uint64_t from) {
  if (from >= bytes.size()) return std::nullopt;
  auto found = std::find_if(bytes.begin() + static_cast<ptrdiff_t>(from), bytes.end(),
                            [](uint8_t b) { return b != 0; });
  if (found == bytes.end()) return std::nullopt;
  return static_cast<uint64_t>(found - bytes.begin());
}

bool parse_hex16(std::string_view text, uint64_t& value) {
  if (text.size() != 16) return false;
  value = 0;
  for (char c : text) {
    uint64_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint64_t>(c - 'a' + 10);
    } else {
      return false;
    }
    value = (value << 4) | digit;
  }
  return true;
}

Status corrupt_at(const std::string& path, uint64_t offset, const std::string& what) {
  return Status(Errc::kCorrupt, path + ": offset " + std::to_string(offset) + ": " + what);
}

Result<SegmentHeader> read_header(std::span<const uint8_t> bytes, const std::string& path,
                                  const SegmentHeader& expected, uint64_t& offset) {
  const DecodedRecord first = decode_record(bytes);
  if (first.outcome != DecodeOutcome::kRecord || first.type != RecordType::kSegmentHeader) {
    return corrupt_at(path, 0, "missing or damaged segment header");
  }
  const std::optional<SegmentHeader> header = decode_segment_header(first.payload);
  if (!header) return corrupt_at(path, 0, "segment header with a bad magic or version");
  if (*header != expected) {
    return corrupt_at(path, 0,
                      "segment header (sequence " + std::to_string(header->sequence) +
                          ", first index " + std::to_string(header->first_index.value) +
                          ") does not match the file name");
  }
  offset = first.extent_bytes;
  return *header;
}

}  // namespace

std::string segment_file_name(uint64_t sequence, raft::Index first_index) {
  char name[64];
  std::snprintf(name, sizeof(name), "%016" PRIx64 "-%016" PRIx64 ".wal", sequence,
                first_index.value);
  return name;
}

std::optional<SegmentHeader> parse_segment_file_name(std::string_view name) {
  // "%016x-%016x.wal"
  if (name.size() != 16 + 1 + 16 + 4 || name[16] != '-' || !name.ends_with(".wal")) {
    return std::nullopt;
  }
  SegmentHeader header;
  if (!parse_hex16(name.substr(0, 16), header.sequence)) return std::nullopt;
  if (!parse_hex16(name.substr(17, 16), header.first_index.value)) return std::nullopt;
  return header;
}

Result<ScannedSegment> scan_segment(std::span<const uint8_t> bytes, const std::string& path,
                                    const SegmentHeader& expected, SegmentPosition position) {
  ScannedSegment scanned;
  uint64_t offset = 0;
  Result<SegmentHeader> header = read_header(bytes, path, expected, offset);
  if (!header.ok()) return header.status();
  scanned.header = *header;
  // Bounded: every iteration consumes at least one record header or leaves.
  while (offset < bytes.size()) {
    const DecodedRecord record = decode_record(bytes.subspan(offset));
    if (record.outcome == DecodeOutcome::kRecord) {
      STORAGE_ASSERT(record.extent_bytes >= kRecordHeaderBytes);
      scanned.records.push_back({record.type, record.payload, offset});
      offset += record.extent_bytes;
      continue;
    }
    if (record.outcome == DecodeOutcome::kEndOfData) {
      if (const auto data = first_non_zero(bytes, offset)) {
        return corrupt_at(
            path, *data, "non-zero byte after the end of data at offset " + std::to_string(offset));
      }
      break;
    }
    const std::string what = to_string(record.outcome);
    if (position == SegmentPosition::kNotLast || record.outcome == DecodeOutcome::kUnsupported) {
      return corrupt_at(path, offset, what);
    }
    if (const auto data = first_non_zero(bytes, offset + record.extent_bytes)) {
      return corrupt_at(
          path, offset,
          what + " (not a torn write: data follows at offset " + std::to_string(*data) + ")");
    }
    scanned.torn_tail_note = path + ": offset " + std::to_string(offset) + ": torn final record (" +
                             what + "), truncated there";
    break;
  }
  scanned.valid_end = offset;
  STORAGE_ASSERT(scanned.valid_end <= bytes.size());
  return scanned;
}

}  // namespace chorus::storage
