#include "storage/record.h"

#include <algorithm>

#include "storage/crc32c.h"

namespace chorus::storage {
namespace {

bool all_zero(std::span<const uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

bool is_known_record_type(uint8_t type) {
  return type >= static_cast<uint8_t>(RecordType::kSegmentHeader) &&
         type <= static_cast<uint8_t>(RecordType::kSnapshotMarker);
}

size_t begin_record(Bytes& out, RecordType type) {
  STORAGE_ASSERT(type != RecordType::kInvalid);
  const size_t start = out.size();
  out.resize(start + kRecordHeaderBytes, 0);
  out[start + 8] = static_cast<uint8_t>(type);
  return start;
}

void finish_record(Bytes& out, size_t start) {
  STORAGE_ASSERT(start + kRecordHeaderBytes <= out.size());
  const size_t length = out.size() - start - kRecordHeaderBytes;
  STORAGE_ASSERT(length <= kMaxRecordPayloadBytes);
  uint8_t* header = out.data() + start;
  store_u32(header + 4, static_cast<uint32_t>(length));
  store_u32(header + 12, crc32c(std::span(out).subspan(start + kRecordHeaderBytes)));
  store_u32(header, crc32c(std::span<const uint8_t>(header + 4, kRecordHeaderBytes - 4)));
  STORAGE_ASSERT(header[8] != 0);  // a written header is never all zero
}

void append_record(Bytes& out, RecordType type, std::span<const uint8_t> payload) {
  const size_t start = begin_record(out, type);
  out.insert(out.end(), payload.begin(), payload.end());
  finish_record(out, start);
}

DecodedRecord decode_record(std::span<const uint8_t> input) {
  DecodedRecord result;
  if (input.size() < kRecordHeaderBytes) {
    result.outcome = all_zero(input) ? DecodeOutcome::kEndOfData : DecodeOutcome::kIncomplete;
    result.extent_bytes = input.size();
    return result;
  }
  const std::span<const uint8_t> header = input.first(kRecordHeaderBytes);
  if (all_zero(header)) {
    result.outcome = DecodeOutcome::kEndOfData;
    return result;
  }
  result.extent_bytes = kRecordHeaderBytes;
  if (crc32c(header.subspan(4)) != load_u32(header.data())) {
    result.outcome = DecodeOutcome::kBadHeader;
    return result;
  }
  const uint32_t length = load_u32(header.data() + 4);
  const uint8_t type = header[8];
  const bool reserved_zero = header[9] == 0 && header[10] == 0 && header[11] == 0;
  if (!is_known_record_type(type) || !reserved_zero || length > kMaxRecordPayloadBytes) {
    result.outcome = DecodeOutcome::kUnsupported;
    return result;
  }
  const size_t total = kRecordHeaderBytes + length;
  if (total > input.size()) {
    result.outcome = DecodeOutcome::kIncomplete;
    result.extent_bytes = input.size();
    return result;
  }
  result.extent_bytes = total;
  const std::span<const uint8_t> payload = input.subspan(kRecordHeaderBytes, length);
  if (crc32c(payload) != load_u32(header.data() + 12)) {
    result.outcome = DecodeOutcome::kBadChecksum;
    return result;
  }
  result.outcome = DecodeOutcome::kRecord;
  result.type = static_cast<RecordType>(type);
  result.payload = payload;
  STORAGE_ASSERT(result.payload.size() == length);
  return result;
}

const char* to_string(DecodeOutcome outcome) {
  switch (outcome) {
    case DecodeOutcome::kRecord:
      return "record";
    case DecodeOutcome::kEndOfData:
      return "end of data";
    case DecodeOutcome::kBadHeader:
      return "record header checksum mismatch";
    case DecodeOutcome::kIncomplete:
      return "incomplete record";
    case DecodeOutcome::kBadChecksum:
      return "record payload checksum mismatch";
    case DecodeOutcome::kUnsupported:
      return "unsupported record (unknown type, reserved bits or oversized length)";
  }
  return "unknown";
}

}  // namespace chorus::storage
