#include "storage/snapshot_file.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <thread>

#include "storage/crc32c.h"

namespace chorus::storage {
namespace {

constexpr std::string_view kTemporarySuffix = ".tmp";
// The slice of a snapshot image written, then handed to writeback, at a time.
constexpr uint64_t kWriteBackChunk = 1ull << 20;
constexpr size_t kConfStateLists = 4;

void write_ids(ByteWriter& writer, const std::vector<raft::NodeId>& ids) {
  writer.u32(static_cast<uint32_t>(ids.size()));
  for (const raft::NodeId id : ids) writer.u64(id.value);
}

bool read_ids(ByteReader& reader, std::vector<raft::NodeId>& ids) {
  uint32_t count = 0;
  if (!reader.u32(count)) return false;
  if (count > reader.remaining() / 8) return false;  // bounds the allocation by the input
  ids.resize(count);
  for (raft::NodeId& id : ids) reader.u64(id.value);
  return reader.ok();
}

Bytes encode_metadata(const raft::SnapshotMetadata& metadata) {
  Bytes out;
  ByteWriter writer(out);
  writer.u64(metadata.index.value);
  writer.u64(metadata.term.value);
  const raft::ConfState& conf = metadata.conf_state;
  write_ids(writer, conf.voters);
  write_ids(writer, conf.learners);
  write_ids(writer, conf.voters_outgoing);
  write_ids(writer, conf.learners_next);
  writer.u8(conf.auto_leave ? 1 : 0);
  return out;
}

std::optional<raft::SnapshotMetadata> decode_metadata(std::span<const uint8_t> bytes) {
  ByteReader reader(bytes);
  raft::SnapshotMetadata metadata;
  reader.u64(metadata.index.value);
  reader.u64(metadata.term.value);
  raft::ConfState& conf = metadata.conf_state;
  std::vector<raft::NodeId>* lists[kConfStateLists] = {&conf.voters, &conf.learners,
                                                       &conf.voters_outgoing, &conf.learners_next};
  for (std::vector<raft::NodeId>* list : lists) {
    if (!read_ids(reader, *list)) return std::nullopt;
  }
  uint8_t auto_leave = 0;
  reader.u8(auto_leave);
  if (!reader.ok() || reader.remaining() != 0 || auto_leave > 1) return std::nullopt;
  conf.auto_leave = auto_leave == 1;
  return metadata;
}

// Header and metadata: everything before the data.
Bytes encode_prefix(const raft::Snapshot& snapshot) {
  const Bytes metadata = encode_metadata(snapshot.metadata);
  STORAGE_ASSERT(metadata.size() <= kMaxSnapshotMetadataBytes);
  Bytes out;
  ByteWriter writer(out);
  writer.u64(kSnapshotMagic);
  writer.u32(kSnapshotVersion);
  writer.u32(static_cast<uint32_t>(metadata.size()));
  writer.u64(snapshot.data.size());
  writer.bytes(metadata);
  STORAGE_ASSERT(out.size() == kSnapshotHeaderBytes + metadata.size());
  return out;
}

Bytes encode_trailer(uint32_t crc) {
  Bytes out;
  ByteWriter(out).u32(crc);
  return out;
}

Status corrupt(const std::string& path, const std::string& what) {
  return Status(Errc::kCorrupt, path + ": " + what);
}

bool newer(const SnapshotFileName& a, const SnapshotFileName& b) {
  if (a.index != b.index) return a.index > b.index;
  return a.term > b.term;
}

struct NamedSnapshot {
  SnapshotFileName name;
  std::string file;
};

// Snapshot files in `dir`, newest first. A missing directory holds none.
Result<std::vector<NamedSnapshot>> list_snapshots(Disk& disk, const std::string& dir,
                                                  std::vector<std::string>* temporaries) {
  Result<std::vector<std::string>> names = disk.list_dir(dir);
  if (!names.ok() && names.status().code() == Errc::kNotFound) return std::vector<NamedSnapshot>{};
  if (!names.ok()) return names.status();
  std::vector<NamedSnapshot> snapshots;
  for (const std::string& name : *names) {
    if (name.ends_with(kTemporarySuffix) && temporaries != nullptr) temporaries->push_back(name);
    if (const auto parsed = parse_snapshot_file_name(name)) snapshots.push_back({*parsed, name});
  }
  std::sort(snapshots.begin(), snapshots.end(),
            [](const NamedSnapshot& a, const NamedSnapshot& b) { return newer(a.name, b.name); });
  return snapshots;
}

std::string base_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string snapshot_file_name(raft::Term term, raft::Index index) {
  char name[64];
  std::snprintf(name, sizeof(name), "snap-%016" PRIx64 "-%016" PRIx64 ".snap", term.value,
                index.value);
  return name;
}

std::string snapshot_file_path(const std::string& dir, const raft::SnapshotMetadata& metadata) {
  return join_path(dir, snapshot_file_name(metadata.term, metadata.index));
}

std::optional<SnapshotFileName> parse_snapshot_file_name(std::string_view name) {
  // "snap-%016x-%016x.snap"
  if (name.size() != 5 + 16 + 1 + 16 + 5 || !name.starts_with("snap-") || name[21] != '-' ||
      !name.ends_with(".snap")) {
    return std::nullopt;
  }
  SnapshotFileName parsed;
  uint64_t* fields[2] = {&parsed.term.value, &parsed.index.value};
  const size_t starts[2] = {5, 22};
  for (size_t f = 0; f < 2; ++f) {
    uint64_t value = 0;
    for (char c : name.substr(starts[f], 16)) {
      const bool digit = c >= '0' && c <= '9';
      const bool hex = c >= 'a' && c <= 'f';
      if (!digit && !hex) return std::nullopt;
      value = (value << 4) | static_cast<uint64_t>(digit ? c - '0' : c - 'a' + 10);
    }
    *fields[f] = value;
  }
  return parsed;
}

Bytes encode_snapshot(const raft::Snapshot& snapshot) {
  Bytes out = encode_prefix(snapshot);
  out.insert(out.end(), snapshot.data.begin(), snapshot.data.end());
  const Bytes trailer = encode_trailer(crc32c(out));
  out.insert(out.end(), trailer.begin(), trailer.end());
  return out;
}

namespace {
// Where a valid snapshot file's parts are: checked lengths, checksum and metadata.
struct SnapshotLayout {
  raft::SnapshotMetadata metadata;
  size_t data_offset = 0;
  size_t data_bytes = 0;
};

Result<SnapshotLayout> check_snapshot(std::span<const uint8_t> bytes, const std::string& path) {
  if (bytes.size() < kSnapshotHeaderBytes + kSnapshotTrailerBytes) {
    return corrupt(path, "shorter (" + std::to_string(bytes.size()) + " bytes) than a header");
  }
  ByteReader header(bytes.first(kSnapshotHeaderBytes));
  uint64_t magic = 0;
  uint32_t version = 0;
  uint32_t metadata_bytes = 0;
  uint64_t data_bytes = 0;
  header.u64(magic);
  header.u32(version);
  header.u32(metadata_bytes);
  header.u64(data_bytes);
  STORAGE_ASSERT(header.ok());
  if (magic != kSnapshotMagic) return corrupt(path, "not a snapshot file (bad magic)");
  if (version != kSnapshotVersion)
    return corrupt(path, "unknown version " + std::to_string(version));
  const uint64_t body = bytes.size() - kSnapshotHeaderBytes - kSnapshotTrailerBytes;
  if (metadata_bytes > kMaxSnapshotMetadataBytes || metadata_bytes > body ||
      data_bytes != body - metadata_bytes) {
    return corrupt(path, "lengths (metadata " + std::to_string(metadata_bytes) + ", data " +
                             std::to_string(data_bytes) + ") do not match the file size " +
                             std::to_string(bytes.size()) + " (a partial file?)");
  }
  const size_t crc_offset = bytes.size() - kSnapshotTrailerBytes;
  if (crc32c(bytes.first(crc_offset)) != load_u32(bytes.data() + crc_offset)) {
    return corrupt(path, "checksum mismatch");
  }
  const std::optional<raft::SnapshotMetadata> metadata =
      decode_metadata(bytes.subspan(kSnapshotHeaderBytes, metadata_bytes));
  if (!metadata) return corrupt(path, "malformed metadata");
  if (metadata->index == raft::Index{}) return corrupt(path, "snapshot at index 0");
  return SnapshotLayout{*metadata, kSnapshotHeaderBytes + metadata_bytes,
                        static_cast<size_t>(data_bytes)};
}
}  // namespace

Result<raft::Snapshot> decode_snapshot(std::span<const uint8_t> bytes, const std::string& path) {
  Result<SnapshotLayout> layout = check_snapshot(bytes, path);
  if (!layout.ok()) return layout.status();
  raft::Snapshot snapshot;
  snapshot.metadata = layout->metadata;
  const auto data = bytes.subspan(layout->data_offset, layout->data_bytes);
  snapshot.data.assign(reinterpret_cast<const char*>(data.data()), data.size());
  return snapshot;
}

Result<SnapshotFileWriter> SnapshotFileWriter::create(Disk& disk, const std::string& dir,
                                                      const raft::SnapshotMetadata& metadata,
                                                      uint64_t max_bytes_per_second) {
  if (metadata.index == raft::Index{}) {
    return Status(Errc::kInvalidArgument, "cannot write an empty snapshot");
  }
  if (Result<std::vector<std::string>> existing = disk.list_dir(dir); !existing.ok()) {
    if (existing.status().code() != Errc::kNotFound) return existing.status();
    CHORUS_STORAGE_TRY(disk.create_dir(dir));
    CHORUS_STORAGE_TRY(disk.sync_dir(parent_dir(dir)));
  }
  const std::string path = snapshot_file_path(dir, metadata);
  const std::string temporary = path + std::string(kTemporarySuffix);
  // A temporary file of the same name is left from a crash during an earlier attempt.
  if (Status removed = disk.remove(temporary); !removed.ok() && removed.code() != Errc::kNotFound) {
    return removed;
  }
  Result<std::unique_ptr<File>> file = disk.open(temporary, OpenMode::kCreateNew);
  if (!file.ok()) return file.status();
  raft::Snapshot header_only;
  header_only.metadata = metadata;
  const Bytes prefix = encode_prefix(header_only);  // data length 0 until finish()
  SnapshotFileWriter writer(disk, dir, path, std::move(file.value()), prefix.size(),
                            max_bytes_per_second);
  CHORUS_STORAGE_TRY(writer.file_->write_at(0, prefix));
  writer.crc_ = crc32c(prefix);
  return writer;
}

SnapshotFileWriter::SnapshotFileWriter(Disk& disk, std::string dir, std::string path,
                                       std::unique_ptr<File> file, uint64_t prefix_bytes,
                                       uint64_t max_bytes_per_second)
    : disk_(&disk),
      dir_(std::move(dir)),
      path_(std::move(path)),
      file_(std::move(file)),
      prefix_bytes_(prefix_bytes),
      max_bytes_per_second_(max_bytes_per_second),
      started_(std::chrono::steady_clock::now()) {}

SnapshotFileWriter::SnapshotFileWriter(SnapshotFileWriter&& other) noexcept
    : disk_(other.disk_),
      dir_(std::move(other.dir_)),
      path_(std::move(other.path_)),
      file_(std::move(other.file_)),
      prefix_bytes_(other.prefix_bytes_),
      max_bytes_per_second_(other.max_bytes_per_second_),
      data_bytes_(other.data_bytes_),
      crc_(other.crc_),
      started_(other.started_) {}

SnapshotFileWriter::~SnapshotFileWriter() {
  abandon();
}

void SnapshotFileWriter::abandon() {
  if (!file_) return;
  file_.reset();
  // Best effort: recovery ignores and removes temporaries anyway.
  (void)disk_->remove(path_ + std::string(kTemporarySuffix));
}

Status SnapshotFileWriter::append(std::span<const uint8_t> data) {
  STORAGE_ASSERT(file_ != nullptr);
  // In chunks, each handed to writeback at once (File::write_back says why): a snapshot of a
  // million keys is ~300 MiB, which otherwise sits dirty until the final sync and stalls the
  // WAL's fsyncs behind it.
  for (uint64_t done = 0; done < data.size(); done += kWriteBackChunk) {
    const uint64_t length = std::min<uint64_t>(kWriteBackChunk, data.size() - done);
    const uint64_t offset = prefix_bytes_ + data_bytes_;
    const std::span<const uint8_t> chunk = data.subspan(done, length);
    CHORUS_STORAGE_TRY(file_->write_at(offset, chunk));
    CHORUS_STORAGE_TRY(file_->write_back(offset, length));
    crc_ = crc32c_extend(crc_, chunk);
    data_bytes_ += length;
    if (max_bytes_per_second_ > 0) {
      std::this_thread::sleep_until(
          started_ + std::chrono::microseconds(data_bytes_ * 1'000'000 / max_bytes_per_second_));
    }
  }
  return Status::Ok();
}

Status SnapshotFileWriter::patch(uint64_t offset, std::span<const uint8_t> bytes) {
  STORAGE_ASSERT(file_ != nullptr);
  STORAGE_ASSERT(offset <= data_bytes_ && bytes.size() <= data_bytes_ - offset);
  Bytes before(bytes.size());
  Result<size_t> read = file_->read_at(prefix_bytes_ + offset, before);
  if (!read.ok()) return read.status();
  STORAGE_ASSERT(*read == before.size());
  CHORUS_STORAGE_TRY(file_->write_at(prefix_bytes_ + offset, bytes));
  crc_ = crc32c_patch(crc_, before, bytes, data_bytes_ - offset - bytes.size());
  return Status::Ok();
}

Result<std::string> SnapshotFileWriter::finish() {
  STORAGE_ASSERT(file_ != nullptr);
  // The header's data length (offset 16), then the CRC of the file as it now is.
  constexpr uint64_t kDataLengthOffset = 16;
  Bytes zero_length(8, 0);
  Bytes length;
  ByteWriter(length).u64(data_bytes_);
  Status status = file_->write_at(kDataLengthOffset, length);
  const uint32_t crc =
      crc32c_patch(crc_, zero_length, length, prefix_bytes_ - kDataLengthOffset - 8 + data_bytes_);
  if (status.ok()) status = file_->write_at(prefix_bytes_ + data_bytes_, encode_trailer(crc));
  if (status.ok()) status = file_->sync_data();
  if (!status.ok()) {
    abandon();
    return status;
  }
  file_.reset();
  CHORUS_STORAGE_TRY(disk_->rename(path_ + std::string(kTemporarySuffix), path_));
  CHORUS_STORAGE_TRY(disk_->sync_dir(dir_));
  return path_;
}

Result<std::string> write_snapshot_file(Disk& disk, const std::string& dir,
                                        const raft::Snapshot& snapshot,
                                        uint64_t max_bytes_per_second) {
  Result<SnapshotFileWriter> writer =
      SnapshotFileWriter::create(disk, dir, snapshot.metadata, max_bytes_per_second);
  if (!writer.ok()) return writer.status();
  CHORUS_STORAGE_TRY(writer->append(as_bytes(snapshot.data)));
  return writer->finish();
}

Result<raft::Snapshot> read_snapshot_file(Disk& disk, const std::string& path) {
  Result<std::unique_ptr<File>> file = disk.open(path, OpenMode::kOpenExisting);
  if (!file.ok()) return file.status();
  Result<uint64_t> size = (*file)->size();
  if (!size.ok()) return size.status();
  // Read into the string that becomes the snapshot's data, and cut the header and trailer off in
  // place: a snapshot can be hundreds of megabytes, and a second buffer costs as much again in
  // page faults at every restart.
  std::string buffer(*size, '\0');
  std::span<uint8_t> bytes(reinterpret_cast<uint8_t*>(buffer.data()), buffer.size());
  Result<size_t> read = (*file)->read_at(0, bytes);
  if (!read.ok()) return read.status();
  if (*read != bytes.size()) return Status(Errc::kIo, path + ": short read");
  Result<SnapshotLayout> layout = check_snapshot(bytes, path);
  if (!layout.ok()) return layout.status();
  Result<raft::Snapshot> snapshot = raft::Snapshot{};
  snapshot->metadata = layout->metadata;
  buffer.resize(layout->data_offset + layout->data_bytes);
  buffer.erase(0, layout->data_offset);
  snapshot->data = std::move(buffer);
  const std::optional<SnapshotFileName> name = parse_snapshot_file_name(base_name(path));
  if (name && (name->term != snapshot->metadata.term || name->index != snapshot->metadata.index)) {
    return corrupt(path, "metadata (term " + std::to_string(snapshot->metadata.term.value) +
                             ", index " + std::to_string(snapshot->metadata.index.value) +
                             ") does not match the file name");
  }
  return snapshot;
}

Result<LoadedSnapshot> load_newest_snapshot(Disk& disk, const std::string& dir,
                                            raft::Index required_index) {
  Result<std::vector<NamedSnapshot>> snapshots = list_snapshots(disk, dir, nullptr);
  if (!snapshots.ok()) return snapshots.status();
  LoadedSnapshot loaded;
  std::string too_old;
  std::vector<std::string> skipped;
  for (const NamedSnapshot& candidate : *snapshots) {
    const std::string path = join_path(dir, candidate.file);
    Result<raft::Snapshot> snapshot = read_snapshot_file(disk, path);
    if (!snapshot.ok() && snapshot.status().code() != Errc::kCorrupt) return snapshot.status();
    if (!snapshot.ok()) {
      loaded.notes.push_back("skipped " + snapshot.status().to_string());
      skipped.push_back(path);
      continue;
    }
    if (snapshot->metadata.index < required_index) {
      too_old = "; " + path + " is valid but older";  // the log no longer reaches back to it
      break;
    }
    // Out of the way, as etcd does with its broken snapshots: a corrupt file still named as the
    // newest snapshot would make retention (which keeps the newest few by name) prune the one
    // just loaded. Kept, not removed, so that the operator can look at it.
    for (const std::string& broken : skipped) {
      CHORUS_STORAGE_TRY(disk.rename(broken, broken + kBrokenSuffix));
      loaded.notes.push_back("renamed " + broken + " to " + broken + kBrokenSuffix);
    }
    if (!skipped.empty()) CHORUS_STORAGE_TRY(disk.sync_dir(dir));
    loaded.snapshot = std::move(*snapshot);
    loaded.path = path;
    return loaded;
  }
  if (loaded.notes.empty() && required_index == raft::Index{}) return loaded;  // none, none needed
  std::string why = dir + ": no valid snapshot at or after index " +
                    std::to_string(required_index.value) + " (the WAL's snapshot marker)";
  for (const std::string& note : loaded.notes) why += "; " + note;
  why += too_old;
  return Status(loaded.notes.empty() ? Errc::kNotFound : Errc::kCorrupt, why);
}

namespace {
// The paced removal retain_newest_snapshots() describes. kNotFound when the file is gone.
Status remove_in_slices(Disk& disk, const std::string& dir, const std::string& name,
                        RemovalPace pace) {
  const std::string path = join_path(dir, name);
  const std::string doomed = path + ".tmp";
  CHORUS_STORAGE_TRY(disk.rename(path, doomed));
  CHORUS_STORAGE_TRY(disk.sync_dir(dir));
  {
    auto file = disk.open(doomed, OpenMode::kOpenExisting);
    if (!file.ok()) return file.status();
    auto size = (*file)->size();
    if (!size.ok()) return size.status();
    for (uint64_t left = *size; left > pace.slice_bytes;) {
      left -= pace.slice_bytes;
      CHORUS_STORAGE_TRY((*file)->truncate(left));
      std::this_thread::sleep_for(pace.pause);
    }
  }
  return disk.remove(doomed);
}
}  // namespace

Status retain_newest_snapshots(Disk& disk, const std::string& dir, size_t keep,
                               bool remove_temporaries, RemovalPace pace) {
  STORAGE_ASSERT(keep >= 1);
  std::vector<std::string> temporaries;
  Result<std::vector<NamedSnapshot>> snapshots = list_snapshots(disk, dir, &temporaries);
  if (!snapshots.ok()) return snapshots.status();
  bool removed = false;
  // Gone already is fine: the server's loop and its snapshot janitor may both prune.
  auto remove = [&](const std::string& name) -> Status {
    const bool paced = pace.slice_bytes > 0 && !name.ends_with(".tmp");
    Status status =
        paced ? remove_in_slices(disk, dir, name, pace) : disk.remove(join_path(dir, name));
    if (!status.ok() && status.code() != Errc::kNotFound) return status;
    removed = true;
    return Status::Ok();
  };
  for (size_t i = keep; i < snapshots->size(); ++i) {
    CHORUS_STORAGE_TRY(remove((*snapshots)[i].file));
  }
  for (const std::string& name : temporaries) {
    if (!remove_temporaries) break;
    CHORUS_STORAGE_TRY(remove(name));
  }
  if (removed) CHORUS_STORAGE_TRY(disk.sync_dir(dir));
  return Status::Ok();
}

}  // namespace chorus::storage
