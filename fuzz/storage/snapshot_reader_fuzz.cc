// libFuzzer target: arbitrary bytes as a snapshot file, through the decoder and the loader.
//
// Beyond "no crash, no sanitizer report": a file that decodes is canonical (encoding the result
// gives back the same bytes, so nothing in the file was ignored), and the loader agrees with
// the decoder.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "storage/sim_disk.h"
#include "storage/snapshot_file.h"

namespace {

using namespace chorus;
using namespace chorus::storage;

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "snapshot_reader_fuzz: property violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Bytes bytes(data, data + size);
  Result<raft::Snapshot> decoded = decode_snapshot(bytes, "fuzz");
  if (decoded.ok()) {
    require(encode_snapshot(*decoded) == bytes, "decoded file is not canonical");
    require(!decoded->empty(), "decoded a snapshot at index 0");
  } else {
    require(decoded.status().code() == Errc::kCorrupt, "decode error other than kCorrupt");
  }

  // Through the loader, under the name its metadata would give (or a fixed one).
  SimDisk disk(1);
  require(disk.create_dir("/s").ok(), "create dir");
  const std::string name = decoded.ok()
                               ? snapshot_file_name(decoded->metadata.term, decoded->metadata.index)
                               : snapshot_file_name(raft::Term(1), raft::Index(1));
  disk.set_durable_contents("/s/" + name, bytes);
  Result<LoadedSnapshot> loaded = load_newest_snapshot(disk, "/s", raft::Index{});
  require(loaded.ok() == decoded.ok(), "loader and decoder disagree");
  if (loaded.ok()) require(loaded->snapshot == *decoded, "loader returned something else");
  return 0;
}
