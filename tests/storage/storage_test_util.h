// Helpers shared by the storage tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/temp_dir.h"
#include "raft/types.h"
#include "storage/record.h"
#include "storage/status.h"

namespace chorus::storage::testing {

inline raft::Entry make_entry(uint64_t index, uint64_t term, std::string data = "") {
  raft::Entry entry;
  entry.index = raft::Index(index);
  entry.term = raft::Term(term);
  entry.data = data.empty() ? "entry-" + std::to_string(index) + "-" + std::to_string(term) : data;
  return entry;
}

// Entries first..first+count-1, all in `term`.
inline std::vector<raft::Entry> make_entries(uint64_t first, uint64_t count, uint64_t term) {
  std::vector<raft::Entry> entries;
  for (uint64_t i = 0; i < count; ++i) entries.push_back(make_entry(first + i, term));
  return entries;
}

inline raft::HardState make_hard_state(uint64_t term, uint64_t vote, uint64_t commit) {
  return {raft::Term(term), raft::NodeId(vote), raft::Index(commit)};
}

inline std::vector<uint64_t> indexes_of(const std::vector<raft::Entry>& entries) {
  std::vector<uint64_t> indexes;
  for (const raft::Entry& entry : entries) indexes.push_back(entry.index.value);
  return indexes;
}

// Offsets of the whole records at the start of `bytes`, up to the first non-record.
inline std::vector<uint64_t> record_offsets(const Bytes& bytes) {
  std::vector<uint64_t> offsets;
  uint64_t offset = 0;
  while (offset < bytes.size()) {
    const DecodedRecord record = decode_record(std::span(bytes).subspan(offset));
    if (record.outcome != DecodeOutcome::kRecord) break;
    offsets.push_back(offset);
    offset += record.extent_bytes;
  }
  return offsets;
}

// The offset just past the last whole record.
inline uint64_t data_end(const Bytes& bytes) {
  uint64_t offset = 0;
  while (offset < bytes.size()) {
    const DecodedRecord record = decode_record(std::span(bytes).subspan(offset));
    if (record.outcome != DecodeOutcome::kRecord) break;
    offset += record.extent_bytes;
  }
  return offset;
}

// A fresh directory under $TMPDIR (or /tmp), removed with its contents at the end of the test.
class TempDir : public chorus::base::ScopedTempDir {
 public:
  TempDir() : ScopedTempDir("chorus-storage-") { EXPECT_FALSE(path().empty()); }
};

}  // namespace chorus::storage::testing

#define ASSERT_STORAGE_OK(expr)                                       \
  do {                                                                \
    const auto& storage_status_ = (expr);                             \
    ASSERT_TRUE(storage_status_.ok()) << storage_status_.to_string(); \
  } while (false)
