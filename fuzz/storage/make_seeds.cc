// Writes seed inputs for the storage fuzz targets: make_seeds <wal dir> <snapshot dir>.
// Valid and nearly valid files, so that the fuzzers start from the interesting shapes.
#include <cstdio>
#include <fstream>
#include <string>

#include "storage/record.h"
#include "storage/snapshot_file.h"
#include "storage/wal_codec.h"

namespace {

using namespace chorus;
using namespace chorus::storage;

void write(const std::string& path, uint8_t mode, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.put(static_cast<char>(mode));
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

raft::Entry entry(uint64_t index, uint64_t term, std::string data) {
  raft::Entry e;
  e.index = raft::Index(index);
  e.term = raft::Term(term);
  e.data = std::move(data);
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <wal seed dir> <snapshot seed dir>\n", argv[0]);
    return 2;
  }
  const std::string wal_dir = argv[1];
  const std::string snapshot_dir = argv[2];

  Bytes records;  // records after a segment header
  for (uint64_t i = 1; i <= 4; ++i)
    append_entry_record(records, entry(i, 1, "value-" + std::to_string(i)));
  append_hard_state_record(records, {raft::Term(1), raft::NodeId(2), raft::Index(3)});
  append_snapshot_marker_record(records, {raft::Index(2), raft::Term(1)});
  append_entry_record(records, entry(3, 2, "overwrite"));
  write(wal_dir + "/records", 2, records);
  write(wal_dir + "/records-not-last", 3, records);
  Bytes torn = records;
  torn.resize(torn.size() - 5);
  write(wal_dir + "/torn", 2, torn);
  Bytes padded = records;
  padded.resize(padded.size() + 200, 0);
  write(wal_dir + "/padded", 2, padded);
  Bytes whole;
  append_segment_header_record(whole, {0, raft::Index(1)});
  whole.insert(whole.end(), records.begin(), records.end());
  write(wal_dir + "/whole", 0, whole);

  raft::Snapshot snapshot;
  snapshot.metadata.index = raft::Index(10);
  snapshot.metadata.term = raft::Term(2);
  snapshot.metadata.conf_state.voters = {raft::NodeId(1), raft::NodeId(2), raft::NodeId(3)};
  snapshot.metadata.conf_state.learners = {raft::NodeId(4)};
  snapshot.data = "key=value;other=thing";
  const Bytes file = encode_snapshot(snapshot);
  std::ofstream(snapshot_dir + "/valid", std::ios::binary)
      .write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  std::ofstream(snapshot_dir + "/partial", std::ios::binary)
      .write(reinterpret_cast<const char*>(file.data()),
             static_cast<std::streamsize>(file.size() / 2));
  return 0;
}
