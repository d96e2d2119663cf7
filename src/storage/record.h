// The framing of one WAL record, independent of what the record holds.
//
//   offset  size  field
//   0       4     header_crc: CRC32C of bytes [4, 16)
//   4       4     length of the payload in bytes
//   8       1     type (RecordType); 0 is never written
//   9       3     reserved, zero
//   12      4     payload_crc: CRC32C of the payload
//   16      len   payload
// (all integers little-endian)
//
// Why two CRCs: the header CRC vouches for the length before recovery trusts it. With a single
// CRC at the end, a flipped length bit would make a record look like it runs to the end of the
// file, and recovery could not tell it from a record torn by a crash; it would then drop the
// valid records after it. With the header checked, a record is "torn" only if its header is bad
// and nothing but zeroes follows the header, or its payload is bad or cut off and nothing but
// zeroes follows the payload (segment.h states the full rule).
//
// CRCs are not chained from record to record: chaining adds nothing against torn tails (the last
// record fails either way), makes one bad record poison every later one, and misplaced records
// are caught by the index rules of recovery instead.
//
// An all-zero header means "end of data": segments are preallocated with zeroes, and a written
// header is never all zero (its type is never 0).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "storage/bytes.h"

namespace chorus::storage {

enum class RecordType : uint8_t {
  kInvalid = 0,
  kSegmentHeader = 1,   // first record of every segment (segment.h)
  kEntry = 2,           // one raft::Entry
  kHardState = 3,       // raft::HardState; the last one read wins
  kSnapshotMarker = 4,  // index and term of the newest durable snapshot; the largest one wins
};

inline constexpr size_t kRecordHeaderBytes = 16;
// A bound on one record, so that a corrupt length cannot make recovery allocate gigabytes.
inline constexpr uint32_t kMaxRecordPayloadBytes = 64u << 20;

bool is_known_record_type(uint8_t type);

// Appends a record to `out`. Requires payload.size() <= kMaxRecordPayloadBytes.
void append_record(Bytes& out, RecordType type, std::span<const uint8_t> payload);

// Writes a record in place: begin_record() reserves the header, the caller appends the payload
// to `out`, finish_record() fills in the length and the CRCs. Saves a copy of every entry.
size_t begin_record(Bytes& out, RecordType type);
void finish_record(Bytes& out, size_t start);

enum class DecodeOutcome : uint8_t {
  kRecord,       // a whole record with good CRCs and a known type
  kEndOfData,    // an all-zero header, or fewer than 16 bytes left that are all zero
  kBadHeader,    // the header CRC does not match
  kIncomplete,   // the header or the payload (per a good header) runs past the end of the input
  kBadChecksum,  // the header is good, the payload CRC does not match
  kUnsupported,  // the header is good but holds an unknown type, reserved bits or a length over
                 // kMaxRecordPayloadBytes: written by another version, never by a crash
};

struct DecodedRecord {
  DecodeOutcome outcome = DecodeOutcome::kEndOfData;
  RecordType type = RecordType::kInvalid;
  std::span<const uint8_t> payload;  // kRecord only
  // How many bytes from the start of the input belong to this record as far as can be told: the
  // whole record for kRecord and kBadChecksum, the header for kBadHeader and kUnsupported, the
  // whole input for kIncomplete. Bytes after this point are not part of the record.
  size_t extent_bytes = 0;
};

// Decodes the record at the start of `input`. Never reads outside `input`.
DecodedRecord decode_record(std::span<const uint8_t> input);

const char* to_string(DecodeOutcome outcome);

}  // namespace chorus::storage
