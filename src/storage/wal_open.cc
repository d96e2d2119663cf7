// Wal::open: recovery of the segments in a directory (the rules are in segment.h and
// log_replay.h; this file reads the files and applies them in order).
#include <algorithm>

#include "storage/segment.h"
#include "storage/wal.h"

namespace chorus::storage {
namespace {

Result<Bytes> read_whole_file(File& file) {
  Result<uint64_t> size = file.size();
  if (!size.ok()) return size.status();
  Bytes bytes(*size);
  Result<size_t> read = file.read_at(0, bytes);
  if (!read.ok()) return read.status();
  if (*read != bytes.size()) {
    return Status(Errc::kIo, file.path() + ": read " + std::to_string(*read) + " of " +
                                 std::to_string(bytes.size()) + " bytes");
  }
  return bytes;
}

Status malformed(const std::string& path, uint64_t offset, const char* what) {
  return Status(Errc::kCorrupt,
                path + ": offset " + std::to_string(offset) + ": malformed " + what + " record");
}

Status replay_record(LogReplay& replay, const ScannedRecord& record, const std::string& path) {
  switch (record.type) {
    case RecordType::kEntry: {
      std::optional<raft::Entry> entry = decode_entry(record.payload);
      if (!entry) return malformed(path, record.offset, "entry");
      return replay.on_entry(std::move(*entry), path, record.offset);
    }
    case RecordType::kHardState: {
      const std::optional<raft::HardState> state = decode_hard_state(record.payload);
      if (!state) return malformed(path, record.offset, "hard state");
      return replay.on_hard_state(*state, path, record.offset);
    }
    case RecordType::kSnapshotMarker: {
      const std::optional<SnapshotMarker> marker = decode_snapshot_marker(record.payload);
      if (!marker) return malformed(path, record.offset, "snapshot marker");
      replay.on_snapshot_marker(*marker);
      return Status::Ok();
    }
    case RecordType::kSegmentHeader:
      return Status(Errc::kCorrupt, path + ": offset " + std::to_string(record.offset) +
                                        ": a second segment header");
    case RecordType::kInvalid:
      break;
  }
  STORAGE_ASSERT(false && "scan_segment returns known record types only");
  return Status::Ok();
}

}  // namespace

Result<OpenedWal> Wal::open(Disk& disk, const std::string& dir, const WalOptions& options) {
  STORAGE_ASSERT(options.segment_bytes > 0);
  STORAGE_ASSERT(options.max_unsynced_bytes > 0);
  std::unique_ptr<Wal> wal(new Wal(disk, dir, options));
  RecoveredState state;
  CHORUS_STORAGE_TRY(wal->recover(state));
  STORAGE_ASSERT(wal->active_file_ != nullptr);
  STORAGE_ASSERT(wal->last_index_ == state.last_index());
  return OpenedWal{std::move(wal), std::move(state)};
}

Status Wal::recover(RecoveredState& state) {
  Result<std::vector<std::string>> names = disk_.list_dir(dir_);
  if (!names.ok()) {
    if (names.status().code() != Errc::kNotFound || options_.if_missing == IfMissing::kFail) {
      return names.status();
    }
    CHORUS_STORAGE_TRY(disk_.create_dir(dir_));
    CHORUS_STORAGE_TRY(disk_.sync_dir(parent_dir(dir_)));
    names = std::vector<std::string>{};
  }
  std::vector<Segment> segments;
  for (const std::string& name : *names) {
    if (name.ends_with(kTemporarySuffix)) continue;
    const std::optional<SegmentHeader> parsed = parse_segment_file_name(name);
    if (!parsed) {
      state.recovery_notes.push_back(join_path(dir_, name) + ": not a WAL segment, ignored");
      continue;
    }
    segments.push_back({parsed->sequence, parsed->first_index, join_path(dir_, name)});
  }
  if (segments.empty()) {
    if (options_.if_missing == IfMissing::kFail) {
      return Status(Errc::kNotFound, dir_ + ": no WAL segments");
    }
    CHORUS_STORAGE_TRY(remove_temporary_files(*names, state));
    state.recovery_notes.push_back(dir_ + ": no WAL segments, started a new WAL");
    return start_segment({});
  }
  std::sort(segments.begin(), segments.end(),
            [](const Segment& a, const Segment& b) { return a.sequence < b.sequence; });
  for (size_t i = 1; i < segments.size(); ++i) {
    if (segments[i].sequence != segments[i - 1].sequence + 1) {
      return Status(Errc::kCorrupt,
                    dir_ + ": segment " + std::to_string(segments[i - 1].sequence + 1) +
                        " is missing between " + segments[i - 1].path + " and " + segments[i].path);
    }
  }
  CHORUS_STORAGE_TRY(scan_segments(std::move(segments), state));
  return remove_temporary_files(*names, state);
}

Status Wal::remove_temporary_files(const std::vector<std::string>& names, RecoveredState& state) {
  bool removed = false;
  for (const std::string& name : names) {
    if (!name.ends_with(kTemporarySuffix)) continue;
    // A segment that was never renamed: its batch was never acknowledged.
    CHORUS_STORAGE_TRY(disk_.remove(join_path(dir_, name)));
    state.recovery_notes.push_back(join_path(dir_, name) + ": unfinished new segment, removed");
    removed = true;
  }
  if (removed) CHORUS_STORAGE_TRY(disk_.sync_dir(dir_));
  return Status::Ok();
}

Status Wal::scan_segments(std::vector<Segment> segments, RecoveredState& state) {
  LogReplay replay;
  std::unique_ptr<File> last_file;
  uint64_t last_valid_end = 0;
  std::optional<std::string> torn_tail_note;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& segment = segments[i];
    const bool is_last = i + 1 == segments.size();
    Result<std::unique_ptr<File>> file = disk_.open(segment.path, OpenMode::kOpenExisting);
    if (!file.ok()) return file.status();
    Result<Bytes> bytes = read_whole_file(**file);
    if (!bytes.ok()) return bytes.status();
    Result<ScannedSegment> scanned =
        scan_segment(*bytes, segment.path, {segment.sequence, segment.first_index},
                     is_last ? SegmentPosition::kLast : SegmentPosition::kNotLast);
    if (!scanned.ok()) return scanned.status();
    for (const ScannedRecord& record : scanned->records) {
      CHORUS_STORAGE_TRY(replay_record(replay, record, segment.path));
    }
    if (is_last) {
      last_file = std::move(*file);
      last_valid_end = scanned->valid_end;
      torn_tail_note = scanned->torn_tail_note;
    }
  }
  std::vector<std::string> notes = std::move(state.recovery_notes);
  Result<RecoveredState> replayed = std::move(replay).finish(dir_);
  if (!replayed.ok()) return replayed.status();
  state = std::move(*replayed);
  state.recovery_notes = std::move(notes);

  // Only now, with the whole log known to be sound, is anything changed on disk.
  STORAGE_ASSERT(last_file != nullptr);
  if (torn_tail_note) {
    // Zero the torn bytes (truncate, then preallocate again) before appending there: garbage
    // left after a later, shorter record would read as corruption at the next recovery.
    CHORUS_STORAGE_TRY(last_file->truncate(last_valid_end));
    CHORUS_STORAGE_TRY(last_file->preallocate(std::max(options_.segment_bytes, last_valid_end)));
    CHORUS_STORAGE_TRY(last_file->sync_data());
    state.recovery_notes.push_back(*torn_tail_note);
  }
  segments_ = std::move(segments);
  active_file_ = std::move(last_file);
  active_end_ = last_valid_end;
  Result<uint64_t> capacity = active_file_->size();
  if (!capacity.ok()) return capacity.status();
  active_capacity_ = *capacity;
  zeroed_end_ = last_valid_end;  // what lies past it is unknown: zeroes, maybe unwritten
  active_prologue_end_ = 0;      // unknown; only used to avoid rotating a segment with no entries

  hard_state_ = synced_hard_state_ = state.hard_state;
  marker_ = synced_marker_ = state.snapshot;
  last_index_ = synced_last_index_ = state.last_index();
  last_term_ = state.entries.empty() ? state.snapshot.term : state.entries.back().term;
  return Status::Ok();
}

}  // namespace chorus::storage
