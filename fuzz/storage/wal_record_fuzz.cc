// libFuzzer target: arbitrary bytes as a WAL segment, through the record decoder and the whole
// recovery path (Wal::open on a SimDisk).
//
// Input layout: byte 0 chooses the setup, the rest is segment data.
//   bit 0: the fuzzed segment is followed by a valid, empty segment (so it is NOT the last one,
//          and the torn-tail rule must not apply)
//   bit 1: a valid segment header is put in front of the data (so mutations reach the records)
//
// Beyond "no crash, no sanitizer report", it checks what recovery promises:
//  - truncation happens exactly at the first bad record, and only as the torn-tail rule says:
//    the file afterwards is its leading valid records followed by zeroes, or unchanged;
//  - nothing is skipped silently: without a torn-tail note, only zeroes follow the valid records;
//  - recovery is idempotent: reopening returns the same state, with no torn tail;
//  - the recovered WAL accepts an append, and the next recovery returns it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "storage/record.h"
#include "storage/segment.h"
#include "storage/sim_disk.h"
#include "storage/wal.h"
#include "storage/wal_codec.h"

namespace {

using namespace chorus;
using namespace chorus::storage;

const std::string kDir = "/w";

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "wal_record_fuzz: property violated: %s\n", what);
  std::abort();
}

// Offset past the leading whole records (what recovery may keep).
uint64_t leading_records_end(const Bytes& bytes) {
  uint64_t offset = 0;
  while (offset < bytes.size()) {
    const DecodedRecord record = decode_record(std::span(bytes).subspan(offset));
    if (record.outcome != DecodeOutcome::kRecord) break;
    offset += record.extent_bytes;
  }
  return offset;
}

// Exercises the payload decoders on every record the framing accepts.
void decode_payloads(const Bytes& bytes) {
  uint64_t offset = 0;
  while (offset < bytes.size()) {
    const DecodedRecord record = decode_record(std::span(bytes).subspan(offset));
    if (record.outcome != DecodeOutcome::kRecord) break;
    (void)decode_entry(record.payload);
    (void)decode_hard_state(record.payload);
    (void)decode_snapshot_marker(record.payload);
    (void)decode_segment_header(record.payload);
    offset += record.extent_bytes;
  }
}

bool same_state(const RecoveredState& a, const RecoveredState& b) {
  return a.entries == b.entries && a.hard_state == b.hard_state && a.snapshot == b.snapshot;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool followed_by_valid_segment = (data[0] & 1) != 0;
  const bool with_valid_header = (data[0] & 2) != 0;

  Bytes segment;
  if (with_valid_header) append_segment_header_record(segment, {0, raft::Index(1)});
  segment.insert(segment.end(), data + 1, data + size);
  decode_payloads(segment);

  SimDisk disk(1);
  require(disk.create_dir(kDir).ok(), "create dir");
  const std::string path = kDir + "/" + segment_file_name(0, raft::Index(1));
  disk.set_durable_contents(path, segment);
  if (followed_by_valid_segment) {
    Bytes next;
    append_segment_header_record(next, {1, raft::Index(1)});
    disk.set_durable_contents(kDir + "/" + segment_file_name(1, raft::Index(1)), next);
  }

  WalOptions options;
  options.segment_bytes = 4096;  // keeps preallocation small
  options.if_missing = IfMissing::kFail;
  Result<OpenedWal> opened = Wal::open(disk, kDir, options);
  if (!opened.ok()) {
    // Refusing must change nothing.
    require(*disk.contents(path) == segment, "a refused open changed the segment");
    return 0;
  }
  const RecoveredState first = std::move(opened->state);
  bool torn = false;
  for (const std::string& note : first.recovery_notes) {
    torn = torn || note.find("torn final record") != std::string::npos;
  }
  require(!(torn && followed_by_valid_segment), "torn-tail rule applied to a segment not last");

  // Truncation, if any, exactly after the leading valid records, and zeroes after them.
  const Bytes after = *disk.contents(path);
  const uint64_t keep = leading_records_end(segment);
  require(after.size() >= keep, "truncated into valid records");
  require(
      std::equal(segment.begin(), segment.begin() + static_cast<ptrdiff_t>(keep), after.begin()),
      "valid records changed");
  if (torn) {
    for (uint64_t i = keep; i < after.size(); ++i) require(after[i] == 0, "torn bytes not zeroed");
    // The rule itself: only zeroes followed the bad record's extent in the original.
    const DecodedRecord bad = decode_record(std::span(segment).subspan(keep));
    for (uint64_t i = keep + bad.extent_bytes; i < segment.size(); ++i) {
      require(segment[i] == 0, "truncated a bad record that had data after it");
    }
  } else {
    require(after == segment, "segment changed without a torn tail");
    // Nothing was skipped silently: after the leading valid records there is only zero fill.
    for (uint64_t i = keep; i < segment.size(); ++i) {
      require(segment[i] == 0, "bytes after the valid records ignored without a torn-tail note");
    }
  }
  for (size_t i = 1; i < first.entries.size(); ++i) {
    require(first.entries[i].index == first.entries[i - 1].index.next(), "entries not contiguous");
  }
  require(first.entries.empty() || first.entries.front().index == first.snapshot.index.next(),
          "log does not start after the snapshot");

  // Idempotent, and appendable.
  std::unique_ptr<Wal> wal = std::move(opened->wal);
  const raft::Term term = first.entries.empty() ? first.snapshot.term : first.entries.back().term;
  raft::Entry entry;
  entry.index = first.last_index().next();
  entry.term = term;
  entry.data = "appended";
  const Status saved = wal->save(nullptr, std::span(&entry, 1));
  require(saved.ok(), "append after recovery refused");
  require(wal->sync().ok(), "sync after recovery failed");
  wal.reset();
  disk.crash(CrashMode::kDropUnsynced);
  Result<OpenedWal> again = Wal::open(disk, kDir, options);
  require(again.ok(), "second recovery failed");
  for (const std::string& note : again->state.recovery_notes) {
    require(note.find("torn") == std::string::npos, "second recovery found a torn tail");
  }
  RecoveredState expected = first;
  expected.entries.push_back(entry);
  require(same_state(again->state, expected), "second recovery differs");
  return 0;
}
